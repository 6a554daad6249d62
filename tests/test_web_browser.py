"""The widget on the demo page, in a real browser: Debian's chromium driven by Playwright."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from conftest import FIRST_MESSAGE
from servers import Server

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
# Playwright's own browser download does not work here; Debian's chromium does, and without
# the background-networking flags it keeps trying to reach Google's hosts.
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WARNING = "Warning: Windows 98 will prompt you with a warning about changing the TCP/IP configuration: click OK."
ATTACK = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium; CI does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


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
    page.wait_for_timeout(300)
    assert page.locator(".advisor-widget img").count() == 0
    assert dialogs == [] and errors == []
    page.screenshot(path=str(tmp_path / "widget-typed-html.png"))
    print(f"screenshots in {tmp_path}")
    page.close()
