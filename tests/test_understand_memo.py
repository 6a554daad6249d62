"""Short messages are read once: what a text says at a question is remembered."""

from __future__ import annotations

import pytest

from advisor import KnowledgeBase
from advisor.language import understand
from advisor.language.reader import Read
from advisor.language.understand import Understander


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch, kb: KnowledgeBase) -> tuple[Understander, list[str]]:
    """A fresh understander of the bundled rules, and the texts its reader read."""
    understander = Understander(kb.knowledge)
    texts: list[str] = []
    read = understander.reader.read

    def counted(text: str) -> Read:
        texts.append(text)
        return read(text)

    monkeypatch.setattr(understander.reader, "read", counted)
    return understander, texts


def test_a_short_answer_is_read_once_at_each_question(
    reads: tuple[Understander, list[str]], kb: KnowledgeBase
) -> None:
    understander, texts = reads
    service = kb.knowledge.facts["mail_service"].question
    connection = kb.knowledge.facts["connection"].question
    assert service is not None and connection is not None
    first = understander.understand("MSN", service)
    assert understander.understand("MSN", service) is first
    assert texts == ["MSN"]
    # At another question the same words may answer otherwise: read there too.
    understander.understand("MSN", connection)
    assert texts == ["MSN", "MSN"]
    # What was remembered is what a reading gives.
    fresh = Understander(kb.knowledge).understand("MSN", service)
    assert first.answer == fresh.answer and first.readings == fresh.readings


def test_long_texts_are_not_remembered(reads: tuple[Understander, list[str]]) -> None:
    understander, texts = reads
    question = understander.knowledge.facts["error_text"].question
    assert question is not None
    paste = "Error Number: 0x800CCC0F " + "x" * understand.REMEMBERED_LENGTH
    understander.understand(paste, question)
    understander.understand(paste, question)
    assert texts == [paste, paste]


def test_the_least_recently_used_is_forgotten(
    reads: tuple[Understander, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    understander, texts = reads
    monkeypatch.setattr(understand, "REMEMBERED", 2)
    question = understander.knowledge.facts["mail_service"].question
    assert question is not None
    for text in ["msn", "hotmail", "msn", "isp", "msn", "hotmail"]:
        understander.understand(text, question)
    assert texts == ["msn", "hotmail", "isp", "hotmail"]
