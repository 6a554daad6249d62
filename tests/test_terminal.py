"""The prompt_toolkit terminal, driven through a pipe input into a dummy output."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyte
import pytest
from conftest import SECOND_MESSAGE
from prompt_toolkit.application import create_app_session
from prompt_toolkit.data_structures import Size
from prompt_toolkit.document import Document
from prompt_toolkit.input import PipeInput, create_pipe_input
from prompt_toolkit.output import DummyOutput
from prompt_toolkit.output.vt100 import Vt100_Output
from prompt_toolkit.validation import ValidationError

import advisor
from advisor import cli
from advisor.dialog import wording
from advisor.terminal import guide
from advisor.terminal.app import Terminal, _Choices, _SessionValidator
from advisor.transcripts.format import Recorder

ENTER, CTRL_C, CTRL_D, CTRL_U, DOWN = "\r", "\x03", "\x04", "\x15", "\x1b[B"


def paste(text: str) -> str:
    return f"\x1b[200~{text}\x1b[201~"


def drive(
    kb: advisor.KnowledgeBase, *keys: str, steps: str | None = "all", record: Recorder | None = None
) -> tuple[Terminal, int]:
    """Run a terminal on `keys`; the input is closed after them, so an unanswered prompt
    ends with EOF instead of waiting, and a thread guard fails a run that still hangs."""
    terminal = Terminal(kb.new_session(), steps=steps, record=record)
    result: list[int] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
                pipe.send_text("".join(keys))
                pipe.close()
                result.append(terminal.run())
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout=20)
    assert not thread.is_alive(), "the terminal is still waiting for input"
    assert not errors, errors
    return terminal, result[0]


def shown(terminal: Terminal) -> str:
    return "\n".join(terminal.shown)


class _SizedOutput(Vt100_Output):
    """A terminal of a given size, written to memory. It tells the rows below the cursor,
    as a real terminal answers a cursor-position request: prompt_toolkit draws no bottom
    toolbar until it knows them, and then fills them."""

    def get_rows_below_cursor_position(self) -> int:
        return 16


class Screen:
    """A terminal running on a pipe, whose screen is read with a terminal emulator while
    it waits for the next keys."""

    ROWS = 300  # tall enough that nothing of a conversation scrolls away

    def __init__(self, terminal: Terminal, pipe: PipeInput, columns: int) -> None:
        self.terminal, self.pipe, self.columns = terminal, pipe, columns
        self.written = io.StringIO()
        size = Size(rows=self.ROWS, columns=columns)
        self.output = _SizedOutput(self.written, lambda: size, term="xterm", enable_cpr=False)

    def send(self, *keys: str) -> None:
        self.pipe.send_text("".join(keys))

    def lines(self) -> list[str]:
        screen = pyte.Screen(self.columns, self.ROWS)
        pyte.Stream(screen).feed(self.written.getvalue())
        return [line.rstrip() for line in screen.display]

    def wait_for(self, text: str, count: int = 1) -> list[str]:
        """The screen's lines once `text` is on `count` of them."""
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            lines = self.lines()
            if sum(text in line for line in lines) >= count:
                return lines
            time.sleep(0.05)
        raise AssertionError(f"{text!r} never shown:\n" + "\n".join(self.lines()))


@contextmanager
def at_screen(kb: advisor.KnowledgeBase, columns: int = 80) -> Iterator[Screen]:
    terminal = Terminal(kb.new_session(), steps="all")
    errors: list[BaseException] = []
    with create_pipe_input() as pipe:
        screen = Screen(terminal, pipe, columns)

        def run() -> None:
            try:
                with create_app_session(input=pipe, output=screen.output):
                    terminal.run()
            except BaseException as exc:
                errors.append(exc)

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        try:
            yield screen
        finally:
            pipe.close()
            thread.join(timeout=20)
    assert not thread.is_alive(), "the terminal is still waiting for input"
    assert not errors, errors


def words(lines: list[str]) -> list[str]:
    return " ".join(lines).split()


