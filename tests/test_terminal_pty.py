"""The real `advisor chat` in a pseudo-terminal: what a person at a terminal sees."""

from __future__ import annotations

import io
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pyte
import pytest
from conftest import SECOND_MESSAGE
from test_terminal import ADVISED, holds, words

import advisor

pytestmark = pytest.mark.slow


def ready(child: pexpect.spawn) -> None:
    """Wait until a prompt reads keys: between prompts the terminal is in cooked mode, where
    Ctrl-C and Ctrl-D would go to the terminal driver instead (as for any line program)."""
    child.expect_exact("\x1b[?2004h")  # a prompt turns bracketed paste on as it starts


RED_WARNING = re.compile(r"\x1b\[[0-9;]*\b31\b[0-9;]*m {2}Warning: Windows 98")
DOWN = "\x1b[B"


def command() -> tuple[str, list[str]]:
    script = Path(sys.executable).with_name("advisor")
    if script.exists():
        return str(script), ["chat"]
    return sys.executable, ["-m", "advisor", "chat"]


@pytest.fixture
def spawn(tmp_path: Path) -> Iterator[object]:
    children: list[pexpect.spawn] = []

    def start(*args: str, colour: bool = True, columns: int = 140) -> pexpect.spawn:
        env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
        # A real terminal answers cursor-position requests; pexpect does not.
        env.update(TERM="xterm-256color", PROMPT_TOOLKIT_NO_CPR="1")
        if not colour:
            env["NO_COLOR"] = "1"
        program, base = command()
        child = pexpect.spawn(
            program,
            [*base, *args],
            env=env,
            cwd=str(tmp_path),
            encoding="utf-8",
            dimensions=(40, columns),
            timeout=15,
        )
        children.append(child)
        return child

    yield start
    for child in children:
        child.close(force=True)


def test_a_pasted_error_a_menu_choice_and_the_warning_in_red(spawn) -> None:
    child = spawn("--steps", "all")
    child.expect("Paste the whole message")
    child.send("\x1b[200~" + SECOND_MESSAGE.replace("\n", "\r\n") + "\x1b[201~")
    child.send("\r")
    child.expect("the error message: The TCP/IP connection was unexpectedly terminated")
    child.expect(r"3\. I don't know")
    child.send(DOWN)  # the menu: MSN
    child.expect("MSN \\(an address that ends in @msn.com\\)")
    child.send("\r")
    child.expect(r"4\. I don't know")
    child.send(DOWN + DOWN + DOWN)  # the menu: MSN's dial-up, LAN, then another provider
    child.expect("Through another Internet provider")
    child.send("\r")
    child.expect("This is the problem described in Microsoft Knowledge Base article Q194068")
    child.expect("Which version of Windows")
    child.send("98 se\r")
    child.expect("network adapter")
    child.send("no\r")
    child.expect("Is the problem solved")
    seen = child.before
    assert RED_WARNING.search(seen), "the Windows 98 warning is not shown in red"
    assert "click TCP/IP (you do not have a network adapter)" in seen
    child.send("y\r")
    child.expect("Glad to hear it")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_no_color_shows_the_warning_without_colour(spawn) -> None:
    child = spawn("--steps", "all", colour=False)
    for expected, answer in (
        ("Paste the whole message", "0x800CCC0F"),
        ("e-mail service", "msn"),
        ("connect to the Internet", "lan"),
        ("Which version", "98"),
        ("network adapter", "yes"),
    ):
        child.expect(expected)
        child.send(answer + "\r")
    child.expect("Is the problem solved")
    seen = child.before
    assert "  Warning: Windows 98 will prompt you" in seen
    assert not RED_WARNING.search(seen)
    assert not re.search(r"\x1b\[[0-9;]*3[0-7]m", seen), "a colour was used under NO_COLOR"
    child.sendcontrol("d")
    child.expect(pexpect.EOF)


