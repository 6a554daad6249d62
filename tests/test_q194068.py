"""Article Q194068 end to end: every combination that changes the advice, and what must
and must not appear for each."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pytest
from conftest import FIRST_MESSAGE, SECOND_MESSAGE

from advisor import KnowledgeBase, Message

NINE_X = ["win95", "win98", "win98se", "winme"]
SYSTEMS = [*NINE_X, "other"]


@dataclass
class Conversation:
    asked: list[str]
    messages: list[Message]
    done: bool

    def of(self, kind: str) -> list[Message]:
        return [m for m in self.messages if m.type == kind]

    def ids(self) -> set[str]:
        return {str(m.extra.get("id")) for m in self.messages if "id" in m.extra}

    def text(self) -> str:
        return "\n".join(m.text for m in self.messages)


def converse(kb: KnowledgeBase, error: str, answers: dict[str, str]) -> Conversation:
    """Answer each question by its id, as a portal would; fail on an unexpected question."""
    session = kb.new_session()
    reply = session.start()
    messages, asked = list(reply.messages), []
    first = True
    while reply.question is not None:
        qid = reply.question.id
        asked.append(qid)
        if first:
            assert qid == "error_text"
            reply, first = session.send(error), False
        else:
            assert qid in answers, f"asked {qid!r}, which the test did not expect"
            reply = session.send(answers[qid])
            if reply.of_type("hint") and reply.question is not None and reply.question.id == qid:
                messages.extend(reply.messages)  # how to find out, then the same answer again
                reply = session.send(answers[qid])
        messages.extend(reply.messages)
        assert len(asked) < 10
    return Conversation(asked, messages, reply.done)


STEP_1 = [f"Q194068/step-1.{n}" for n in range(1, 10)] + [
    "Q194068/step-1",
    "Q194068/step-1.4-pop3",
    "Q194068/step-1.4-smtp",
]
STEP_2_COMMON = ["Q194068/step-2", *(f"Q194068/step-2.{n}" for n in (1, 2, 4, 5, 6, 7, 8, 9))]
ADAPTER_STEP = {
    "yes": "Q194068/step-2.3-adapter",
    "no": "Q194068/step-2.3-no-adapter",
    "unknown": "Q194068/step-2.3-unsure",
}
MSN = {"mail_service": "msn"}


@pytest.mark.parametrize(
    ("connection", "windows", "adapter"),
    [
        (c, w, a)
        for c, w in itertools.product(["lan", "isp"], NINE_X)
        for a in ("yes", "no", "unknown")
    ],
)
def test_windows_9x_gets_both_steps_tailored(
    kb: KnowledgeBase, connection: str, windows: str, adapter: str
) -> None:
    answers = {**MSN, "connection": connection, "windows": windows, "network_adapter": adapter}
    c = converse(kb, "0x800CCC0F", answers)
    assert c.done
    assert c.asked == ["error_text", "mail_service", "connection", "windows", "network_adapter"]
    # "I don't know" first gets how to find out.
    assert bool(c.of("hint")) == (adapter == "unknown")
    ids = c.ids()
    assert set(STEP_1) <= ids
    assert set(STEP_2_COMMON) <= ids
    assert ADAPTER_STEP[adapter] in ids
    assert not (set(ADAPTER_STEP.values()) - {ADAPTER_STEP[adapter]}) & ids
    assert "Q194068/windows-disks" in ids
    assert ("Q194068/windows-98-tcpip-warning" in ids) == (windows in {"win98", "win98se"})
    assert "Q194068/windows-98-tcpip-warning-unsure" not in ids
    assert "Q194068/step-2-which-windows" not in ids
    assert "Q194068/step-2-other-system" not in ids
    assert len(c.of("diagnosis")) == 1 and len(c.of("cause")) == 1
    assert len(c.of("more_info")) == 1
    assert not c.of("not_applicable") and not c.of("no_match")


@pytest.mark.parametrize("connection", ["lan", "isp"])
def test_another_system_is_told_step_2_does_not_fit(kb: KnowledgeBase, connection: str) -> None:
    c = converse(kb, "0x800CCC0F", {**MSN, "connection": connection, "windows": "other"})
    assert c.done
    assert c.asked == ["error_text", "mail_service", "connection", "windows"]  # no adapter
    ids = c.ids()
    assert set(STEP_1) <= ids
    assert not {i for i in ids if i.startswith("Q194068/step-2")} - {"Q194068/step-2-other-system"}
    assert "Q194068/step-2-other-system" in ids
    assert "Q194068/windows-disks" not in ids
    assert "Q194068/windows-98-tcpip-warning" not in ids
    assert "written for Windows 95, Windows 98" in c.text()
    assert "Dial-Up Adapter" not in c.text()
    assert len(c.of("more_info")) == 1


@pytest.mark.parametrize("error", ["0x800CCC0F", FIRST_MESSAGE, SECOND_MESSAGE])
def test_msn_dial_up_is_told_plainly_the_article_does_not_apply(
    kb: KnowledgeBase, error: str
) -> None:
    # The other causes of the error are looked at next; here none of them is the cause.
    c = converse(
        kb,
        error,
        {
            **MSN,
            "connection": "msn_dialup",
            "antivirus_scan": "no",
            "which_messages": "all",
            "firewall": "no",
            "other_company_server": "no",
        },
    )
    assert c.done
    assert c.asked[:2] == ["error_text", "connection" if error == FIRST_MESSAGE else "mail_service"]
    not_applicable = c.of("not_applicable")[0]
    assert not_applicable.extra["article"] == "Q194068"
    assert "does not apply" in not_applicable.text
    assert "MSN's own dial-up" in not_applicable.text
    assert c.messages.index(not_applicable) < len(c.messages) - 1
    assert not c.of("step") and not c.of("diagnosis") and not c.of("more_info")
    assert c.of("no_match")
    # MSN dial-up to MSN's own server: the port-25 question would not make sense.
    assert "other_company_server" not in c.asked


def test_windows_unknown_gets_the_articles_own_untailored_step_2(kb: KnowledgeBase) -> None:
    answers = {**MSN, "connection": "lan", "windows": "unknown", "network_adapter": "no"}
    c = converse(kb, "0x800CCC0F", answers)
    assert c.done
    hint = next(m for m in c.of("hint") if "winver" in m.text)
    assert "Control Panel" in hint.text
    ids = c.ids()
    assert {"Q194068/step-2", "Q194068/step-2-which-windows"} <= ids
    assert "Q194068/windows-98-tcpip-warning-unsure" in ids
    assert "Q194068/windows-98-tcpip-warning" not in ids
    assert "If you use Windows 98, you will be prompted" in c.text()
    assert "Q194068/windows-disks" in ids


def test_step_texts_are_the_articles(kb: KnowledgeBase) -> None:
    c = converse(
        kb,
        "0x800CCC0F",
        {**MSN, "connection": "lan", "windows": "win98", "network_adapter": "yes"},
    )
    steps = [(m.extra["number"], m.text) for m in c.of("step")]
    assert steps[0] == ("1", "Configure Mail Servers")
    assert ("1.4.1", "Type pop3.email.msn.com in the Incoming Mail (POP3) box.") in steps
    assert ("1.4.2", "Type smtp.email.msn.com in the Outgoing Mail (SMTP) box.") in steps
    assert ("1.8", "Select My Server requires authentication.") in steps
    assert ("2", "Configure TCP/IP for MSN") in steps
    numbers = [n for n, _ in steps if n.startswith("2.")]
    assert numbers == [f"2.{n}" for n in range(1, 10)]
    step_23 = dict(steps)["2.3"]
    assert "TCP/IP -> Dial-Up Adapter" in step_23
    [warning] = c.of("warning")
    assert "warning about changing the TCP/IP configuration" in warning.text
    assert "click OK" in warning.text
    # The warning follows step 2.3, the step that triggers it.
    after = c.messages[c.messages.index(warning) - 1]
    assert after.extra.get("number") == "2.3"
    [more] = c.of("more_info")
    for words in ("anti-spamming", "IP) filtering", "Non-MSN members cannot send"):
        assert words in more.text


def test_no_adapter_names_plain_tcp_ip(kb: KnowledgeBase) -> None:
    c = converse(
        kb,
        "0x800CCC0F",
        {**MSN, "connection": "isp", "windows": "win95", "network_adapter": "no"},
    )
    step_23 = next(m.text for m in c.of("step") if m.extra.get("number") == "2.3")
    assert "click TCP/IP" in step_23
    assert "Dial-Up Adapter" not in step_23
    assert not c.of("warning")


def test_the_pasted_first_message_asks_nothing_it_told(kb: KnowledgeBase) -> None:
    c = converse(
        kb, FIRST_MESSAGE, {"connection": "lan", "windows": "win98se", "network_adapter": "no"}
    )
    assert c.asked == ["error_text", "connection", "windows", "network_adapter"]
    [understood] = c.of("understood")
    for shown in ("0x800CCC0F", "MSN Mail", "smtp.email.msn.com", "SMTP", "25"):
        assert shown in understood.text
    assert c.of("warning")


def test_what_the_paste_says_is_not_asked_again(kb: KnowledgeBase) -> None:
    c = converse(
        kb, FIRST_MESSAGE + "\nI'm on Windows 98 over the office LAN", {"network_adapter": "yes"}
    )
    assert c.asked == ["error_text", "network_adapter"]
    assert c.of("warning")


def test_an_unknown_error_ends_honestly(kb: KnowledgeBase) -> None:
    c = converse(kb, "Error 0x800CCC0E: cannot find server", {})
    assert c.done
    assert c.asked == ["error_text"]
    [no_match] = c.of("no_match")
    assert "No article" in no_match.text
    assert "0x800CCC0E" in no_match.text
    assert not c.of("step") and not c.of("diagnosis")


def test_another_mail_service_is_not_this_article(kb: KnowledgeBase) -> None:
    paste = FIRST_MESSAGE.replace("MSN Mail", "Work").replace(
        "smtp.email.msn.com", "smtp.example.com"
    )
    c = converse(
        kb,
        paste,
        {
            "antivirus_scan": "no",
            "which_messages": "all",
            "firewall": "no",
            "other_company_server": "no",
        },
    )
    # The server in the message says the mail service: nothing about MSN is asked.
    assert "mail_service" not in c.asked and "connection" not in c.asked
    q194068 = [m for m in c.of("not_applicable") if m.extra["article"] == "Q194068"]
    assert len(q194068) == 1 and "other than MSN" in q194068[0].text
    assert not c.of("step")
    assert "smtp.email.msn.com" not in c.text() and "Disable DNS" not in c.text()


def test_an_msn_account_on_another_server_still_gets_the_server_settings(kb: KnowledgeBase) -> None:
    # An account named MSN Mail on another server says two things: the mail service is asked,
    # and for MSN, step 1 is exactly the fix of an MSN Mail account pointed elsewhere.
    paste = FIRST_MESSAGE.replace("smtp.email.msn.com", "mail.example.net")
    c = converse(kb, paste, {**MSN, "connection": "isp", "windows": "other"})
    assert c.asked[:2] == ["error_text", "mail_service"]
    assert c.of("diagnosis")
    assert "Q194068/step-1.4-smtp" in c.ids()


def test_receiving_mail_is_not_this_article(kb: KnowledgeBase) -> None:
    paste = FIRST_MESSAGE.replace("'SMTP', Port: 25", "'POP3', Port: 110")
    c = converse(kb, paste, {})
    assert c.asked == ["error_text"]
    [not_applicable] = c.of("not_applicable")
    assert "receive mail" in not_applicable.text
    [understood] = c.of("understood")
    assert "receiving mail" in understood.text and "POP3" in understood.text