def holds(seen: list[str], said: list[str]) -> bool:
    """`said` appears in `seen` as a run of whole words (a word broken at the edge of the
    screen would be two)."""
    return any(seen[i : i + len(said)] == said for i in range(len(seen) - len(said) + 1))


def test_a_whole_conversation(kb: advisor.KnowledgeBase) -> None:
    t, code = drive(
        kb, "0x800CCC0F", ENTER, "1", ENTER, "2", ENTER, "98", ENTER, "yes", ENTER, "y", ENTER
    )
    assert code == 0
    out = shown(t)
    assert "Step 2: Configure TCP/IP for MSN" in out
    warning = "  Warning: Windows 98 will prompt you with a warning about changing the TCP/IP"
    assert any(line.startswith(warning) for line in t.shown)
    assert "Glad to hear it. Goodbye." in out
    assert t.session.done


def test_a_menu_choice_with_the_arrow_keys(kb: advisor.KnowledgeBase) -> None:
    t, _ = drive(kb, "0x800CCC0F", ENTER, DOWN, DOWN, ENTER)
    assert t.session.inference.values["mail_service"] == "other"
    assert "does not apply to you" in shown(t)


def test_a_pasted_two_line_error(kb: advisor.KnowledgeBase) -> None:
    t, _ = drive(kb, paste(SECOND_MESSAGE.replace("\n", "\r\n")), ENTER)
    assert t.session.inference.values["error_message"] == "tcpip_terminated"
    assert t.session.answers[0].value.count("\n") == 1


def test_an_invalid_answer_is_explained_in_place_and_never_sent(kb: advisor.KnowledgeBase) -> None:
    t, _ = drive(kb, "0x800CCC0F", ENTER, "pigeon", ENTER, CTRL_U, "msn", ENTER)
    assert t.session.inference.values["mail_service"] == "msn"
    assert "not one of the choices" not in shown(t)  # it never became a turn


def test_the_validator_says_what_the_session_would_say(kb: advisor.KnowledgeBase) -> None:
    session = kb.new_session()
    session.start()
    session.send("0x800CCC0F")
    validator = _SessionValidator(session)
    with pytest.raises(ValidationError) as info:
        validator.validate(Document("pigeon"))
    assert info.value.message.startswith("“pigeon” is not one of the choices")
    with pytest.raises(ValidationError, match="did not get an answer"):
        validator.validate(Document("  "))
    validator.validate(Document("msn"))
    validator.validate(Document("/why"))
    validator.validate(Document("no idea"))  # "I don't know" is an answer


def test_the_menu_narrows_by_label_synonym_or_number(kb: advisor.KnowledgeBase) -> None:
    session = kb.new_session()
    session.start()
    session.send("0x800CCC0F")
    session.send("msn")
    session.send("lan")
    menu = _Choices(session.question)

    def offered(typed: str) -> list[str]:
        return [c.text for c in menu.get_completions(Document(typed), None)]

    assert len(offered("")) == 6
    assert offered("know") == ["I don't know"]
    assert offered("se") == ["Windows 98 Second Edition"]
    assert offered("mill") == ["Windows Millennium Edition (Me)"]
    assert offered("4") == ["Windows Millennium Edition (Me)"]
    assert offered("xp") == ["Another system (Windows NT, 2000, XP or later, or not Windows)"]
    assert [c.text for c in menu.get_completions(Document("/wh"), None)] == ["/why"]


def test_ctrl_c_cancels_and_asks_again(kb: advisor.KnowledgeBase) -> None:
    t, _ = drive(kb, "half an ans", CTRL_C, "0x800CCC0F", ENTER)
    out = shown(t)
    assert "Cancelled. The same question again" in out
    assert [a.value for a in t.session.answers if a.fact == "error_text"] == ["0x800CCC0F"]


def test_ctrl_d_says_goodbye(kb: advisor.KnowledgeBase) -> None:
    t, code = drive(kb, "0x800CCC0F", ENTER, CTRL_D)
    assert code == 0
    assert t.shown[-1] == "Goodbye. I hope your mail works again soon."


