"""Articles that list their error messages: recognised with no hand-written rule, told
apart by their `distinguish` facts where they share an error, and checked."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import advisor
from advisor.authoring.check import check
from advisor.errors import KnowledgeBaseError

BASE = """\
format: 1
shared:
  id: base
  title: Errors
  source: written for the tests
facts:
  error_text:
    describe: the error you see
    question:
      kind: text
      text: What error do you see?
    extract:
      - id: number
        number: error_number
  error_number:
    describe: the error number
  error_message:
    describe: the error message
  product:
    describe: the program that shows the error
    question:
      kind: choice
      text: Which of these programs shows the error?
      narrow: true
      choices:
        - {id: mailer, label: The Mailer}
        - {id: sender, label: The Sender}
        - {id: viewer, label: The Viewer}
"""

DISK_FULL = "The mailbox file <filename> could not be written: the disk is full."


def article(name: str, product: str, message: str, cause: str, step: str, extra: str = "") -> str:
    return f"""\
format: 1
article:
  id: {name}
  title: {cause}
  source: written for the tests
  distinguish: {{product: [{product}]}}
errors:
  - id: m1
    message: "{message}"
    number: "0x80041234"
resolution:
  steps:
    - {{id: s1, step: {step}}}
{extra}"""


@pytest.fixture
def kb(write_rules: Callable[..., Path]) -> advisor.KnowledgeBase:
    folder = write_rules(
        base=BASE,
        A1=article("A1", "mailer", DISK_FULL, "Disk full in the Mailer", "Empty the bin."),
        A2=article("A2", "sender", DISK_FULL, "Disk full in the Sender", "Keep no copies.")
        + "  workaround: Send smaller messages meanwhile.\n",
        A3=article("A3", "viewer", "Your mailbox is over its size limit.", "Over quota", "Purge."),
    )
    return advisor.load(folder)


def run(kb: advisor.KnowledgeBase, *lines: str) -> tuple[advisor.Session, list[advisor.Reply]]:
    session = kb.new_session()
    replies = [session.start(), *(session.send(line) for line in lines)]
    return session, replies


def applying(session: advisor.Session) -> list[str]:
    return [a for a, c in session.inference.outcomes.items() if c.status == "applies"]


def test_a_shared_message_asks_only_what_tells_its_articles_apart(
    kb: advisor.KnowledgeBase,
) -> None:
    session, replies = run(
        kb, r"The mailbox file C:\mail\in.mbx could not be written: the disk is full."
    )
    question = replies[-1].question
    assert question is not None and question.id == "product"
    assert [c.id for c in question.choices] == ["mailer", "sender", "unknown"]  # not the viewer
    reply = session.send("the sender")
    assert applying(session) == ["A2"]
    types = [m.type for m in reply.messages]
    assert types.index("step") < types.index("workaround")  # the workaround follows the steps
    assert "cause" not in types  # A2 gives none


def test_a_number_alone_asks_among_every_article_that_carries_it(kb: advisor.KnowledgeBase) -> None:
    session, replies = run(kb, "0x80041234")
    assert [c.id for c in replies[-1].question.choices] == ["mailer", "sender", "viewer", "unknown"]
    reply = session.send("I don't know")
    assert applying(session) == ["A1", "A2", "A3"]
    heads = [m.text for m in reply.messages if m.type == "intro"]
    assert heads[0] == "For article A1 (“Disk full in the Mailer”):"


def test_a_message_with_its_number_is_that_message_alone(kb: advisor.KnowledgeBase) -> None:
    session, _ = run(kb, "Your mailbox is over its size limit. Error 0x80041234")
    assert applying(session) == ["A3"] and session.done


def test_the_facts_errors_need_are_named(write_rules: Callable[..., Path]) -> None:
    folder = write_rules(A1=article("A1", "mailer", DISK_FULL, "Disk full", "Empty the bin."))
    with pytest.raises(KnowledgeBaseError) as info:
        advisor.load(folder)
    messages = {p.message for p in info.value.problems}
    assert any("`errors` need 'error_text', a text question" in m for m in messages)
    assert all(
        p.file.endswith("A1.yaml") and p.line == 8
        for p in info.value.problems
        if "`errors` need" in p.message
    )


def test_distinguish_names_real_values(write_rules: Callable[..., Path]) -> None:
    folder = write_rules(base=BASE, A1=article("A1", "typewriter", DISK_FULL, "Full", "Empty."))
    with pytest.raises(KnowledgeBaseError) as info:
        advisor.load(folder)
    [problem] = info.value.problems
    assert "'typewriter' is not a value of fact 'product'" in problem.message


def test_an_error_needs_a_message_or_a_number(write_rules: Callable[..., Path]) -> None:
    text = article("A1", "mailer", DISK_FULL, "Full", "Empty.").replace(
        f'    message: "{DISK_FULL}"\n    number: "0x80041234"\n', ""
    )
    with pytest.raises(KnowledgeBaseError) as info:
        advisor.load(write_rules(base=BASE, A1=text))
    assert "an error has a `message`, a `number` or both" in info.value.problems[0].message


def test_check_lists_todos_and_shared_errors(write_rules: Callable[..., Path]) -> None:
    todo = article("A2", "mailer", DISK_FULL, "Also full", "Keep no copies.").replace(
        "    - {id: s1, step: Keep no copies.}",
        "    - {id: s1, step: Keep no copies., todo: If you run the Mailer 2.0}",
    )
    folder = write_rules(
        base=BASE, A1=article("A1", "mailer", DISK_FULL, "Full", "Empty."), A2=todo
    )
    _, findings = check(folder)
    codes = {f.code: f for f in findings}
    assert (
        codes["todo"].severity == "warning" and "If you run the Mailer 2.0" in codes["todo"].message
    )
    assert codes["todo"].file.endswith("A2.yaml")
    assert codes["shared-error"].severity == "warning"
    assert not [f for f in findings if f.severity == "error"]


SITUATION = """\
  situation:
    describe: what you were doing
    question:
      kind: choice
      text: Which of these is yours?
      narrow: true
      choices_from: articles
