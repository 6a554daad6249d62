"""The articles about MSN mail errors in Outlook Express, from the Microsoft Knowledge Base
archive: each is recognised by the messages and numbers its article quotes, is given only to
a person whose case it fits (MSN mail, the right direction, the right Windows), and is written
in advisor's own words, with the error messages as the only text taken as it is."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

import advisor
from advisor import KnowledgeBase, Session

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
ARCHIVE = ROOT.parent / "shared" / "kbarchive" / "kb"
ARTICLES = ("Q192060", "Q181129", "Q176013", "Q177315", "Q195347", "Q176101", "Q185201", "Q194738")
# The longest run of an archive article's words that advisor's text may share with it: the
# names of menus, options, files and articles, never a sentence.
LONGEST_SHARED_RUN = 10


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return advisor.load()


def article_file(article: str) -> dict[str, Any]:
    return yaml.safe_load((RULES / f"{article}.yaml").read_text(encoding="utf-8"))


def converse(kb: KnowledgeBase, *said: str) -> tuple[Session, list[Any]]:
    session = kb.new_session()
    messages = list(session.start().messages)
    for text in said:
        messages += session.send(text).messages
    return session, messages


def diagnosed(messages: list[Any]) -> list[str]:
    return [m.extra["article"] for m in messages if m.type == "diagnosis"]


# -- recognised, and given where it fits --------------------------------------------------------

# Each article's own pasted message, then the answers its questions need.
CASES = [
    ("Q192060", ("MSN's own dial-up", "5.01", "5.5", "98")),
    ("Q181129", ("5.5", "98 SE")),
    ("Q176013", ("98",)),
    ("Q177315", ()),
    ("Q195347", ("no", "5.5")),
    ("Q176101", ("msn", "4.0")),
    ("Q185201", ("95",)),
    ("Q194738", ("98", "5")),
]


@pytest.mark.parametrize(("article", "answers"), CASES, ids=[c[0] for c in CASES])
def test_the_pasted_message_of_each_article_leads_to_it(
    kb: KnowledgeBase, article: str, answers: tuple[str, ...]
) -> None:
    [pasted, *_] = article_file(article)["article"]["samples"]["error_text"]
    session, messages = converse(kb, pasted, *answers)
    assert session.done
    assert diagnosed(messages) == [article]
    assert any(m.type == "step" for m in messages)


@pytest.mark.parametrize("number", ["0x800CCC0E", "0x800CCC01", "0x800CCC19", "0x800CCC90"])
def test_a_number_no_article_covers_still_ends_at_once(kb: KnowledgeBase, number: str) -> None:
    session, messages = converse(kb, number)
    assert session.done
    [no_match] = [m for m in messages if m.type == "no_match"]
    assert f"No article in my knowledge base is about error {number}." in no_match.text


NOT_MSN = [
    "The host 'mail.example.com' could not be found. Error Number: 0x800CCC0D",
    "An unknown error has occurred. Server: 'smtp.example.com', Server Response: "
    "'501 Invalid Address'",
    "Your SMTP server has not responded in 30 seconds. Server: smtp.example.com",
    "Your POP3 server has not responded in 60 seconds. Server: pop3.example.com",
    "Unable to get the Dial-Up Networking connection needed to connect to MSN. It is hotmail",
    "0x800CCC18 when I get my mail from my comcast account",
]


@pytest.mark.parametrize("said", NOT_MSN)
def test_no_msn_step_for_a_person_whose_mail_is_not_msn(kb: KnowledgeBase, said: str) -> None:
    session, messages = converse(kb, said)
    assert session.done
    assert not [m for m in messages if m.type in ("diagnosis", "step", "note", "warning")]
    outcomes = session.inference.outcomes
    assert outcomes and all(c.status == "not_applicable" for c in outcomes.values())


def test_the_download_articles_are_not_given_for_sending(kb: KnowledgeBase) -> None:
    _, messages = converse(kb, "Your SMTP server has not responded in 30 seconds. msn mail")
    assert diagnosed(messages) == ["Q177315"]
    session, messages = converse(kb, "0x800CCC18 when I send from my msn account")
    assert diagnosed(messages) == []
    assert session.inference.outcomes["Q185201"].derivation.rule == "Q185201/sending"
    assert session.inference.outcomes["Q194738"].derivation.rule == "Q194738/sending"


@pytest.mark.parametrize(
    ("windows", "article"), [("95", "Q185201"), ("98", "Q194738"), ("98 SE", "Q194738")]
)
def test_the_password_articles_are_told_apart_by_windows(
    kb: KnowledgeBase, windows: str, article: str
) -> None:
    _, messages = converse(kb, "0x800CCC00 when I check my msn mail", windows)
    assert diagnosed(messages) == [article]


# -- in advisor's words ------------------------------------------------------------------------


@pytest.mark.parametrize("article", ARTICLES)
def test_the_source_says_which_article_and_in_whose_words(article: str) -> None:
    source = article_file(article)["article"]["source"]
    assert source.startswith(f"Microsoft Knowledge Base article {article} (last modified ")
    assert source.endswith("), in advisor's words")


def _archived(article: str) -> str:
    path = ARCHIVE / article[1:4] / article / "README.md"
    if not path.is_file():
        pytest.skip(f"the Knowledge Base archive is not at {ARCHIVE}")
    return path.read_text(encoding="utf-8")


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def _texts(node: Any) -> Iterator[str]:
    """What advisor says from an article: its rules' reasons and its resolution."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key not in ("id", "when"):
                yield from _texts(value)
    elif isinstance(node, list):
        for value in node:
            yield from _texts(value)
    elif isinstance(node, str):
        yield node


