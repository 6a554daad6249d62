"""The prompt_toolkit terminal, driven through a pipe input into a dummy output."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from conftest import SECOND_MESSAGE
from prompt_toolkit.application import create_app_session
from prompt_toolkit.document import Document
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from prompt_toolkit.validation import ValidationError

import advisor
from advisor import cli
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
    assert "Why I ask “Which e-mail service is the account you send from?”:" in out
    assert "I took back your answer to “Which e-mail service" in out
    values = t.session.inference.values
    assert values["windows"] == "win95" and values["connection"] == "isp"
    assert t.session.question.id == "network_adapter"


def test_the_toolbar_shows_what_is_known(kb: advisor.KnowledgeBase) -> None:
    t, _ = drive(kb, "0x800CCC0F", ENTER, "msn", ENTER, "lan", ENTER)
    bar = "".join(text for _, text in t._toolbar())
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
