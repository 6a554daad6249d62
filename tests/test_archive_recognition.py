"""Recognition at archive scale, when the archive slice is here (../shared/kbarchive): a
few thousand imported articles, each recognised from its own message as people paste it
(whole, with their own file name where the article has a placeholder, partly, misspelled),
after the questions the bot asks to tell it apart from the articles that share it."""

from __future__ import annotations

import io
import random
import re
from collections.abc import Callable
from pathlib import Path

import pytest

import advisor
from advisor.importing.run import run

ROOT = Path(__file__).resolve().parent.parent
ARCHIVE = ROOT.parent / "shared" / "kbarchive" / "kb"
pytestmark = pytest.mark.skipif(not ARCHIVE.is_dir(), reason=f"no archive at {ARCHIVE}")

SAMPLE = 80


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> advisor.KnowledgeBase:
    into = tmp_path_factory.mktemp("archive") / "kb"
    run(sorted(ARCHIVE.iterdir())[::3], into, errors=io.StringIO())  # a third of it
    return advisor.load(into)


def ends_on(kb: advisor.KnowledgeBase, article: str, pasted: str) -> str | None:
    """The first article concluded when someone in `article`'s situation pastes `pasted`
    and answers what they are asked."""
    facts, own = kb.knowledge.facts, kb.knowledge.articles[article]
    session = kb.new_session()
    session.start()
    reply = session.send(pasted)
    for _ in range(8):
        question = reply.question
        if question is None:
            break
        ids = [c.id for c in question.choices]
        if question.fact in own.distinguish:
            mine = next((v for v in own.distinguish[question.fact] if v in ids), None)
            answer = facts[question.fact].label(mine) if mine else "I don't know"
        elif question.fact == "situation":
            answer = str(ids.index(article) + 1) if article in ids else "I don't know"
        elif question.kind == "yesno" and question.text.startswith("Did you mean"):
            answer = "yes"
        elif question.kind == "choice" and question.fact == "error_message":
            texts = [" ".join(c.label.lower().split()) for c in question.choices]
            quoted = [" ".join(m.lower().split()) for m in own.samples["error_text"]]
            answer = next((str(n + 1) for n, t in enumerate(texts) if t in quoted), "none")
        elif question.kind == "text":
            break
        else:
            answer = "I don't know"
        reply = session.send(answer)
    return next((a for a, c in session.inference.outcomes.items() if c.status == "applies"), None)


def filled(message: str) -> str:
    """The message as a person's program prints it: its own values for the placeholders."""
    return re.sub(r"<[^<>]*>", r"C:\\Mail\\Inbox.dbx", message)


def misspelled(message: str) -> str:
    """Two letters swapped in each of two long words."""
    words = message.split()
    long = [n for n, w in enumerate(words) if len(w) >= 7 and w.isalpha()][:2]
    for n in long:
        w = words[n]
        words[n] = w[:3] + w[4] + w[3] + w[5:]
    return " ".join(words)


def partly(message: str) -> str:
    """The first two thirds of it, as remembered."""
    words = message.split()
    return " ".join(words[: max(4, len(words) * 2 // 3)])


@pytest.mark.parametrize(
    ("how", "change", "rate"),
    [
        ("whole", str, 0.97),
        ("filled", filled, 0.95),
        ("misspelled", misspelled, 0.9),
        ("partly", partly, 0.85),
    ],
)
def test_articles_are_recognised_from_their_own_messages(
    kb: advisor.KnowledgeBase, how: str, change: Callable[[str], str], rate: float
) -> None:
    articles = sorted(
        a for a, art in kb.knowledge.articles.items() if art.samples.get("error_text")
    )
    assert len(articles) > 1000
    sample = random.Random(12).sample(articles, SAMPLE)
    wrong = []
    for article in sample:
        message = kb.knowledge.articles[article].samples["error_text"][0]
        if ends_on(kb, article, change(message)) != article:
            wrong.append((article, change(message)[:70]))
    print(f"\n{how}: {SAMPLE - len(wrong)} of {SAMPLE}; wrong: {wrong[:5]}")
    assert (SAMPLE - len(wrong)) / SAMPLE >= rate