@pytest.mark.parametrize("article", ARTICLES)
def test_no_sentence_of_the_article_is_copied(article: str) -> None:
    original = _words(_archived(article))
    n = LONGEST_SHARED_RUN + 1
    runs = {tuple(original[i : i + n]) for i in range(len(original) - n + 1)}
    data = article_file(article)
    for text in _texts([data["rules"], data["resolution"]]):
        words = _words(text)
        for i in range(len(words) - n + 1):
            assert tuple(words[i : i + n]) not in runs, (article, " ".join(words[i : i + n]))


def _messages() -> Iterator[tuple[str, str]]:
    """Each error message recognised for these articles, with the value it gives."""
    shared = yaml.safe_load((RULES / "error-0x800CCC0F.yaml").read_text(encoding="utf-8"))
    for pattern in shared["facts"]["error_text"]["extract"]:
        value = pattern.get("set", {}).get("error_message")
        if "message" in pattern and value not in ("server_terminated", "tcpip_terminated"):
            yield pattern["message"][0], value


QUOTED_IN = {
    "host_not_found": ("Q192060", "Q181129"),
    "invalid_address": ("Q176013",),
    "not_responded": ("Q177315", "Q195347"),
    "no_dial_up_connection": ("Q176101",),
    "dpa_loading": ("Q185201", "Q194738"),
    "spa_logon": ("Q185201", "Q194738"),
}


@pytest.mark.parametrize(("message", "value"), list(_messages()), ids=lambda x: x[:30])
def test_each_message_is_quoted_exactly_as_its_articles_print_it(message: str, value: str) -> None:
    # The message's own words, in order, in each article: a placeholder stands for what the
    # window says there (a server's name, a number of seconds), and the server's answer
    # "501 Invalid Address" follows the other fields of the window.
    parts = [re.escape(" ".join(p.split())) for p in re.split(r"<[^<>]*>", message)]
    pattern = ".{1,40}?".join(parts)
    for article in QUOTED_IN[value]:
        text = " ".join(_archived(article).split())
        if value == "invalid_address":
            first, _, _ = message.partition(" Server Response:")
            assert first in text and "Server Response: '501 Invalid Address'" in text
        else:
            assert re.search(pattern, text), (article, message)
