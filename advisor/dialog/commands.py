"""Slash commands (`/why`, `/back` ...), understood at every question by every frontend.

Each command calls a public method of the session, so a program can use the same
explanations and controls without typing commands.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Protocol

from advisor.dialog import wording
from advisor.dialog.explain import Explanation
from advisor.dialog.reply import Message, Reply


class Controls(Protocol):
    """What a command needs of a conversation (a `Session` has it)."""

    def reply(self, messages: list[Message]) -> Reply: ...
    def why(self, ids: bool = False) -> Explanation: ...
    def how(self, target: str | None = None, ids: bool = False) -> Explanation: ...
    def facts(self, ids: bool = False) -> Explanation: ...
    def back(self) -> Reply: ...
    def change(self, fact: str, answer: str = "") -> Reply: ...
    def restart(self) -> Reply: ...
    def quit(self) -> Reply: ...


# `/word` or `/word arguments`; a pasted path such as /var/log/mail is not a command.
_COMMAND = re.compile(r"^/([A-Za-z]+)(?:\s+(.*))?$", re.DOTALL)


def _explained(kind: str, explanation: Explanation) -> Message:
    return Message(kind, explanation.text, explanation.to_dict())


def _for_authors(args: str) -> tuple[str, bool]:
    """The arguments without `--ids`, and whether it was there (ids are for authors)."""
    words = args.split()
    return " ".join(w for w in words if w != wording.IDS), wording.IDS in words


def _why(session: Controls, args: str) -> Reply:
    _, ids = _for_authors(args)
    return session.reply([_explained("explanation", session.why(ids))])


def _how(session: Controls, args: str) -> Reply:
    target, ids = _for_authors(args)
    return session.reply([_explained("explanation", session.how(target or None, ids))])


def _facts(session: Controls, args: str) -> Reply:
    _, ids = _for_authors(args)
    return session.reply([_explained("facts", session.facts(ids))])


def _help(session: Controls, _: str) -> Reply:
    lines = [wording.HELP, *(f"  /{name:<8} {text}" for name, (text, _) in COMMANDS.items())]
    return session.reply([Message("help", "\n".join(lines))])


def _change(session: Controls, args: str) -> Reply:
    fact, _, answer = args.partition(" ")
    return session.change(fact.strip(), answer.strip())


COMMANDS: dict[str, tuple[str, Callable[[Controls, str], Reply]]] = {
    "why": ("why I ask this question (add --ids for the rules by id)", _why),
    "how": ("how I concluded: /how, or /how 2.3 for a step, /how windows for a fact", _how),
    "facts": ("what I know, and where each fact came from", _facts),
    "back": ("take back your last answer", lambda s, _: s.back()),
    "change": ("change an earlier answer: /change windows (or /change windows 98)", _change),
    "restart": ("start again", lambda s, _: s.restart()),
    "quit": ("end the conversation", lambda s, _: s.quit()),
    "help": ("this list", _help),
}


def parse(said: str) -> tuple[str, str] | None:
    """(command, arguments) when `said` is a command, else None."""
    match = _COMMAND.match(said)
    return (match[1].lower(), match[2] or "") if match else None


def run(session: Controls, name: str, args: str) -> Reply:
    command = COMMANDS.get(name)
    if command is None:
        return session.reply([Message("invalid", wording.UNKNOWN_COMMAND.format(name=name))])
    return command[1](session, args)
