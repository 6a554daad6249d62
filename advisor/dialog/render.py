"""Replies as plain text, from their JSON form (`Reply.to_dict()`).

Working from the JSON form lets every renderer serve a local session and a remote one
alike; the terminal and the transcripts differ only in how a question is shown.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator, Mapping
from typing import Any

from advisor.dialog.wording import HANDOFF
from advisor.language.text import excerpt

Data = Mapping[str, Any]

_LABELS = {
    "cause": "Cause",
    "note": "Note",
    "warning": "Warning",
    "workaround": "Workaround",
    "more_info": "More information",
}
_INDENT = {1: "", 2: "  ", 3: "     "}


def message_lines(message: Data) -> list[str]:
    level = int(message.get("level", 1))
    indent = _INDENT.get(level, "  " * level)
    text = str(message.get("text", ""))
    kind = message.get("type")
    if kind == "step":
        number = str(message.get("number", ""))
        if level == 1:
            text = f"Step {number}: {text}"
        elif level == 2:
            text = f"{number.rsplit('.', 1)[-1]}. {text}"
        else:
            text = f"- {text}"
    elif kind in _LABELS:
        text = f"{_LABELS[kind]}: {text}"
    return [indent + line if line else line for line in text.split("\n")]


def question_lines(question: Data) -> list[str]:
    """A question as the terminal shows it: choices numbered."""
    lines = [str(question["text"])]
    lines.extend(f"  {n}. {c['label']}" for n, c in enumerate(question["choices"], 1))
    return lines


def reply_lines(reply: Data) -> Iterator[str]:
    for message in reply["messages"]:
        yield from message_lines(message)
    if reply["question"] is not None:
        yield from question_lines(reply["question"])


def handoff_lines(data: Data) -> list[str]:
    """`Session.handoff()` as text a support agent can read at a glance."""
    lines = [HANDOFF]
    if data.get("error"):
        lines.append(f"Error: {_shorten(str(data['error']), 200)}")
    for a in data["articles"]:
        verdict = "applies" if a["status"] == "applies" else "does not apply"
        lines.append(f"Article {a['id']} “{a['title']}”: {verdict} (rule {a['rule']})")
    lines.append("Facts:")
    for f in data["facts"]:
        origin = f["source"] + (f", {f['rule']}" if f["rule"] else "")
        lines.append(f"  - {f['describe']}: {_shorten(str(f['label']), 100)} ({origin})")
    if data["steps"]:
        lines.append("Steps:")
        lines.extend(
            f"  {s['number']:<6} {s['status']:<9} {_shorten(s['text'], 70)}" for s in data["steps"]
        )
    return lines


def _shorten(text: str, limit: int) -> str:
    """`text` on one line, cut at a word when it is longer than `limit` (within a word
    only when its first word is that long)."""
    short = textwrap.shorten(text, limit, placeholder="…")
    return short if short.strip("…") else excerpt(text, limit)
