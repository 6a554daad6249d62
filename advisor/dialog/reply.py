"""What the session says back: typed messages, the pending question, whether it is over."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from advisor.knowledge.model import Question

# The message types a frontend can meet, with what each carries besides `text`.
MESSAGE_TYPES = {
    "greeting": "the opening line, or a greeting back",
    "invalid": "an answer that was not taken, and why; the same question follows",
    "understood": "what was read from a message (`facts`: [{fact, value, label, said}])",
    "hint": "help with the question asked: how to find the answer, what to paste",
    "diagnosis": "the article that matches (`article`)",
    "cause": "the cause the article gives",
    "not_applicable": "an article that does not apply, and why (`article`)",
    "no_match": "no article in the knowledge base fits",
    "intro": "the sentence that opens a resolution",
    "step": "one step (`id`, `number` such as 2.3, `level` 1-3)",
    "note": "a note under a step (`id`, `level`)",
    "warning": "a warning under a step (`id`, `level`)",
    "workaround": "another way around the problem, after the steps",
    "more_info": "why the problem happens",
    "ended": "input after the conversation ended; it was not used",
    "explanation": "an answer to /why or /how (`title`, `reasons`)",
    "facts": "an answer to /facts (`title`, `reasons`)",
    "help": "the list of commands",
    "info": "what a command did (/back, /change, /restart), or a remark on a message",
    "goodbye": "the conversation was ended by /quit",
}


@dataclass(frozen=True)
class Message:
    type: str
    text: str
    extra: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        if self.type not in MESSAGE_TYPES:
            raise ValueError(f"unknown message type {self.type!r}")

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "text": self.text, **self.extra}


def question_dict(question: Question) -> dict[str, Any]:
    return {
        "id": question.fact,
        "text": question.text,
        "kind": question.kind,
        "choices": [{"id": c.id, "label": c.label} for c in question.choices],
    }


@dataclass(frozen=True)
class Reply:
    """One turn of the bot: its messages, then the question it waits on (None when done)."""

    messages: tuple[Message, ...]
    question: Question | None
    done: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "messages": [m.to_dict() for m in self.messages],
            "question": question_dict(self.question) if self.question is not None else None,
            "done": self.done,
        }

    def of_type(self, kind: str) -> list[Message]:
        return [m for m in self.messages if m.type == kind]
