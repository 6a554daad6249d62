"""What every store is: the record of a conversation, the slot a turn changes it in, the
interface of a store, and the errors they raise."""

from __future__ import annotations

import json
import math
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from advisor.errors import AdvisorError


class StoreError(AdvisorError):
    """The store cannot be reached or used; the request may be retried."""


class Busy(StoreError):
    """Another turn of the conversation held it for longer than a request waits."""


class WouldWait(StoreError):
    """The conversation is held by another turn, and this caller may not wait for it: it
    runs on the event loop (see `without_waiting`), which would stop every request."""


# Whether a store call may wait for another turn's lock; the event loop's calls may not.
may_wait: ContextVar[bool] = ContextVar("may_wait", default=True)


@contextmanager
def without_waiting() -> Iterator[None]:
    """Store calls in this block raise WouldWait rather than wait for a held conversation."""
    token = may_wait.set(False)
    try:
        yield
    finally:
        may_wait.reset(token)


class Conflict(StoreError):
    """Another turn of the conversation was saved first: do this turn again on its result."""


@dataclass
class Record:
    """One conversation as stored: all but its turns, which are in the store's log."""

    id: str
    token_hash: str
    state: dict[str, Any]
    created: float
    updated: float
    feedback: list[dict[str, Any]] = field(default_factory=list)  # {"solved", "comment", "at"}
    handoffs: list[dict[str, Any]] = field(default_factory=list)  # {"contact", "comment", "at"}
    logged: int = 0  # turns in the log
    # What a turn needs of the earlier ones: the number of the turn of each
    # client_message_id (to answer a retry), and each type of message said, with when it
    # first was (for the report).
    messages: dict[str, int] = field(default_factory=dict)
    said: dict[str, float] = field(default_factory=dict)
    # Turns added since the record was read, each {"sent", "client_message_id", "reply",
    # "at"} (the opening's sent is None): the next save adds them to the log.
    unlogged: list[dict[str, Any]] = field(default_factory=list)

    @property
    def count(self) -> int:
        """The turns so far, the opening included."""
        return self.logged + len(self.unlogged)

    def add(self, turn: dict[str, Any]) -> None:
        if turn["client_message_id"] is not None:
            self.messages[turn["client_message_id"]] = self.count
        for message in turn["reply"]["messages"]:
            self.said.setdefault(message["type"], turn["at"])
        self.unlogged.append(turn)

    def dumps(self) -> str:
        data = {k: v for k, v in vars(self).items() if k not in ("id", "unlogged")}
        data["logged"] = self.count  # as it will be once saved
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    def logs(self) -> list[str]:
        """The turns to add to the log, as stored."""
        return [json.dumps(t, ensure_ascii=False, separators=(",", ":")) for t in self.unlogged]

    def saved(self) -> None:
        self.logged, self.unlogged = self.count, []

    @classmethod
    def loads(cls, conversation_id: str, text: str) -> Record:
        data = json.loads(text)
        old = data.pop("turns", None)
        record = cls(id=conversation_id, **data)
        # A record of before the log held its turns: they are logged by its next save.
        for turn in old or ():
            record.add(turn)
        return record


class Slot:
    """A conversation's record while its lock is held; `save` has it written on the way out,
    with the conversation's summary when one is given, in one write."""

    def __init__(self, record: Record | None) -> None:
        self.record = record
        self.saved: Record | None = None
        self.summary: dict[str, Any] | None = None

    def save(self, record: Record, summary: dict[str, Any] | None = None) -> None:
        self.saved, self.summary = record, summary


class Store(ABC):
    def __init__(self, *, idle_timeout: float, lock_wait: float) -> None:
        self.idle_timeout = idle_timeout
        self.lock_wait = lock_wait

    @abstractmethod
    def create(self, record: Record, summary: dict[str, Any] | None = None) -> None:
        """Keep a new conversation, its turns so far (the opening) in its log, and its
        summary for the report in the same write.

        A summary (`summary["id"]`, `summary["started"]`, and what the report counts)
        replaces the conversation's earlier one, and outlives the conversation."""

    @abstractmethod
    def load(self, conversation_id: str) -> Record | None:
        """The record as it is now (None when unknown or expired), without waiting for a turn."""

    @abstractmethod
    def locked(self, conversation_id: str) -> AbstractContextManager[Slot]:
        """Hold the conversation for one turn; raises Busy when that takes over `lock_wait`.
        A save writes the record and adds its new turns to the log."""

    def turns(
        self, record: Record, start: int = 0, stop: int | None = None
    ) -> list[dict[str, Any]]:
        """The record's turns from `start` to `stop` (as in a slice): those in the log as
        the record was read (a turn since is not shown with an older record), then those
        not saved yet."""
        stop = record.count if stop is None else min(stop, record.count)
        last = min(stop, record.logged)
        logged = self._logged(record.id, start, last) if start < last else []
        return logged + record.unlogged[max(0, start - record.logged) : stop - record.logged]

    @abstractmethod
    def _logged(self, conversation_id: str, start: int, stop: int) -> list[dict[str, Any]]:
        """Turns `start` to `stop` of a conversation's log."""

    @abstractmethod
    def hit(self, client: str, limit: int, window: float) -> float | None:
        """Count a request of `client`: None within `limit` per `window`, else seconds to wait."""

    @abstractmethod
    def ping(self) -> None:
        """Raise StoreError when the store cannot be used."""

    @abstractmethod
    def probe(self) -> None:
        """Read and write something; raise StoreError when either fails (a full disk)."""

    # -- what the report needs, kept as conversations go --------------------------------

    @abstractmethod
    def summaries(self, since: float = 0.0) -> Iterator[dict[str, Any]]:
        """The summaries of the conversations started at `since` or later."""

    # -- the outbox: what is delivered to the operator's webhook, at least once ----------

    @abstractmethod
    def post(self, item_id: str, body: str) -> None:
        """Put a delivery in the outbox, due now."""

    @abstractmethod
    def due(self, lease: float, limit: int) -> list[Outgoing]:
        """Take up to `limit` deliveries that are due, hiding them from every other worker
        for `lease` seconds (after which one that was not settled is due again)."""

    @abstractmethod
    def delivered(self, item_id: str) -> None: ...

    @abstractmethod
    def retry(self, item_id: str, attempts: int, at: float) -> None:
        """Try the delivery again at `at`, its `attempts`-th try so far having failed."""

    @abstractmethod
    def close(self) -> None: ...


@dataclass(frozen=True)
class Outgoing:
    id: str
    body: str
    attempts: int  # tries that failed so far


SUMMARIES_KEPT = 400 * 24 * 3600.0  # seconds a conversation's summary is kept for reports


def window_wait(window: float, now: float) -> float:
    """Seconds until the fixed window that `now` falls in ends."""
    return (math.floor(now / window) + 1) * window - now
