"""The widget on the demo page, in a real browser: Debian's chromium driven by Playwright."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from conftest import FIRST_MESSAGE
from servers import Server

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = pytest.mark.slow

WARNING = "Warning: Windows 98 will prompt you with a warning about changing the TCP/IP configuration: click OK."
ATTACK = "<img src=x onerror=alert(1)>"


def test_the_demo_page_in_a_browser(serve: Any, browser: Browser, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    server: Server = serve("--store", "sqlite:browser.sqlite3")
    page = browser.new_page(viewport={"width": 1000, "height": 800})
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{server.url}/")

    launcher = page.get_by_role("button", name="Help with an e-mail error")
    expect(launcher).to_have_attribute("aria-expanded", "false")
    launcher.click()
    expect(launcher).to_have_attribute("aria-expanded", "true")
    log = page.get_by_role("log")
    expect(log).to_have_attribute("aria-live", "polite")
    expect(log).to_contain_text("What error do you get when you send e-mail?")

    # Paste the first message of the article (several lines), send with Enter.
    answer = page.get_by_label("Your answer")
    expect(answer).to_be_focused()
    answer.fill(FIRST_MESSAGE)
    answer.press("Enter")
    first = page.get_by_role("button", name="Through MSN's own dial-up access", exact=False)
    expect(first).to_be_focused()  # focus moves to the new choices
    expect(log).to_contain_text("the mail server: smtp.email.msn.com")
    page.get_by_role("button", name="Through a local area network (LAN)", exact=False).click()
    # The keyboard alone: Tab from "Windows 95" to "Windows 98", Enter.
    expect(page.get_by_role("button", name="Windows 95", exact=True)).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Windows 98", exact=True)).to_be_focused()
    page.keyboard.press("Enter")
    page.get_by_role("button", name="No", exact=True).click()

    warning = page.locator(".advisor-warning")
    expect(warning).to_have_text(WARNING)
    steps = page.locator(".advisor-reply").last.locator(":scope > ol.advisor-steps > li")
    expect(steps).to_have_count(2)
    expect(steps.nth(1).locator(":scope > ol > li")).to_have_count(9)
    expect(log).to_contain_text("click TCP/IP (you do not have a network adapter)")
    expect(page.get_by_role("button", name="Start a new conversation")).to_be_focused()
    warning.scroll_into_view_if_needed()
    page.screenshot(path=str(tmp_path / "widget.png"))

    # A reload resumes the conversation from the server.
    page.reload()
    expect(page.get_by_role("log")).to_contain_text(WARNING)
    expect(page.locator(".advisor-user")).to_have_count(4)
    expect(page.locator(".advisor-user").first).to_contain_text("Error Number: 0x800CCC0F")
    expect(page.locator(".advisor-chosen")).to_have_text(
        ["Through a local area network (LAN), for example at an office", "Windows 98", "No"]
    )

    # Did it help? No: a person is offered, and the conversation goes to them.
    after = page.locator(".advisor-after").last
    expect(after).to_contain_text("Did this solve the problem?")
    after.get_by_role("button", name="No", exact=True).click()
    page.get_by_role("button", name="Talk to a person").click()
    contact = page.get_by_label("How can a person reach you? (optional)")
    expect(contact).to_be_focused()
    contact.fill("pat@example.com")
    page.get_by_role("button", name="Send to a person").click()
    expect(log).to_contain_text("A support agent has this conversation")
    metrics = httpx.get(f"{server.url}/metrics").text
    assert re.search(r"^advisor_handoffs_total 1\.0$", metrics, re.MULTILINE), metrics

    # What a person types is shown as text, and never runs.
    page.get_by_role("button", name="Start a new conversation").click()
    answer = page.get_by_label("Your answer")
    expect(answer).to_be_focused()
    answer.fill(ATTACK)
    answer.press("Enter")
    expect(page.locator(".advisor-user").last).to_have_text(f"You said: {ATTACK}")
    expect(page.locator(".advisor-hint").last).to_contain_text("Error Number:")
    answer.fill(ATTACK)  # said again after the help: nothing fits, and it is quoted back
    answer.press("Enter")
    expect(page.locator(".advisor-msg").last).to_contain_text(ATTACK)
    expect(page.get_by_role("button", name="Talk to a person")).to_be_visible()
    page.wait_for_timeout(300)
    assert page.locator(".advisor-widget img").count() == 0
    assert dialogs == [] and errors == []
    page.screenshot(path=str(tmp_path / "widget-typed-html.png"))
    print(f"screenshots in {tmp_path}")
    page.close()


def test_a_failed_send_is_shown_once_and_the_person_s_lines_stand_apart(
    serve: Any, browser: Browser
) -> None:
    from playwright.sync_api import Route, expect

    server: Server = serve("--store", "sqlite:failed.sqlite3")
    page = browser.new_page(viewport={"width": 1000, "height": 800})
    page.goto(f"{server.url}/")
    page.get_by_role("button", name="Help with an e-mail error").click()
    answer = page.get_by_label("Your answer")
    expect(answer).to_be_focused()

    def fail(route: Route) -> None:
        route.fulfill(status=500, content_type="application/json", body='{"error": {}}')

    page.route("**/messages", fail)
    answer.fill("0x800CCC0F")
    answer.press("Enter")
    expect(page.locator(".advisor-error")).to_have_count(1)
    expect(page.locator(".advisor-user")).to_have_count(0)  # not said: nothing arrived
    expect(answer).to_have_value("0x800CCC0F")  # kept to send again
    page.unroute("**/messages")
    answer.press("Enter")
    expect(page.locator(".advisor-user")).to_have_count(1)
    user = page.locator(".advisor-user")
    indent = user.evaluate("p => parseFloat(getComputedStyle(p).marginLeft)")
    assert indent > 50, indent  # the person's lines are set off from the bot's
    page.close()
