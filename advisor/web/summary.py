"""What the report needs of one conversation, kept in the store as the conversation goes.

A report reads these small summaries, never the conversations' full logs, which expire with
their conversations while the summaries stay (`stores.SUMMARIES_KEPT`).
"""

from __future__ import annotations

from typing import Any

from advisor.dialog.session import Session
from advisor.language.text import excerpt
from advisor.web.stores import Record

# The types of message that end a conversation's diagnosis, one way or another.
_ANSWERED = {"diagnosis", "not_applicable", "no_match"}
NO_MATCH_TEXT = 200  # characters of an unmatched error text kept for the report


def summarize(record: Record, session: Session) -> dict[str, Any]:
    """The conversation as the report counts it: how it ended (if it did), the articles it
    concluded, the question it stopped at, its turns, and what the person said of it."""
    answered_at = min((record.said[t] for t in _ANSWERED if t in record.said), default=None)
    applies = [a for a, c in session.inference.outcomes.items() if c.status == "applies"]
    ruled_out = [a for a, c in session.inference.outcomes.items() if c.status != "applies"]
    if applies and session.done:
        outcome: str | None = "advice"
    elif "no_match" in record.said:
        outcome = "no_match"
    elif ruled_out and session.done:
        outcome = "not_applicable"
    elif "goodbye" in record.said:
        outcome = "quit"
    else:
        outcome = None  # still going, or left
    question = session.question
    return {
        "id": record.id,
        "started": record.created,
        "updated": record.updated,
        "turns": record.count - 1,  # the opening is not a turn of the person
        "outcome": outcome,
        "articles": applies if outcome == "advice" else ruled_out,
        "seconds_to_answer": None if answered_at is None else answered_at - record.created,
        "no_match": _unmatched(session) if outcome == "no_match" else None,
        "question": None if question is None else question.fact,
        "question_text": None if question is None else question.text,
        "solved": record.feedback[-1]["solved"] if record.feedback else None,
        "handed_off": bool(record.handoffs),
    }


def _unmatched(session: Session) -> str | None:
    """What the person typed about the error: the text no message was found in, first."""
    handoff = session.handoff()
    error = next(iter(handoff["unclear"]), None) or handoff["error"]
    return excerpt(str(error), NO_MATCH_TEXT) if error else None
