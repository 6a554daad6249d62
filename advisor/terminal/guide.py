"""A walk through the steps of a resolution, one step at a time.

The terminal offers it after a diagnosis; this module only decides what to show and what
an answer means, so it is tested without a terminal. Messages are in their JSON form.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from advisor.dialog import commands

Data = Mapping[str, Any]
RESOLUTION = {"step", "note", "warning"}

DONE = {"", "done", "d", "ok", "next", "yes", "y"}
SKIP = {"skip", "s"}
# At a step no question waits, so /why asks about the step; other commands are the session's.
WHY = {"why", "w", "/why"}
HELP = {"help", "h", "?"}
ALL = {"all", "a"}
QUIT = {"quit", "q", "stop"}
KEYS = (
    "Enter or done: it is done · skip · why: why this step · all: show the rest · quit"
    " · /help: the commands, which work here too"
)
Meaning = Literal["next", "why", "help", "all", "quit", "command", "unknown"]


@dataclass
class Stop:
    """What to show at one stop, and the step to do there (None: only to read)."""

    messages: list[Data]
    step: Data | None = None


@dataclass
class Resolution:
    """A reply's messages split into what comes before the steps, the stops, and after."""

    before: list[Data]
    stops: list[Stop]
    after: list[Data]


def split(messages: list[Data]) -> Resolution:
    """Each level-2 step is a stop, with its sub-steps and the notes and warnings that follow
    it; a section title and its opening notes go with the section's first stop."""
    items = [i for i, m in enumerate(messages) if m["type"] in RESOLUTION]
    if not items:
        return Resolution(list(messages), [], [])
    first, last = items[0], items[-1]
    stops: list[Stop] = []
    pending: list[Data] = []  # a section title and its opening notes, before its first step
    for m in messages[first : last + 1]:
        level = int(m.get("level", 1))
        if m["type"] == "step" and level == 1 and _has_children(messages, m):
            pending = [m]
        elif m["type"] == "step" and level <= 2:
            stops.append(Stop([*pending, m], m))
            pending = []
        elif level == 1:
            stops.append(Stop([*pending, m]))
            pending = []
        elif pending or not stops:
            pending.append(m)
        else:
            stops[-1].messages.append(m)
    if pending:
        stops.append(Stop(pending))
    return Resolution(list(messages[:first]), stops, list(messages[last + 1 :]))


def _has_children(messages: list[Data], step: Data) -> bool:
    prefix = f"{step.get('number', '')}."
    return any(str(m.get("number", "")).startswith(prefix) for m in messages)


@dataclass
class Guide:
    resolution: Resolution
    index: int = 0
    done: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    shown: list[str] = field(default_factory=list)  # given all at once, not walked through
    mode: Literal["guided", "all"] | None = None  # how the person chose to see the steps

    @property
    def current(self) -> Stop | None:
        return (
            self.resolution.stops[self.index] if self.index < len(self.resolution.stops) else None
        )

    def advance(self) -> None:
        self.index += 1

    def answer(self, text: str) -> Meaning:
        """What an answer at the current step means; records done and skipped steps, and
        moves on (past the step for "all", to the end for "quit")."""
        said = text.strip().lower()
        stop = self.current
        if stop is None or stop.step is None:
            return "next"
        if said in WHY:
            return "why"
        if said in HELP:
            return "help"
        if said in QUIT:
            self.index = len(self.resolution.stops)
            return "quit"
        if said in ALL:
            self.advance()  # this step was shown: the rest follow it, all at once
            return "all"
        if said not in DONE | SKIP:
            return "command" if commands.parse(said) is not None else "unknown"
        (self.done if said in DONE else self.skipped).append(str(stop.step["id"]))
        self.advance()
        return "next"

    def rest(self) -> list[Stop]:
        """The stops not walked through, to show all at once (their steps count as shown)."""
        stops = self.resolution.stops[self.index :]
        self.index = len(self.resolution.stops)
        self.shown += [str(m["id"]) for s in stops for m in s.messages if m["type"] == "step"]
        return stops