def test_why_back_and_change_at_the_prompt(kb: advisor.KnowledgeBase) -> None:
    t, _ = drive(
        kb,
        "0x800CCC0F",
        ENTER,
        "/why",
        ENTER,
        "msn",
        ENTER,
        "/back",
        ENTER,
        "/change error_text",
        ENTER,
        "0x800CCC0F on Windows 95",
        ENTER,
        "msn",
        ENTER,
        "isp",
        ENTER,
    )
    out = shown(t)
    session = kb.new_session()
    session.start()
    session.send("0x800CCC0F")
    assert session.why().text.splitlines()[0] in out  # what the session says, as it says it
    assert "I took back your answer to “Which e-mail service" in out
    values = t.session.inference.values
    assert values["windows"] == "win95" and values["connection"] == "isp"
    assert t.session.question.id == "network_adapter"


def test_the_toolbar_shows_what_is_known(kb: advisor.KnowledgeBase) -> None:
    t, _ = drive(kb, "0x800CCC0F", ENTER, "msn", ENTER, "lan", ENTER)
    bar = " ".join("".join(text for _, text in t._toolbar()).split())
    assert "the error number: 0x800CCC0F" in bar
    assert "how you connect to the Internet: Through a local area network (LAN)" in bar


def test_the_steps_one_at_a_time(kb: advisor.KnowledgeBase) -> None:
    keys = [
        "0x800CCC0F",
        ENTER,
        "msn",
        ENTER,
        "isp",
        ENTER,
        "98",
        ENTER,
        "no",
        ENTER,
        ENTER,
        "s",
        ENTER,
        "w",
        ENTER,
        "what",
        ENTER,
        ENTER,
        "q",
        ENTER,
        "n",
        ENTER,
    ]
    t, _ = drive(kb, *keys, steps="guided")
    out = shown(t)
    assert "Why step 1.3 is part of your steps:" in out
    assert "Enter or done: it is done" in out  # the keys, after "what"
    assert "Step 2: Configure TCP/IP for MSN" not in out  # the walk stopped before it
    assert "Summary for a support agent:" in out
    assert "  1.1    done      Start Outlook Express." in out
    assert "  1.2    skipped   On the Tools menu" in out
    assert "  1.3    done      Click MSN Mail" in out
    assert "  1.4    not done  Click the Servers tab" in out
    assert "  2.3    not done  On the Configuration tab, click TCP/IP (you do not have" in out


def test_steps_shown_all_at_once_are_shown_not_undone(kb: advisor.KnowledgeBase) -> None:
    keys = ["0x800CCC0F", ENTER, "msn", ENTER, "isp", ENTER, "98", ENTER, "no", ENTER, "n", ENTER]
    t, _ = drive(kb, *keys, steps="all")
    out = shown(t)
    assert "Summary for a support agent:" in out
    assert "  1.1    shown     Start Outlook Express." in out
    assert "not done" not in out
    # A long step is cut at a word, never within one.
    [line] = [s for s in out.splitlines() if s.startswith("  2.3 ")]
    cut = line.split("shown", 1)[1].strip()
    [whole] = [s.item.text for s in t.session.steps() if s.number == "2.3"]
    assert cut.endswith("…") and whole.startswith(cut[:-1].rstrip())
    assert whole[len(cut[:-1].rstrip())] == " ", (cut, whole)


def test_the_walk_asks_when_not_told(kb: advisor.KnowledgeBase) -> None:
    t, _ = drive(
        kb,
        "0x800CCC0F",
        ENTER,
        "msn",
        ENTER,
        "isp",
        ENTER,
        "xp",
        ENTER,
        "n",
        ENTER,
        "y",
        ENTER,
        steps=None,
    )
    out = shown(t)
    assert "Step 2 of this article, Configure TCP/IP for MSN, is written for" in out


