"""The session API: answers in every form, bad input, replies, save and restore."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from conftest import FIRST_MESSAGE

from advisor import KnowledgeBase, Reply, Session, StateError
from advisor.language.text import MAX_INPUT_BYTES

Converse = Callable[..., tuple[Session, list[Reply]]]


def test_start_greets_and_asks_for_the_error(kb: KnowledgeBase) -> None:
    reply = kb.new_session().start()
    assert [m.type for m in reply.messages] == ["greeting"]
    assert reply.question is not None and reply.question.id == "error_text"
    assert reply.question.kind == "text"
    assert not reply.done


def test_reply_to_dict_has_the_documented_shape(converse: Converse) -> None:
    _, replies = converse("0x800CCC0F")
    data = replies[-1].to_dict()
    assert set(data) == {"messages", "question", "done"}
    assert data["done"] is False
    assert data["question"] == {
        "id": "mail_service",
        "text": "Which e-mail service is the account you send from?",
        "kind": "choice",
        "choices": [
            {"id": "msn", "label": "MSN (an address that ends in @msn.com)"},
            {
                "id": "other",
                "label": "Another service (your Internet provider, your work, Hotmail, Gmail "
                "or others)",
            },
            {"id": "unknown", "label": "I don't know"},
        ],
    }
    assert all({"type", "text"} <= set(m) for m in data["messages"])
    json.dumps(data)  # plain JSON all the way down


def test_a_yes_no_question_offers_yes_and_no(converse: Converse) -> None:
    _, replies = converse("0x800CCC0F", "msn", "lan", "win95")
    question = replies[-1].to_dict()["question"]
    assert question["kind"] == "yesno"
    assert [c["id"] for c in question["choices"]] == ["yes", "no", "unknown"]


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("lan", "lan"),
        ("LAN", "lan"),
        ("2", "lan"),
        (" 3 ", "isp"),
        ("1", "msn_dialup"),
        ("Through a local area network (LAN), for example at an office", "lan"),
        ("through a local area network lan", "lan"),
        ("msn_dialup", "msn_dialup"),
        ("MSN dial-up", "msn_dialup"),
        ("third-party ISP", "isp"),
        ("DSL", "isp"),
        ("cable modem", "isp"),
        ("aol", "isp"),
        ("we use the office network", "lan"),
        ("through work network", "lan"),
        ("office", "lan"),
    ],
)
def test_a_choice_by_id_label_synonym_or_number(
    converse: Converse, answer: str, expected: str
) -> None:
    session, _ = converse("0x800CCC0F", "msn", answer)
    assert session.inference.values["connection"] == expected


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("msn", "msn"),
        ("my msn.com address", "msn"),
        ("hotmail", "other"),
        ("gmail", "other"),
        ("aol", "other"),
        ("outlook.com", "other"),
        ("i dont use msn", "other"),
        ("I do not send mail through MSN", "other"),
        ("not msn", "other"),
    ],
)
def test_the_mail_service_in_ordinary_words_and_negations(
    converse: Converse, answer: str, expected: str
) -> None:
    session, _ = converse("0x800CCC0F", answer)
    assert session.inference.values["mail_service"] == expected


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("98", "win98"),
        ("Windows98", "win98"),
        ("Windows 98 SE", "win98se"),
        ("98se", "win98se"),
        ("second ed", "win98se"),
        ("me", "winme"),
        ("millenium", "winme"),
        ("Windows Millennium Edition (Me)", "winme"),
        ("XP", "other"),
        ("XP home", "other"),
        ("mac", "other"),
        ("5", "other"),
        ("I think it is Windows 98 Second Edition", "win98se"),
        ("windows 95", "win95"),
        ("Win 95B", "win95"),
        ("OSR2", "win95"),
        ("not xp, its 98", "win98"),
    ],
)
def test_windows_versions(converse: Converse, answer: str, expected: str) -> None:
    session, _ = converse("0x800CCC0F", "msn", "lan", answer)
    assert session.inference.values["windows"] == expected


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("yes", "yes"),
        ("Y", "yes"),
        ("yes I do", "yes"),
        ("no", "no"),
        ("nope", "no"),
        ("no adapter", "no"),
        ("nope just a modem", "no"),
        ("there is no network card", "no"),
    ],
)
def test_yes_no_answers(converse: Converse, answer: str, expected: str) -> None:
    session, _ = converse("0x800CCC0F", "msn", "lan", "win98", answer)
    assert session.inference.values["network_adapter"] == expected


@pytest.mark.parametrize("dont_know", ["not sure", "I have no idea", "dunno", "idk", "3", "?"])
def test_i_dont_know_gets_how_to_find_out_then_is_the_answer(
    converse: Converse, dont_know: str
) -> None:
    session, replies = converse("0x800CCC0F", "msn", "lan", "win98", dont_know)
    [hint] = replies[-1].of_type("hint")
    assert "Control Panel" in hint.text and "Network" in hint.text
    assert replies[-1].question.id == "network_adapter"
    assert "network_adapter" not in session.inference.values
    final = session.send(dont_know)
    assert session.inference.values["network_adapter"] == "unknown"
    assert final.done and any("either TCP/IP" in m.text for m in final.of_type("step"))


def test_an_inexact_answer_is_said_back_as_read(converse: Converse) -> None:
    session, replies = converse("0x800CCC0F", "msn", "we use the office network")
    [taken] = replies[-1].of_type("understood")
    assert taken.text == (
        "From what you wrote, I understand:\n- how you connect to the Internet: Through a "
        "local area network (LAN), for example at an office (from “office network”)"
    )
    # Read, not chosen: the person did not pick a choice.
    assert session.inference.known["connection"].source == "extracted"
    assert session.inference.known["mail_service"].source == "chosen"


def test_an_unknown_choice_lists_the_choices_and_asks_again(converse: Converse) -> None:
    session, replies = converse("0x800CCC0F", "msn", "carrier pigeon")
    reply = replies[-1]
    [invalid] = reply.messages
    assert invalid.type == "invalid"
    assert "“carrier pigeon” is not one of the choices" in invalid.text
    for label in ("Through a local area network (LAN)", "Through MSN's own dial-up access"):
        assert label in invalid.text
    assert reply.question is not None and reply.question.id == "connection"
    assert "connection" not in session.inference.values


@pytest.mark.parametrize("number", ["0", "5", "99"])
def test_a_number_out_of_range_is_not_a_choice(converse: Converse, number: str) -> None:
    _, replies = converse("0x800CCC0F", "msn", number)
    assert replies[-1].messages[0].type == "invalid"
    assert replies[-1].question.id == "connection"


def test_an_ambiguous_answer_names_the_candidates(converse: Converse) -> None:
    _, replies = converse("0x800CCC0F", "msn", "lan", "98 or 95")
    [invalid] = replies[-1].messages
    assert invalid.type == "invalid"
    assert "could mean Windows 95 or Windows 98" in invalid.text


@pytest.mark.parametrize("empty", ["", "   ", "\t\n", "\x1b[2J", "\x00\x07"])
def test_an_empty_answer_asks_again(converse: Converse, empty: str) -> None:
    session, replies = converse(empty)
    assert [m.type for m in replies[-1].messages] == ["invalid"]
    assert replies[-1].question.id == "error_text"
    assert session.answers == ()


def test_a_huge_paste_is_refused_clearly(converse: Converse) -> None:
    session, replies = converse("0x800CCC0F " * 100_000)
    [refused] = replies[-1].messages
    assert refused.type == "invalid"
    assert "too long" in refused.text and f"{MAX_INPUT_BYTES:,}" in refused.text
    assert replies[-1].question.id == "error_text"
    assert session.answers == ()
    # ... and the conversation goes on.
    assert session.send("0x800CCC0F").question.id == "mail_service"


def test_just_under_the_limit_is_read(converse: Converse) -> None:
    text = "x" * (MAX_INPUT_BYTES - 20) + " 0x800CCC0F"
    session, _ = converse(text)
    assert session.inference.values["error_number"] == "0x800CCC0F"


def test_control_characters_and_escapes_are_stripped_before_echo(converse: Converse) -> None:
    _, replies = converse(
        "0x800CCC0F", "msn", "\x1b[31mcarrier\x07 \x1b]0;title\x07pigeon\u202e\x00"
    )
    [invalid] = replies[-1].messages
    assert "“carrier pigeon”" in invalid.text
    assert not any(ord(ch) < 32 and ch != "\n" for ch in invalid.text)
    assert "\x1b" not in invalid.text and "\u202e" not in invalid.text


def test_escapes_do_not_hide_an_answer(converse: Converse) -> None:
    session, _ = converse("\x1b[1m0x800CCC0F\x1b[0m", "\x1b[32mmsn\x1b[0m")
    assert session.inference.values["mail_service"] == "msn"


@pytest.mark.parametrize(
    "odd",
    [
        "😀",
        "日本語のエラー",
        "\udcff",
        "\ufeff",
        "a" * 5000,
        "'; DROP TABLE x; --",
        "{server}",
        "<script>alert(1)</script>",
        "%s%n",
        "¹",  # a digit to str.isdigit, but no number: found by the fuzzer
        "²³",
    ],
)
def test_odd_input_never_raises(converse: Converse, odd: str) -> None:
    session, _ = converse("0x800CCC0F")
    reply = session.send(odd)
    assert reply.question is not None and reply.question.id == "mail_service"
    # A text question that cannot read it helps, or asks again when nothing is left of it.
    other, replies = converse(odd)
    assert not other.done
    assert {m.type for m in replies[-1].messages} <= {"invalid", "hint"}
    assert replies[-1].question.id == "error_text"


def test_non_text_input_never_raises(kb: KnowledgeBase) -> None:
    session = kb.new_session()
    session.start()
    for odd in (None, 42, b"0x800CCC0F"):
        reply = session.send(odd)  # type: ignore[arg-type]
        assert reply.question is not None or reply.done


def test_send_before_start_starts(kb: KnowledgeBase) -> None:
    reply = kb.new_session().send("0x800CCC0F")
    assert reply.messages[0].type == "greeting"
    assert reply.question.id == "mail_service"


def test_input_after_the_end_is_acknowledged_not_used(converse: Converse) -> None:
    session, _ = converse("0x800CCC0F", "msn", "lan", "xp")
    assert session.done
    reply = session.send("and my printer is slow too")
    assert [m.type for m in reply.messages] == ["ended"]
    assert "“and my printer is slow too”" in reply.messages[0].text
    assert reply.done and reply.question is None
    # Thanks are not refused: they get a goodbye.
    thanks = session.send("thanks!")
    assert [m.type for m in thanks.messages] == ["goodbye"]


def test_a_correction_after_the_end_that_changes_nothing_is_noted(converse: Converse) -> None:
    session, _ = converse("0x800CCC0F", "msn", "lan", "xp")
    reply = session.send("isp")
    assert [m.type for m in reply.messages] == ["info", "info"]
    assert "to Through another Internet provider" in reply.messages[0].text
    assert "does not change the advice" in reply.messages[1].text
    assert reply.done
    assert session.inference.values["connection"] == "isp"


def test_a_correction_after_the_end_gives_the_advice_again(converse: Converse) -> None:
    session, replies = converse("0x800CCC0F", "msn", "lan", "98", "yes")
    assert any("Windows 98 will prompt" in m.text for m in replies[-1].messages)
    reply = session.send("oh wait, sorry, it's actually Windows Me")
    types = [m.type for m in reply.messages]
    assert types[0] == "info" and "to Windows Millennium Edition" in reply.messages[0].text
    assert "step" in types
    assert not any("Windows 98 will prompt" in m.text for m in reply.messages)
    assert reply.done and session.inference.values["windows"] == "winme"


def test_what_completes_the_answers_after_the_end_can_change_the_advice(
    converse: Converse,
) -> None:
    session, replies = converse("0x800CCC0F", "hotmail", "no", "all", "no", "no")
    assert session.done and replies[-1].messages[-1].type == "no_match"
    reply = session.send("sorry, only the big ones with photos fail")
    assert [m.type for m in reply.messages][:2] == ["info", "diagnosis"]
    assert reply.messages[1].extra["article"] == "ADV-LARGE-MESSAGES"
    assert reply.done


def test_start_again_repeats_the_question_without_greeting(converse: Converse) -> None:
    session, _ = converse("0x800CCC0F")
    reply = session.start()
    assert reply.messages == ()
    assert reply.question.id == "mail_service"


def test_save_and_restore_mid_conversation(kb: KnowledgeBase, converse: Converse) -> None:
    original, _ = converse(FIRST_MESSAGE, "isp")
    state = json.loads(json.dumps(original.to_state()))
    restored = kb.restore(state)
    assert restored.question == original.question
    assert restored.inference.values == original.inference.values
    for answer in ("win98se", "no"):
        a, b = original.send(answer), restored.send(answer)
        assert a.to_dict() == b.to_dict()
    assert restored.done and original.done


def test_a_saved_state_is_small(converse: Converse) -> None:
    # The pasted message, and each fact read from it with the words it was read from.
    session, _ = converse(FIRST_MESSAGE, "isp", "win98se")
    assert len(json.dumps(session.to_state())) < 2048


def test_restore_before_start(kb: KnowledgeBase) -> None:
    restored = kb.restore(kb.new_session().to_state())
    assert restored.start().messages[0].type == "greeting"


@pytest.mark.parametrize(
    ("state", "field"),
    [
        ([], None),
        ({"format": 99, "answers": []}, "format"),
        ({"format": 1}, "answers"),
        ({"format": 1, "answers": ["x"]}, "answers[0]"),
        ({"format": 1, "answers": [{"fact": "nope", "value": "x"}]}, "answers[0]"),
        (
            {"format": 1, "answers": [{"fact": "symptom", "value": "connection_terminated"}]},
            "answers[0]",
        ),
        ({"format": 1, "answers": [{"fact": "connection", "value": "pigeon"}]}, "answers[0]"),
        ({"format": 1, "answers": [{"fact": "connection", "value": 3}]}, "answers[0]"),
        ({"format": 1, "answers": [{"fact": "connection", "value": "lan"}] * 2}, "answers"),
        (
            {
                "format": 2,
                "answers": [
                    {"fact": "symptom", "value": "connection_terminated", "source": "chosen"}
                ],
            },
            "answers[0]",
        ),
        (
            {"format": 2, "answers": [{"fact": "windows", "value": "win98", "source": "typed"}]},
            "answers[0]",
        ),
        ({"format": 2, "answers": [], "helped": ["symptom"]}, "helped"),
        ({"format": 2, "answers": [], "pending": {"question": "windows"}}, "pending"),
    ],
)
def test_a_bad_state_is_refused_with_the_field(
    kb: KnowledgeBase, state: object, field: str | None
) -> None:
    with pytest.raises(StateError) as info:
        kb.restore(state)  # type: ignore[arg-type]
    assert info.value.field == field
