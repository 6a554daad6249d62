"""Whole conversations written by someone who had not seen advisor: each must end where its
writer expected, showing what it must show, except where `differs` says why advisor
deliberately does otherwise (and then it must end as `instead` says)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from advisor import KnowledgeBase

FILE = Path(__file__).resolve().parent.parent / "transcripts" / "conversations.yaml"
CONVERSATIONS: list[dict[str, Any]] = yaml.safe_load(FILE.read_text())["conversations"]


def ending(kb: KnowledgeBase, says: list[str]) -> tuple[str, str]:
    """Where a conversation ends (an article, no_match or asks_more), and all it showed."""
    session = kb.new_session()
    replies = [session.start(), *(session.send(str(line)) for line in says)]
    messages = [m for r in replies for m in r.messages]
    shown = "\n".join(m.text for m in messages)
    articles = [m.extra["article"] for m in messages if m.type == "diagnosis"]
    if articles:
        return articles[-1], shown
    if any(m.type == "no_match" for m in messages):
        return "no_match", shown
    return ("asks_more" if not session.done else "ended"), shown


def test_the_file_is_the_blind_set() -> None:
    assert len(CONVERSATIONS) == 45
    assert sum(1 for c in CONVERSATIONS if "differs" in c) <= 2


@pytest.mark.parametrize("conversation", CONVERSATIONS, ids=[c["name"] for c in CONVERSATIONS])
def test_a_conversation_ends_where_its_writer_expected(
    kb: KnowledgeBase, conversation: dict[str, Any]
) -> None:
    got, shown = ending(kb, conversation["says"])
    expect = conversation["expect"]
    if "differs" in conversation:
        assert got == conversation["instead"], shown
        return
    assert got == expect["ending"], shown
    for words in expect.get("must_show") or []:
        assert str(words) in shown
    for words in expect.get("must_not_show") or []:
        assert str(words) not in shown
