"""The conversation around what people type: help instead of dead ends, "Did you mean",
"I don't know", facts said in passing, and a triage that never presumes MSN. The inputs
quoted are those of the issue that asked for this, each with where it must end."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from conftest import OFFERED_MESSAGES

from advisor import KnowledgeBase, Reply, Session

Converse = Callable[..., tuple[Session, list[Reply]]]
MSN_STEPS = ("smtp.email.msn.com", "Disable DNS", "Configure TCP/IP for MSN")


def text(replies: list[Reply]) -> str:
    return "\n".join(m.text for r in replies for m in r.messages)


# -- a first turn that never dead-ends -------------------------------------------------------


@pytest.mark.parametrize(
    "first",
    [
        "my email wont send, says server terminated connection",
        "I cant send email in outlook express",
        "hi",
        "help",
        "my email is broken",
    ],
)
def test_a_vague_first_message_gets_help_not_an_ending(converse: Converse, first: str) -> None:
    session, replies = converse(first)
    assert not session.done
    assert not replies[-1].of_type("no_match")
    assert replies[-1].question is not None
    # and the error typed next is taken
    session.send("0x800CCC0F")
    assert session.inference.values["symptom"] == "connection_terminated"


def test_help_says_where_the_number_is_and_offers_the_known_messages(converse: Converse) -> None:
    _, replies = converse("I cant send email in outlook express")
    reply = replies[-1]
    hints = " ".join(m.text for m in reply.of_type("hint"))
    assert "Error Number:" in hints and "Details" in hints
    assert reply.question.kind == "text"
    labels = [c.label for c in reply.question.choices]
    assert labels[0].startswith("Your server has unexpectedly terminated the connection")
    assert labels[1].startswith("The TCP/IP connection was unexpectedly terminated")
    assert labels[2].startswith("The host '…' could not be found")
    assert labels[-1] == "I have no error message or number"


def test_a_greeting_gets_a_greeting(converse: Converse) -> None:
    _, replies = converse("hi")
    assert [m.type for m in replies[-1].messages] == ["greeting"]
    assert replies[-1].messages[0].text == "Hello."
    assert replies[-1].question.id == "error_text"


def test_an_offered_message_is_picked_by_number(converse: Converse) -> None:
    session, _ = converse("I cant send email in outlook express", "2")
    assert session.inference.values["error_message"] == "tcpip_terminated"
    assert session.question.id == "mail_service"
    # The error, for an agent, is the message picked.
    assert session.handoff()["error"].startswith("The TCP/IP connection")


def test_no_match_only_when_what_they_have_fits_nothing(converse: Converse) -> None:
    session, replies = converse("my email is broken", "there is nothing more to say")
    assert session.done
    [no_match] = replies[-1].of_type("no_match")
    assert "What you can do" in no_match.text
    assert session.handoff()["unclear"] == ["my email is broken", "there is nothing more to say"]
    # Telling more after the help is not the end: the person is trying.
    trying, _ = converse("my email is broken", "it is a windows 98 computer")
    assert not trying.done and trying.inference.values["windows"] == "win98"


@pytest.mark.parametrize("number", ["0x800CCC0E", "Error 0x800CCC90", "0x80042108"])
def test_another_error_number_ends_at_once_saying_which(converse: Converse, number: str) -> None:
    session, replies = converse(number)
    assert session.done
    [no_match] = replies[-1].of_type("no_match")
    assert "No article in my knowledge base is about error 0x8" in no_match.text


def test_i_have_no_error_number_after_the_help_ends_honestly(converse: Converse) -> None:
    session, replies = converse("my outlook is broken", "I have no error message or number")
    assert session.done
    assert replies[-1].of_type("no_match")[0].text.startswith("Without the error message")


# -- typos, and asking when unsure -------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "your server has unexpectadly terminated the conection",
        "0x800CCCOF",
        "800ccc0f",
        "0x800 ccc 0f",
        "Your sever has unexpectidly termanated the conection",
    ],
)
def test_typos_in_the_error_are_read(converse: Converse, typed: str) -> None:
    session, _ = converse(typed)
    assert session.inference.values["symptom"] == "connection_terminated"
    assert session.question.id == "mail_service"


def test_a_partial_message_is_asked_about_then_taken(converse: Converse) -> None:
    session, replies = converse("my email wont send, says server terminated connection")
    question = replies[-1].question
    assert question.kind == "yesno"
    assert question.text.startswith("Did you mean: “Your server has unexpectedly terminated")
    reply = session.send("yes")
    [understood] = reply.of_type("understood")
    # Not echoed back as the whole message: the words it was read from are shown.
    assert "(from “server terminated connection”)" in understood.text
    assert "(you confirmed it)" in understood.text
    assert session.inference.known["error_message"].source == "confirmed"
    assert reply.question.id == "mail_service"


def test_no_to_did_you_mean_offers_the_messages_it_knows(converse: Converse) -> None:
    session, replies = converse("connection terminated", "no")
    assert replies[-1].messages[0].text == "All right, not that one."
    assert [c.id for c in replies[-1].question.choices] == OFFERED_MESSAGES
    assert "error_message" not in session.inference.values


def test_another_message_instead_of_yes_or_no_is_the_answer(converse: Converse) -> None:
    session, _ = converse(
        "connection terminated",
        "no, mine says The TCP/IP connection was unexpectedly terminated by your mail server",
    )
    assert session.inference.values["error_message"] == "tcpip_terminated"


# -- every question understands -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "fact", "value"),
    [
        (("0x800CCC0F", "msn", "through work network"), "connection", "lan"),
        (("0x800CCC0F", "msn", "aol"), "connection", "isp"),
        (("0x800CCC0F", "msn", "DSL"), "connection", "isp"),
        (("0x800CCC0F", "msn", "lan", "Windows98"), "windows", "win98"),
        (("0x800CCC0F", "msn", "lan", "Win 95B"), "windows", "win95"),
        (("0x800CCC0F", "i dont use msn"), "mail_service", "other"),
        (("0x800CCC0F", "aol"), "mail_service", "other"),
    ],
)
def test_natural_answers(
    converse: Converse, answers: tuple[str, ...], fact: str, value: str
) -> None:
    session, _ = converse(*answers)
    assert session.inference.values[fact] == value


@pytest.mark.parametrize("dont_know", ["dunno", "I don't know", "not sure", "no idea", "idk"])
@pytest.mark.parametrize(
    ("answers", "fact"),
    [
        (("0x800CCC0F",), "mail_service"),
        (("0x800CCC0F", "msn"), "connection"),
        (("0x800CCC0F", "msn", "lan"), "windows"),
        (("0x800CCC0F", "msn", "lan", "98"), "network_adapter"),
        (("0x800CCC0F", "hotmail"), "antivirus_scan"),
    ],
)
def test_i_dont_know_at_every_question(
    converse: Converse, answers: tuple[str, ...], fact: str, dont_know: str
) -> None:
    session, replies = converse(*answers, dont_know)
    assert replies[-1].of_type("hint"), "first: how to find out"
    assert replies[-1].question.id == fact
    session.send(dont_know)
    assert session.inference.values[fact] == "unknown"  # then it is the answer
    assert session.question is None or session.question.id != fact


def test_windows_unknown_gets_the_untailored_steps(converse: Converse) -> None:
    session, replies = converse("0x800CCC0F", "msn", "lan", "dunno", "dunno", "no")
    assert session.done
    said = text(replies)
    assert "Start, point to Settings, click Control Panel, and double-click System" in said
    assert "winver" in said
    assert "If you use Windows 98, you will be prompted with a warning" in said
    assert "These steps are for Windows 95, Windows 98" in said


# -- facts said in passing ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "known"),
    [
        ("0x800CCC0F, XP home, cable modem", {"windows": "other", "connection": "isp"}),
        ("0x800CCC0F on my ME machine, on cable", {"windows": "winme", "connection": "isp"}),
        ("0x800CCC0F millenium edition, ISP", {"windows": "winme", "connection": "isp"}),
        ("0x800CCC0F on a mac", {"windows": "other"}),
        ("0x800CCC0F and i use hotmail", {"mail_service": "other"}),
    ],
)
def test_what_the_first_message_says_is_never_asked(
    converse: Converse, first: str, known: dict[str, str]
) -> None:
    session, _replies = converse(first)
    for fact, value in known.items():
        assert session.inference.values[fact] == value
        assert session.inference.known[fact].source == "extracted"
    asked = []
    answers = {"mail_service": "msn", "connection": "lan", "antivirus_scan": "no"}
    answers["which_messages"] = "all"
    answers |= {"firewall": "no", "other_company_server": "no", "network_adapter": "no"}
    while session.question is not None:
        asked.append(session.question.id)
        session.send(answers[session.question.id])
    assert not set(known) & set(asked)


def test_a_typed_synonym_is_read_not_chosen(converse: Converse) -> None:
    session, _replies = converse("0x800CCC0F", "msn", "cable modem")
    known = session.inference.known["connection"]
    assert known.source == "extracted" and known.derivation.said == "cable modem"
    facts = session.facts().text
    assert "read from what you wrote: “cable modem”" in facts
    assert "you chose it" not in facts.split("how you connect")[1].split("\n")[0]


def test_receiving_in_prose_is_not_the_sending_article(converse: Converse) -> None:
    session, replies = converse("0x800CCC0F when receiving mail, POP3")
    assert session.inference.values["mail_direction"] == "receiving"
    assert session.inference.outcomes["Q194068"].status == "not_applicable"
    assert not any(step in text(replies) for step in MSN_STEPS)


def test_port_587_in_prose_is_never_told_to_type_587(converse: Converse) -> None:
    session, replies = converse(
        "0x800CCC0F, I send through smtp.myisp.com on port 587", "no", "all", "no"
    )
    assert session.inference.values["port"] == "587"
    assert session.inference.values["server"] == "smtp.myisp.com"
    assert session.inference.outcomes["ADV-PORT-25"].status == "not_applicable"
    assert "type 587" not in text(replies)


def test_a_later_message_that_says_otherwise_is_not_taken_silently(converse: Converse) -> None:
    session, replies = converse(
        "0x800CCC0F on a Windows 98 box", "msn", "dsl", "by the way it's windows ME not 98"
    )
    [note] = [m for m in replies[-1].of_type("info") if "earlier I had" in m.text]
    assert "type /change windows" in note.text
    assert session.inference.values["windows"] == "win98"


def test_a_correction_replaces_the_earlier_answer(converse: Converse) -> None:
    session, replies = converse(
        "0x800CCC0F", "msn", "oh wait sorry, it's actually my hotmail account I send from"
    )
    assert session.inference.values["mail_service"] == "other"
    types = [m.type for m in replies[-1].messages]
    assert "invalid" not in types  # not "not one of the choices": it was a correction
    assert any("as you corrected it" in m.text for m in replies[-1].messages)
    assert session.inference.outcomes["Q194068"].status == "not_applicable"
    assert replies[-1].question.id != "connection"


def test_a_no_that_starts_a_correction_does_not_answer_the_question(converse: Converse) -> None:
    session, replies = converse("0x800CCC0F", "msn", "dsl", "98", "no wait, it's ME")
    assert session.inference.values["windows"] == "winme"
    assert "network_adapter" not in session.inference.values
    assert replies[-1].question.id == "network_adapter"


def test_facts_told_at_did_you_mean_are_taken_and_it_is_asked_again(
    converse: Converse,
) -> None:
    session, replies = converse("something about the server terminating the connection")
    did_you_mean = replies[-1].question.text
    assert did_you_mean.startswith("Did you mean")
    reply = session.send("no antivirus, and it's my hotmail")
    assert reply.question.text == did_you_mean
    assert session.inference.values["antivirus_scan"] == "no"
    assert session.inference.values["mail_service"] == "other"
    assert "error_message" not in session.inference.values
    assert session.send("yes").question.id == "which_messages"


def test_a_pasted_server_response_no_article_knows_ends_at_once(converse: Converse) -> None:
    session, replies = converse(
        "The message could not be sent. Server Response: 550 relaying denied"
    )
    assert session.done
    assert session.inference.values["server_response"] == "550 relaying denied"
    assert replies[-1].messages[-1].type == "no_match"


def test_back_takes_back_everything_one_message_said(converse: Converse) -> None:
    session, _ = converse("0x800CCC0F", "msn", "cable, and it's Windows 98")
    session.back()
    assert "connection" not in session.inference.values
    assert "windows" not in session.inference.values


# -- a triage that establishes before it advises ---------------------------------------------


def test_an_isp_mentioned_in_passing_is_not_a_connection(converse: Converse) -> None:
    first = "0x800CCC0F - I called my ISP and they say the problem is on my computer. Windows XP"
    session, _replies = converse(first)
    assert "connection" not in session.inference.values
    assert session.question.id == "mail_service"  # established, not presumed
    assert "Q194068" not in session.inference.outcomes


def test_no_msn_question_or_step_for_someone_not_on_msn(converse: Converse) -> None:
    session, replies = converse(
        "0x800CCC0F", "hotmail", "no", "all", "no", "yes", "/change mail_service gmail"
    )
    said = text(replies)
    assert not any(step in said for step in MSN_STEPS)
    asked = [r.question.id for r in replies if r.question is not None]
    assert "connection" not in asked
    assert session.inference.outcomes["ADV-PORT-25"].status == "applies"


def test_msn_dial_up_gets_the_other_causes_after_does_not_apply(converse: Converse) -> None:
    session, replies = converse("0x800CCC0F", "msn", "MSN dial-up", "yes", "norton")
    assert session.inference.outcomes["Q194068"].status == "not_applicable"
    assert session.inference.outcomes["ADV-ANTIVIRUS"].status == "applies"
    assert "Open Norton AntiVirus" in text(replies)


# -- state --------------------------------------------------------------------------------------


def test_a_state_mid_help_and_mid_confirmation_goes_on_exactly(
    kb: KnowledgeBase, converse: Converse
) -> None:
    for answers in (
        ("I cant send email",),  # helped: the offers are the choices
        ("my outlook wont send, says server terminated connection",),  # pending "Did you mean"
        ("0x800CCC0F", "dunno"),  # how to find out was given
    ):
        session, _ = converse(*answers)
        state = json.loads(json.dumps(session.to_state()))
        restored = kb.restore(state)
        assert restored.question == session.question
        assert restored.to_state() == state
        for then in ("yes", "dunno", "1"):
            a, b = session.copy().send(then), kb.restore(state).send(then)
            assert a.to_dict() == b.to_dict()