def test_no_color_and_dumb_terminals_get_no_colour(
    kb: advisor.KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    assert not Terminal(kb.new_session()).colour
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("TERM", "dumb")
    assert not Terminal(kb.new_session()).colour
    monkeypatch.setenv("TERM", "xterm-256color")
    assert Terminal(kb.new_session()).colour


def test_a_terminal_conversation_records_a_transcript_that_replays(
    kb: advisor.KnowledgeBase, tmp_path: Path
) -> None:
    path = tmp_path / "t.chat"
    with path.open("w") as stream:
        drive(
            kb,
            "0x800CCC0F",
            ENTER,
            "/why",
            ENTER,
            "msn",
            ENTER,
            "lan",
            ENTER,
            "me",
            ENTER,
            "yes",
            ENTER,
            "y",
            ENTER,
            record=Recorder(stream, "at a terminal"),
        )
    assert "> /why" in path.read_text()
    assert cli.main(["replay", str(path)]) == 0


# -- commands and Ctrl-C after the advice --------------------------------------------------

ADVISED = ["0x800CCC0F", ENTER, "msn", ENTER, "isp", ENTER, "98", ENTER, "no", ENTER]


def advised(kb: advisor.KnowledgeBase) -> advisor.Session:
    """A session at the same point as a terminal after ADVISED, to say what it would say."""
    session = kb.new_session()
    session.start()
    for answer in ADVISED[::2]:
        session.send(answer)
    return session


def test_commands_at_the_solved_question_answer_and_ask_again(kb: advisor.KnowledgeBase) -> None:
    keys = [*ADVISED, "/facts", ENTER, "/how 2.3", ENTER, "/help", ENTER, "y", ENTER]
    t, _ = drive(kb, *keys, steps="all")
    out = shown(t)
    session = advised(kb)
    assert session.facts().text.splitlines()[0] in out
    assert session.how("2.3").text in out
    assert wording.HELP in out
    assert t.shown[-1] == wording.GLAD


def test_back_at_the_solved_question_asks_again_and_the_same_advice_goes_on(
    kb: advisor.KnowledgeBase,
) -> None:
    keys = [*ADVISED, "/back", ENTER, "no", ENTER, "n", ENTER]
    t, _ = drive(kb, *keys, steps="all")
    out = shown(t)
    assert "I took back your answer to" in out
    assert wording.STEPS_UNCHANGED in out
    assert out.count("Step 2: Configure TCP/IP for MSN") == 1  # the steps are not repeated
    assert "Summary for a support agent:" in out
    assert "  1.1    shown     Start Outlook Express." in out


def test_commands_during_the_walk(kb: advisor.KnowledgeBase) -> None:
    keys = [
        *ADVISED,
        ENTER,  # 1.1 done
        "/facts",
        ENTER,
        "/how 2.3",
        ENTER,
        ENTER,  # 1.2 done: the commands did not take the step's place
        "/change windows 98",  # the same answer: the same steps, so at the same step
        ENTER,
        "s",  # 1.3 skipped
        ENTER,
        "/change windows",  # asks the question again
        ENTER,
        "98",
        ENTER,
        ENTER,  # 1.4 done
        "q",
        ENTER,
        "n",
        ENTER,
    ]
    t, _ = drive(kb, *keys, steps="guided")
    out = shown(t)
    session = advised(kb)
    assert session.facts().text.splitlines()[0] in out
    assert session.how("2.3").text in out
    assert out.count(wording.STEPS_UNCHANGED) == 2
    assert "Let us change that: Which version of Windows" in out
    assert out.count(guide.KEYS) == 1  # at the start only: no command was a wrong key
    for line in (
        "  1.1    done      Start Outlook Express.",
        "  1.2    done      On the Tools menu",
        "  1.3    skipped   Click MSN Mail",
        "  1.4    done      Click the Servers tab",
        "  1.5    not done",
    ):
        assert line in out


def test_a_change_during_the_walk_that_changes_the_steps_starts_them_again(
    kb: advisor.KnowledgeBase,
) -> None:
    keys = [*ADVISED, ENTER, ENTER, "/change windows xp", ENTER, ENTER, "q", ENTER, "n", ENTER]
    t, _ = drive(kb, *keys, steps="guided")
    out = shown(t)
    assert t.session.inference.values["windows"] == "other"
    # The new advice is shown, then its steps from the first.
    assert sum(line.startswith("To resolve this behavior") for line in t.shown) == 2
    assert wording.STEPS_UNCHANGED not in out
    assert sum(line.startswith("  1. Start Outlook Express.") for line in t.shown) == 2
    assert "  1.1    done      Start Outlook Express." in out
    assert "  1.2    not done" in out  # done in the old steps; not yet in the new ones


def test_restart_during_the_walk_walks_the_new_steps_from_the_first(
    kb: advisor.KnowledgeBase,
) -> None:
    keys = [*ADVISED, ENTER, ENTER, "/restart", ENTER, *ADVISED, "q", ENTER, "n", ENTER]
    t, _ = drive(kb, *keys, steps="guided")
    assert wording.STEPS_UNCHANGED not in shown(t)
    assert "  1.1    not done  Start Outlook Express." in shown(t)


def test_quit_during_the_walk_ends_the_conversation(kb: advisor.KnowledgeBase) -> None:
    t, code = drive(kb, *ADVISED, ENTER, "/quit", ENTER, "y", ENTER, steps="guided")
    assert code == 0
    assert t.session.ended
    assert t.shown[-1] == wording.GOODBYE  # nothing more was asked: the "y" is never read


def test_ctrl_c_after_the_advice_asks_again(kb: advisor.KnowledgeBase) -> None:
    keys = [
        *ADVISED,
        "ye",
        CTRL_C,  # at "Shall I walk you through the steps"
        "y",
        ENTER,
        "sk",
        CTRL_C,  # at a step
        ENTER,  # 1.1 done
        "q",
        ENTER,
        "n",
        CTRL_C,  # at "Is the problem solved?"
        "y",
        ENTER,
    ]
    t, _ = drive(kb, *keys, steps=None)
    out = shown(t)
    assert out.count(wording.CANCELLED) == 3
    assert "Enter or done: it is done" in out  # walked, not shown all at once
    assert "Summary for a support agent:" not in out
    assert t.shown[-1] == wording.GLAD


# -- the screen ----------------------------------------------------------------------------


def test_at_80_columns_the_message_in_place_keeps_every_choice(kb: advisor.KnowledgeBase) -> None:
    with at_screen(kb, columns=80) as screen:
        screen.send("0x800CCC0F", ENTER, "msn", ENTER, "lan", ENTER)
        screen.wait_for("Which version of Windows")
        screen.send("pigeon", ENTER)
        lines = screen.wait_for("is not one of the choices")
        problem = screen.terminal.session.check("pigeon")
        assert problem is not None and problem.endswith("or I don't know.")
        assert holds(words(lines), problem.split())  # every word of it, none broken
        assert all(len(line) <= 80 for line in lines)


def test_at_80_columns_lines_break_between_words(kb: advisor.KnowledgeBase) -> None:
    with at_screen(kb, columns=80) as screen:
        screen.send("0x800CCC0F", ENTER, "msn", ENTER, "lan", ENTER)
        lines = screen.wait_for("Which version of Windows")
        long = [line for line in screen.terminal.shown if len(line) > 80]
        assert long  # the diagnosis and the cause
        seen = words(lines)
        for line in long:
            assert holds(seen, line.split()), line


def test_at_80_columns_the_toolbar_is_whole(kb: advisor.KnowledgeBase) -> None:
    with at_screen(kb, columns=80) as screen:
        screen.send("0x800CCC0F", ENTER, "msn", ENTER, "lan", ENTER)
        lines = screen.wait_for("(/help)")
        known = screen.terminal.session.known_in_words()
        assert len(" · ".join(known)) > 80
        assert holds(words(lines), f"Known: {' · '.join(known)} (/help)".split())


def test_a_choice_question_lists_its_choices_once(kb: advisor.KnowledgeBase) -> None:
    with at_screen(kb, columns=100) as screen:
        screen.send("0x800CCC0F", ENTER)
        screen.wait_for("Which e-mail service")
        screen.wait_for("(/help)")  # the prompt is drawn
        time.sleep(0.5)  # and a menu opening with it would be, its completions found
        lines = screen.lines()
        assert sum("MSN (an address that ends in @msn.com)" in line for line in lines) == 1
