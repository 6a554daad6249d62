"""Replies as plain text: what the terminal prints and what transcripts record."""

from __future__ import annotations

from collections.abc import Iterator

from advisor.knowledge import Question
from advisor.reply import Message, Reply

_LABELS = {"cause": "Cause", "note": "Note", "warning": "Warning", "more_info": "More information"}
_INDENT = {1: "", 2: "  ", 3: "     "}


def message_lines(message: Message) -> list[str]:
    level = int(message.extra.get("level", 1))
    indent = _INDENT.get(level, "  " * level)
    text = message.text
    if message.type == "step":
        number = str(message.extra.get("number", ""))
        if level == 1:
            text = f"Step {number}: {text}"
        elif level == 2:
            text = f"{number.rsplit('.', 1)[-1]}. {text}"
        else:
            text = f"- {text}"
    elif message.type in _LABELS:
        text = f"{_LABELS[message.type]}: {text}"
    return [indent + line if line else line for line in text.split("\n")]


def question_lines(question: Question) -> list[str]:
    lines = [question.text]
    lines.extend(f"  {n}. {c.label}" for n, c in enumerate(question.choices, 1))
    return lines


def reply_lines(reply: Reply) -> Iterator[str]:
    for message in reply.messages:
        yield from message_lines(message)
    if reply.question is not None:
        yield from question_lines(reply.question)