"""


def test_articles_nothing_else_tells_apart_are_asked_by_their_situation(
    write_rules: Callable[..., Path],
) -> None:
    same = article("B1", "mailer", DISK_FULL, "Full when saving", "Empty the bin.")
    other = article("B2", "mailer", DISK_FULL, "Full when printing", "Clear the spool.")
    folder = write_rules(
        base=BASE + SITUATION,
        B1=same.replace(
            "resolution:\n", "resolution:\n  symptoms: When you save a draft, it fails.\n"
        ),
        B2=other.replace(
            "resolution:\n", "resolution:\n  symptoms: When you print a message, it fails.\n"
        ),
        A3=article("A3", "viewer", "Your mailbox is over its size limit.", "Over quota", "Purge."),
    )
    kb = advisor.load(folder)
    session, replies = run(kb, DISK_FULL.replace("<filename>", "inbox.mbx"))
    question = replies[-1].question
    assert question is not None and question.id == "situation"
    assert [c.label for c in question.choices] == [
        "When you save a draft, it fails (B1)",
        "When you print a message, it fails (B2)",
        "I don't know",
    ]
    session.send("2")
    assert applying(session) == ["B2"]
    # A number they share with an article of another product asks the product first.
    session, replies = run(kb, "0x80041234")
    assert replies[-1].question.id == "product"


def test_messages_that_fit_as_well_are_offered_to_choose(write_rules: Callable[..., Path]) -> None:
    folder = write_rules(
        base=BASE,
        C1=article("C1", "mailer", "Cannot open the mailbox file.", "Mailbox", "Repair it."),
        C2=article("C2", "mailer", "Cannot open the archive file.", "Archive", "Move it."),
    )
    kb = advisor.load(folder)
    session, replies = run(kb, "it says cannot open the file")
    question = replies[-1].question
    assert question is not None and question.kind == "choice"
    assert question.text.startswith("Several messages I know read like yours")
    labels = [c.label for c in question.choices]
    assert labels == [
        "Cannot open the mailbox file.",
        "Cannot open the archive file.",
        "None of these",
    ]
    # The question survives a saved state.
    restored = kb.restore(session.to_state())
    assert restored.question == question
    restored.send("the archive one")
    assert applying(restored) == ["C2"]
    session.send("none of these")
    assert session.question is not None and session.question.id == "error_text"
    assert "error_message" not in session.inference.values
