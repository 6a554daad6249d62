"""Explanations and controls in the session API, and as /commands in any frontend."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import FIRST_MESSAGE
from test_engine import ARTICLE

import advisor
from advisor import KnowledgeBase, Reply, Session
from advisor.dialog.commands import parse

Converse = Callable[..., tuple[Session, list[Reply]]]


def test_why_for_an_author_names_the_rules_waiting_for_the_answer(converse: Converse) -> None:
    session, _ = converse("0x800CCC0F", "msn")
    why = session.why(ids=True)
    assert why.title == (
        "Why I ask “How does this computer connect to the Internet when you send mail?”:"
    )
    q194068 = next(r for r in why.reasons if r.startswith("article Q194068"))
    assert q194068.startswith(
        "article Q194068 applies when the problem: the mail server ends the connection while you "
        "send mail; what you were doing: not receiving mail; the e-mail service you send "
        "through: MSN (an address that ends in @msn.com); how you connect to the Internet: "
        "Through a local area network (LAN)"
    )
    assert q194068.endswith("(rule Q194068/lan-or-third-party-isp)")
    # A rule that only rules an article out asks nothing.
    assert not any("Q194068/msn-dial-up" in r for r in why.reasons)
    # Every article about this error waits for the answer.
    for article in ("ADV-ANTIVIRUS", "ADV-FIREWALL", "ADV-PORT-25", "ADV-LARGE-MESSAGES"):
        assert any(r.startswith(f"article {article} applies when") for r in why.reasons), article


def test_why_at_the_first_question_speaks_in_words_and_names_each_problem_once(
    kb: KnowledgeBase,
) -> None:
    session = kb.new_session()
    session.start()
    [message] = session.send("/why").messages
    assert message.type == "explanation"
    assert message.extra["title"] == "Why I ask about the error you see:"
    text = message.text
    # A few short lines, not one line per rule with the messages each rule rules out.
    assert len(text) < 700 and len(text.splitlines()) <= 5, text
    assert not any(word in text for word in ("rule", "pattern", "error_text", "0x800CCC0F/"))
    problems = kb.knowledge.facts["symptom"].values
    assert problems is not None
    # Every problem the error can name, each once (several rules give most of them).
    for label in problems.values():
        assert text.count(label) == 1, label
    assert message.extra["reasons"][0] == (
        "From your answer I read the error number or the error message."
    )
    assert message.extra["reasons"][-1] == "The problem decides which articles I consider."
    # An author asks for the rules and patterns by id, with their exact conditions.
    authors = session.send("/why --ids").messages[0].text
    assert "(rule error-0x800CCC0F/host-not-found-number)" in authors
    assert "(patterns error_text/error-number, error_text/message-server-terminated" in authors
    assert session.question is not None and session.question.id == "error_text"


def test_why_at_each_question_says_what_the_answer_decides(converse: Converse) -> None:
    session, _ = converse("0x800CCC0F")
    assert session.why().reasons == (
        "Your answer tells me whether you send through MSN's servers from another company's "
        "network.",
        "It decides which of these articles fit your case: “Err Msg: Your Server Has "
        "Unexpectedly Terminated the Connection”; “An antivirus program that scans outgoing "
        "e-mail ends the connection”; “A personal firewall does not let Outlook Express reach "
        "the mail server”; “Your Internet provider blocks mail sent to another company's server "
        "on port 25”; “Only large messages fail because the server stops waiting”.",
    )
    session, _ = converse("0x800CCC0F", "msn", "lan", "98")
    assert session.why().title == "Why I ask about whether this computer has a network adapter:"
    assert session.why().reasons[:2] == (
        "You get the step “On the Configuration tab, click TCP/IP (you do not have a network "
        "adapter), and…” if you answer No.",
        "You get the step “On the Configuration tab, click TCP/IP -> Dial-Up Adapter (you have a "
        "network…” if you answer Yes.",
    )
    session.send("no")
    assert session.done
    assert session.send("/why").messages[0].text == (
        "No question is waiting for an answer. Type /how to see how I came to the advice, or "
        "/facts for what I know."
    )


def test_how_and_facts_give_ids_when_an_author_asks(converse: Converse) -> None:
    session, _ = converse("0x800CCC0F", "msn", "lan", "98", "no")
    for command in ("/how", "/how 2.3", "/facts"):
        words = session.send(command).messages[0].text
        authors = session.send(f"{command} --ids").messages[0].text
        assert "(pattern " not in words and "(pattern error_text/error-number)" in authors
    # --ids goes before or after the step.
    step = session.send("/how --ids 2.3").messages[0]
    assert step.extra["title"] == "Why step 2.3 is part of your steps:"
    assert "(Q194068/step-2.3-no-adapter)" in step.text


def test_why_the_error_question_follows_the_chain_to_the_article(kb: KnowledgeBase) -> None:
    session = kb.new_session()
    session.start()
    reasons = session.why(ids=True).reasons
    assert reasons[0].startswith(
        "I read the error number, the error message from your answer (patterns"
    )
    assert any("(rule error-0x800CCC0F/error-number)" in r for r in reasons)
    # The bundled articles are about several problems: which ones are considered waits
    # for the problem the error names.
    assert reasons[-1] == "the problem decides which articles to consider"


def test_why_the_windows_question_names_the_steps_it_chooses(converse: Converse) -> None:
    session, _ = converse("0x800CCC0F", "msn", "isp")
    assert session.why().reasons == (
        "You get the step “Configure TCP/IP for MSN” if you answer Windows 95, Windows 98, "
        "Windows 98 Second Edition, Windows Millennium Edition (Me) or I don't know.",
        "You get the note “Step 2 of this article, Configure TCP/IP for MSN, is written for "
        "Windows 95,…” if you answer Another system (Windows NT, 2000, XP or later, or not "
        "Windows).",
    )
    reasons = session.why(ids=True).reasons
    assert reasons[0] == (
        "the step “Configure TCP/IP for MSN” is shown when your version of Windows: Windows 95 or "
        "Windows 98 or Windows 98 Second Edition or Windows Millennium Edition (Me) or I don't "
        "know (Q194068/step-2)"
    )
    assert any("(Q194068/step-2-other-system)" in r for r in reasons)


def test_how_walks_back_to_what_the_person_said(converse: Converse) -> None:
    session, _ = converse(FIRST_MESSAGE, "lan")
    how = session.how()
    assert how.title.startswith("How I concluded that article Q194068")
    assert how.title.endswith("applies:")
    assert (
        "how you connect to the Internet: Through a local area network (LAN), for example at an "
        "office — you chose it" in how.reasons
    )
    assert "the error number: 0x800CCC0F — read from what you wrote: “0x800CCC0F”" in how.reasons
    assert "what you were doing: not receiving mail — nothing says otherwise" in how.reasons
    # The person reads the facts; an author also the rule, with its conditions, and the
    # pattern that read each fact.
    assert not any("rule" in r or "pattern" in r for r in how.reasons)
    for_authors = session.how(ids=True).reasons
    assert for_authors[0].startswith("article Q194068 applies when the problem: ")
    assert for_authors[0].endswith("(rule Q194068/lan-or-third-party-isp)")
    assert (
        "the e-mail service you send through: MSN (an address that ends in @msn.com) — read "
        "from what you wrote: “Server:'smtp.email.msn.com'” (pattern error_text/msn-server)"
        in for_authors
    )
    assert (
        "the problem: the mail server ends the connection while you send mail — by rule "
        "error-0x800CCC0F/error-number" in for_authors
    )


def test_how_a_step_is_chosen(converse: Converse) -> None:
    session, _ = converse("0x800CCC0F", "msn", "lan", "win98se", "no")
    how = session.how("2.3")
    assert how.title == "Why step 2.3 is part of your steps:"
    assert "whether this computer has a network adapter: No — you chose it" in how.reasons
    assert "your version of Windows: Windows 98 Second Edition — you chose it" in how.reasons
    same = session.how("step-2.3-no-adapter")
    assert same.reasons == how.reasons
    warning = session.how("windows-98-tcpip-warning")
    assert any(
        "is shown when your version of Windows: Windows 98 or Windows 98 Second Edition" in r
        for r in warning.reasons
    )


def test_how_a_fact_and_nonsense(converse: Converse) -> None:
    session, _ = converse(FIRST_MESSAGE)
    assert session.how("server").reasons == (
        "the mail server: smtp.email.msn.com — read from what you wrote: “smtp.email.msn.com”",
    )
    assert session.how("server", ids=True).reasons == (
        "the mail server: smtp.email.msn.com — read from what you wrote: “smtp.email.msn.com” (pattern error_text/server)",
    )
    assert session.how("symptom").reasons[0].endswith("— concluded from other facts")
    assert (
        session.how("symptom", ids=True)
        .reasons[0]
        .endswith("— by rule error-0x800CCC0F/error-number")
    )
    assert "nothing called “pigeon”" in session.how("pigeon").title
    fresh, _ = converse()
    assert fresh.how().title == "I have not concluded anything yet."


def test_facts_say_where_each_fact_came_from(converse: Converse) -> None:
    session, _ = converse(FIRST_MESSAGE, "isp")
    reasons = session.facts().reasons
    assert (
        "how you connect to the Internet: Through another Internet provider (cable, DSL, or "
        "another company's dial-up) — you chose it" in reasons
    )
    assert "the mail account in the message: MSN Mail — read from what you wrote: “MSN Mail”" in (
        reasons
    )
    assert (
        "the problem: the mail server ends the connection while you send mail — concluded from "
        "other facts" in reasons
    )
    for_authors = session.facts(ids=True).reasons
    assert (
        "the mail account in the message: MSN Mail — read from what you wrote: “MSN Mail” "
        "(pattern error_text/account)" in for_authors
    )
    assert (
        "the problem: the mail server ends the connection while you send mail — concluded from "
        "other facts (error-0x800CCC0F/error-number)" in for_authors
    )


def test_back_retracts_the_answer_and_what_followed(converse: Converse) -> None:
    session, _ = converse("0x800CCC0F", "msn", "lan", "98", "yes")
    assert session.done
    reply = session.back()
    assert reply.messages[0].type == "info"
    assert reply.question.id == "network_adapter"
    assert "network_adapter" not in session.inference.values
    session.back()
    session.back()
    assert "Q194068" not in session.inference.outcomes  # the diagnosis went with the answer
    assert session.question.id == "connection"
    session.back()
    session.back()
    assert session.back().messages[0].text == "There is no answer to take back yet."


def test_back_takes_back_all_that_one_message_said(converse: Converse) -> None:
    session, _ = converse("0x800CCC0F", "msn", "cable modem, and it's windows 98")
    assert session.inference.values["windows"] == "win98"
    reply = session.back()
    assert "windows" not in session.inference.values
    assert "connection" not in session.inference.values
    assert reply.question.id == "connection"


def test_change_asks_again_and_updates_the_advice(converse: Converse) -> None:
    session, _ = converse("0x800CCC0F", "msn", "lan", "98", "yes")
    reply = session.change("windows")
    assert reply.question.id == "windows"
    assert not session.done
    final = session.send("xp")
    assert final.done
    ids = {m.extra.get("id") for m in final.messages}
    assert "Q194068/step-2-other-system" in ids and "Q194068/windows-98-tcpip-warning" not in ids
    # Only the questions that became necessary are asked: the adapter is not needed now,
    # and changing back to 98 needs no new answer about it.
    again = session.change("windows", "98")
    assert again.done
    assert "Q194068/windows-98-tcpip-warning" in {m.extra.get("id") for m in again.messages}


def test_change_the_connection_turns_the_verdict(converse: Converse) -> None:
    session, _ = converse("0x800CCC0F", "msn", "lan", "98", "yes")
    reply = session.send("/change connection msn dial-up")
    assert [m.type for m in reply.messages] == ["understood", "not_applicable"]
    assert reply.question.id == "antivirus_scan"  # the other causes of the error come next


def test_change_what_was_read_from_the_paste(converse: Converse) -> None:
    session, _ = converse("0x800CCC0F on Windows 98 over our LAN, msn mail")
    assert session.question.id == "network_adapter"
    session.change("windows", "Windows 95")
    assert session.inference.values["windows"] == "win95"
    assert session.inference.known["windows"].source == "chosen"


@pytest.mark.parametrize(
    ("fact", "said"),
    [
        ("symptom", "I cannot change “symptom”."),
        ("pigeon", "I cannot change “pigeon”."),
        ("network_adapter", "You have not told me whether this computer has a network adapter"),
        ("", "Say what to change, as in /change connection."),
    ],
)
def test_what_cannot_be_changed(converse: Converse, fact: str, said: str) -> None:
    session, _ = converse("0x800CCC0F", "msn", "lan")
    reply = session.change(fact)
    assert reply.messages[0].type == "invalid"
    text = reply.messages[0].text
    assert text.startswith(said), text
    # What can be changed, in words, each with the command that does it.
    assert text.endswith(
        "You can change: the error you see (/change error_text), the e-mail service you send "
        "through (/change mail_service) or how you connect to the Internet (/change connection)."
    ), text
    assert reply.question.id == "windows"


def test_restart_and_quit(converse: Converse) -> None:
    session, _ = converse("0x800CCC0F", "lan")
    reply = session.restart()
    assert [m.type for m in reply.messages] == ["info", "greeting"]
    assert session.answers == () and reply.question.id == "error_text"
    bye = session.quit()
    assert bye.done and bye.question is None and bye.messages[0].type == "goodbye"
    assert session.send("0x800CCC0F").messages[0].type == "ended"
    assert session.send("/restart").question.id == "error_text"


def test_handoff_has_the_error_facts_article_and_steps(converse: Converse) -> None:
    session, _ = converse(FIRST_MESSAGE, "isp", "win95", "no")
    data = session.handoff(done=["Q194068/step-1.1"], skipped=["Q194068/step-1.2"])
    assert data["unclear"] == []
    json.dumps(data)
    assert data["error"] == FIRST_MESSAGE.strip()
    assert data["articles"] == [
        {
            "id": "Q194068",
            "title": session.knowledge.articles["Q194068"].title,
            "status": "applies",
            "rule": "Q194068/lan-or-third-party-isp",
        }
    ]
    sources = {f["fact"]: f["source"] for f in data["facts"]}
    assert sources["connection"] == "chosen" and sources["server"] == "extracted"
    assert sources["symptom"] == "derived" and sources["error_text"] == "typed"
    status = {s["number"]: s["status"] for s in data["steps"]}
    assert status["1.1"] == "done" and status["1.2"] == "skipped" and status["2.3"] == "not done"


def test_a_state_keeps_a_changed_question_and_an_end(kb: KnowledgeBase, converse: Converse) -> None:
    session, _ = converse("0x800CCC0F", "msn", "lan", "98")
    session.change("connection")
    restored = kb.restore(json.loads(json.dumps(session.to_state())))
    assert restored.question.id == "connection"
    session.quit()
    assert kb.restore(session.to_state()).done


@pytest.mark.parametrize(
    ("said", "parsed"),
    [
        ("/why", ("why", "")),
        ("/WHY", ("why", "")),
        ("/change windows 98 se", ("change", "windows 98 se")),
        ("/var/log/mail.log: error", None),
        ("why", None),
        ("/ why", None),
        ("/123", None),
    ],
)
def test_what_is_a_command(said: str, parsed: tuple[str, str] | None) -> None:
    assert parse(said) == parsed


def test_commands_through_send(converse: Converse) -> None:
    session, _ = converse("0x800CCC0F")
    why = session.send("/why")
    assert why.messages[0].type == "explanation"
    assert why.messages[0].extra["title"].startswith("Why I ask")
    assert why.question.id == "mail_service"
    assert (
        session.send("/help").messages[0].text.startswith("Commands you can type at any question:")
    )
    unknown = session.send("/pigeon")
    assert (
        unknown.messages[0].text == "There is no command /pigeon. Type /help to see the commands."
    )
    assert session.answers[-1].value == "0x800CCC0F"


def test_check_says_what_send_would_refuse(converse: Converse) -> None:
    session, _ = converse("0x800CCC0F")
    assert session.check("pigeon").startswith("“pigeon” is not one of the choices")
    assert session.check("msn") is None
    assert session.check("dunno") is None  # "I don't know" is an answer
    assert session.check("it's windows 98") is None  # it says something: it is taken
    assert session.check("/why") is None
    assert session.check("") == "I did not get an answer. Please answer the question below."
    assert session.answers[-1].value == "0x800CCC0F"


def test_explanations_come_from_any_knowledge_base(write_rules: Callable[..., Path]) -> None:
    kb = advisor.load(write_rules(paint=ARTICLE))
    session = kb.new_session()
    session.start()
    session.send("peeling")
    assert session.why().reasons == ("It decides whether the article “Paint” fits your case.",)
    assert session.why(ids=True).reasons == (
        "article A applies when the problem: Peeling; the surface: Outside (rule A/peeling-outside)",
    )
    session.send("outside")
    # The note about red waits for the colour (its first condition), not for the weather.
    assert session.why().reasons == ("You get the step “Wait for a dry day.” if you answer Rain.",)
    assert session.why(ids=True).reasons == (
        "the step “Wait for a dry day.” is shown when the weather: Rain (A/wait)",
    )
    session.send("rain")
    assert session.how().reasons == (
        "the problem: Peeling — you chose it",
        "the surface: Outside — you chose it",
    )
    assert session.how(ids=True).reasons == (
        "article A applies when the problem: Peeling; the surface: Outside (rule A/peeling-outside)",
        "the problem: Peeling — you chose it",
        "the surface: Outside — you chose it",
    )
    assert session.how("2").title == "Why step 2 is part of your steps:"


def test_change_before_any_answer(converse: Converse) -> None:
    # Found by the fuzzer: there is nothing to change yet.
    session, _ = converse()
    reply = session.send("/change windows")
    assert reply.messages[0].text == (
        "You have not told me your version of Windows yet, so there is nothing to change: "
        "I will ask when it matters. You can change: nothing yet."
    )
    assert reply.question.id == "error_text"