def test_why_and_back_at_the_prompt(spawn, kb: advisor.KnowledgeBase) -> None:
    session = kb.new_session()
    session.send("0x800CCC0F, my msn mail")
    why = session.why().text.splitlines()
    child = spawn()
    child.expect("Paste the whole message")
    child.send("0x800CCC0F, my msn mail\r")
    child.expect("connect to the Internet")
    child.send("/why\r")
    child.expect_exact(why[0])  # what the session says, as it says it
    child.expect_exact(why[1])
    child.send("lan\r")
    child.expect("Which version of Windows")
    child.send("/back\r")
    child.expect("I took back your answer to “How does this computer connect to the Internet")
    child.expect("connect to the Internet when you send mail\\?")
    child.send("msn dial-up\r")
    child.expect("does not apply to you")
    child.expect("Does an antivirus program")  # the other causes of the error come next
    ready(child)
    child.sendcontrol("d")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_ctrl_c_asks_again_and_ctrl_d_says_goodbye(spawn) -> None:
    child = spawn()
    ready(child)
    child.send("half an answer")
    child.sendcontrol("c")
    child.expect("Cancelled. The same question again")
    child.expect("Paste the whole message")
    ready(child)
    child.sendcontrol("d")
    child.expect("Goodbye")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_the_steps_one_at_a_time(spawn) -> None:
    child = spawn("--steps", "guided")
    for expected, answer in (
        ("Paste the whole message", "0x800CCC0F"),
        ("e-mail service", "msn"),
        ("connect to the Internet", "isp"),
        ("Which version", "me"),
        ("network adapter", "yes"),
    ):
        child.expect(expected)
        child.send(answer + "\r")
    child.expect("Step 1: Configure Mail Servers")
    child.expect("1. Start Outlook Express")
    child.send("\r")
    child.expect("2. On the Tools menu")
    child.send("skip\r")
    child.expect("3. Click MSN Mail")
    child.send("why\r")
    child.expect("Why step 1.3 is part of your steps")
    child.send("quit\r")
    child.expect("Is the problem solved")
    child.send("n\r")
    child.expect("Summary for a support agent")
    child.expect(r"1\.1\s+done")
    child.expect(r"1\.2\s+skipped")
    child.expect(pexpect.EOF)


def test_at_80_columns_the_message_in_place_keeps_every_choice(
    spawn, kb: advisor.KnowledgeBase
) -> None:
    child = spawn(columns=80)
    seen = io.StringIO()
    child.logfile_read = seen
    for expected, answer in (
        ("Paste the whole message", "0x800CCC0F"),
        ("e-mail service", "msn"),
        ("connect to the Internet", "lan"),
    ):
        child.expect(expected)
        child.send(answer + "\r")
    child.expect("Which version of Windows")
    ready(child)
    child.send("pigeon\r")
    child.expect("I don't know\\.")  # the end of the message, not the last choice
    screen = pyte.Screen(80, 40)
    pyte.Stream(screen).feed(seen.getvalue())
    lines = [line.rstrip() for line in screen.display]
    session = kb.new_session()
    for answer in ("0x800CCC0F", "msn", "lan"):
        session.send(answer)
    problem = session.check("pigeon")
    assert problem is not None
    assert holds(words(lines), problem.split()), "\n".join(lines)
    child.sendcontrol("u")  # Ctrl-D leaves only at an empty line
    child.sendcontrol("d")
    child.expect(pexpect.EOF)


def test_commands_and_ctrl_c_after_the_advice(spawn, kb: advisor.KnowledgeBase) -> None:
    session = kb.new_session()
    for answer in ADVISED[::2]:
        session.send(answer)
    how = session.how("2.3").text.splitlines()[0]
    child = spawn()
    for answer in ADVISED[::2]:
        ready(child)
        child.send(answer + "\r")
    # A prompt turns bracketed paste on before it shows its text.
    ready(child)
    child.expect("Shall I walk you through the steps")
    child.sendcontrol("c")
    child.expect("Cancelled. The same question again")
    ready(child)
    child.expect("Shall I walk you through the steps")
    child.send("n\r")
    ready(child)
    child.expect("Is the problem solved")
    child.sendcontrol("c")
    child.expect("Cancelled. The same question again")
    ready(child)
    child.expect("Is the problem solved")
    child.send("/how 2.3\r")
    child.expect(re.escape(how))
    ready(child)
    child.expect("Is the problem solved")
    child.send("y\r")
    child.expect("Glad to hear it")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
