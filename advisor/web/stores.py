"""Where conversations live between requests: SQLite on one machine, Redis for several.

No worker keeps a conversation in memory: each request loads its record, and a turn
changes it inside `Store.locked`, which no other turn of the same conversation enters at
the same time, in any thread, process or machine. A record is the session's small state,
a hash of its token, and the turns so far (for GET and for idempotent retries); it is
removed once it has been idle for `idle_timeout` seconds. The stores also count requests
per client for the rate limit, so that every worker counts against the same budget.
"""

from __future__ import annotations

import json
import logging
import math
import sqlite3
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any, cast

import redis
import redis.exceptions

from advisor.errors import AdvisorError

log = logging.getLogger("advisor.web")

# How long a Redis lock outlives a worker that died holding it. A turn takes milliseconds.
LOCK_TTL = 30.0


class StoreError(AdvisorError):
    """The store cannot be reached or used; the request may be retried."""


class Busy(StoreError):
    """Another turn of the conversation held it for longer than a request waits."""


class Conflict(StoreError):
    """Another turn of the conversation was saved first: do this turn again on its result."""


@dataclass
class Record:
    """One conversation as stored."""

    id: str
    token_hash: str
    state: dict[str, Any]
    # {"sent", "client_message_id", "reply", "at"}; the first is the opening, sent None
    turns: list[dict[str, Any]]
    created: float
    updated: float

    def dumps(self) -> str:
        data = {k: v for k, v in vars(self).items() if k != "id"}
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def loads(cls, conversation_id: str, text: str) -> Record:
        return cls(id=conversation_id, **json.loads(text))


class Slot:
    """A conversation's record while its lock is held; `save` has it written on the way out."""

    def __init__(self, record: Record | None) -> None:
        self.record = record
        self.saved: Record | None = None

    def save(self, record: Record) -> None:
        self.saved = record


class Store(ABC):
    def __init__(self, *, idle_timeout: float, lock_wait: float) -> None:
        self.idle_timeout = idle_timeout
        self.lock_wait = lock_wait

    @abstractmethod
    def create(self, record: Record) -> None: ...

    @abstractmethod
    def load(self, conversation_id: str) -> Record | None:
        """The record as it is now (None when unknown or expired), without waiting for a turn."""

    @abstractmethod
    def locked(self, conversation_id: str) -> AbstractContextManager[Slot]:
        """Hold the conversation for one turn; raises Busy when that takes over `lock_wait`."""

    @abstractmethod
    def hit(self, client: str, limit: int, window: float) -> float | None:
        """Count a request of `client`: None within `limit` per `window`, else seconds to wait."""

    @abstractmethod
    def ping(self) -> None:
        """Raise StoreError when the store cannot be used."""

    @abstractmethod
    def close(self) -> None: ...


def _wait(window: float, now: float) -> float:
    """Seconds until the fixed window that `now` falls in ends."""
    return (math.floor(now / window) + 1) * window - now


_SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY,
    updated REAL NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS conversations_updated ON conversations (updated);
CREATE TABLE IF NOT EXISTS hits (
    client TEXT PRIMARY KEY,
    period INTEGER NOT NULL,
    count INTEGER NOT NULL,
    expires REAL NOT NULL
);
"""


class SQLiteStore(Store):
    """One file, shared by the worker processes of one machine; survives a restart.

    WAL mode lets readers go on while another connection writes. A turn is optimistic: it
    reads the record, does its work with no lock held, and saves only if the record is still
    what it read (compare and swap, in one short write); if another turn of the conversation
    came first, it raises Conflict and the turn is done again on the newer record. So turns
    of one conversation never interleave, and turns of different conversations never wait
    for each other's inference, only for each other's few-microsecond writes.
    """

    def __init__(self, path: str, *, idle_timeout: float, lock_wait: float) -> None:
        super().__init__(idle_timeout=idle_timeout, lock_wait=lock_wait)
        self.path = path
        # sqlite3 connections are not shared between threads: one per thread, all closed
        # together by `close`.
        self._local = threading.local()
        self._opened: list[sqlite3.Connection] = []
        self._opened_lock = threading.Lock()
        self._purged = 0.0
        with self._errors():
            self._db().executescript(_SCHEMA)

    def _db(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(
                self.path, timeout=self.lock_wait, isolation_level=None, check_same_thread=False
            )
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            self._local.db = db
            with self._opened_lock:
                self._opened.append(db)
        return db

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise Busy(f"the database {self.path} is busy") from exc
            raise StoreError(f"the database {self.path}: {exc}") from exc

    def create(self, record: Record) -> None:
        with self._errors():
            self._purge(record.created)
            self._db().execute(
                "INSERT INTO conversations (id, updated, data) VALUES (?, ?, ?)",
                (record.id, record.updated, record.dumps()),
            )

    def _purge(self, now: float) -> None:
        # Expired rows are also invisible to `load`, so deleting them can wait: at most once
        # a minute per process, when a conversation starts.
        if now - self._purged < min(60.0, self.idle_timeout):
            return
        self._purged = now
        db = self._db()
        db.execute("DELETE FROM conversations WHERE updated < ?", (now - self.idle_timeout,))
        db.execute("DELETE FROM hits WHERE expires < ?", (now,))

    def _row(self, conversation_id: str) -> str | None:
        row = (
            self._db()
            .execute(
                "SELECT data FROM conversations WHERE id = ? AND updated >= ?",
                (conversation_id, time.time() - self.idle_timeout),
            )
            .fetchone()
        )
        return None if row is None else str(row[0])

    def load(self, conversation_id: str) -> Record | None:
        with self._errors():
            text = self._row(conversation_id)
        return None if text is None else Record.loads(conversation_id, text)

    @contextmanager
    def locked(self, conversation_id: str) -> Iterator[Slot]:
        with self._errors():
            read = self._row(conversation_id)
        slot = Slot(None if read is None else Record.loads(conversation_id, read))
        yield slot
        if slot.saved is not None:
            with self._errors():
                saved = self._db().execute(
                    "UPDATE conversations SET updated = ?, data = ? WHERE id = ? AND data = ?",
                    (slot.saved.updated, slot.saved.dumps(), conversation_id, read),
                )
            if saved.rowcount != 1:
                raise Conflict(f"conversation {conversation_id} changed during the turn")

    def hit(self, client: str, limit: int, window: float) -> float | None:
        now = time.time()
        period = math.floor(now / window)
        with self._errors():
            (count,) = (
                self._db()
                .execute(
                    """
                    INSERT INTO hits (client, period, count, expires) VALUES (?, ?, 1, ?)
                    ON CONFLICT (client) DO UPDATE SET
                        count = CASE WHEN period = excluded.period THEN count + 1 ELSE 1 END,
                        period = excluded.period,
                        expires = excluded.expires
                    RETURNING count
                    """,
                    (client, period, (period + 1) * window),
                )
                .fetchone()
            )
        return None if count <= limit else _wait(window, now)

    def ping(self) -> None:
        with self._errors():
            self._db().execute("SELECT 1").fetchone()

    def close(self) -> None:
        with self._opened_lock:
            for db in self._opened:
                db.close()
            self._opened.clear()
        self._local = threading.local()


class RedisStore(Store):
    """Redis, shared by any number of processes and machines.

    A record is one string key whose expiry is reset by every turn, so Redis itself removes
    idle conversations. A turn holds a Redis lock on its conversation (with a TTL, so a
    worker that dies mid-turn does not block the conversation for good).
    """

    def __init__(
        self, url: str, *, idle_timeout: float, lock_wait: float, prefix: str = "advisor:"
    ) -> None:
        super().__init__(idle_timeout=idle_timeout, lock_wait=lock_wait)
        self.url = url
        self.prefix = prefix
        self.redis = redis.Redis.from_url(
            url, decode_responses=True, socket_timeout=5, socket_connect_timeout=5
        )
        self.ping()

    def _key(self, kind: str, name: str) -> str:
        return f"{self.prefix}{kind}:{name}"

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except redis.exceptions.ConnectionError as exc:  # TimeoutError is one too
            raise StoreError(f"Redis at {self.url}: {exc}") from exc

    def _write(self, record: Record) -> None:
        key = self._key("conversation", record.id)
        self.redis.set(key, record.dumps(), px=math.ceil(self.idle_timeout * 1000))

    def create(self, record: Record) -> None:
        with self._errors():
            self._write(record)

    def load(self, conversation_id: str) -> Record | None:
        with self._errors():
            # A str, with decode_responses; redis-py's types do not follow that setting.
            text = cast(str | None, self.redis.get(self._key("conversation", conversation_id)))
        return None if text is None else Record.loads(conversation_id, text)

    @contextmanager
    def locked(self, conversation_id: str) -> Iterator[Slot]:
        lock = self.redis.lock(
            self._key("lock", conversation_id),
            timeout=LOCK_TTL,
            sleep=0.005,
            blocking_timeout=self.lock_wait,
            # Released in the thread that took it; the thread-local token is not needed.
            thread_local=False,
        )
        with self._errors():
            if not lock.acquire():
                raise Busy(f"conversation {conversation_id} is busy")
        try:
            slot = Slot(self.load(conversation_id))
            yield slot
            if slot.saved is not None:
                with self._errors():
                    self._write(slot.saved)
        finally:
            try:
                with self._errors():
                    lock.release()
            except redis.exceptions.LockError:
                log.warning("the lock of conversation %s expired during a turn", conversation_id)

    def hit(self, client: str, limit: int, window: float) -> float | None:
        now = time.time()
        key = self._key("hits", f"{client}:{math.floor(now / window)}")
        with self._errors():
            pipe = self.redis.pipeline()
            pipe.incr(key)
            pipe.expire(key, math.ceil(window), nx=True)
            count, _ = pipe.execute()
        return None if int(count) <= limit else _wait(window, now)

    def ping(self) -> None:
        with self._errors():
            self.redis.ping()

    def close(self) -> None:
        self.redis.close()


def open_store(url: str, *, idle_timeout: float, lock_wait: float) -> Store:
    """The store named by `url`: `sqlite:PATH`, or `redis://`, `rediss://`, `unix://` for Redis."""
    if url.startswith("sqlite:"):
        path = url.removeprefix("sqlite:").removeprefix("//")
        if not path:
            raise StoreError("sqlite: needs a file, as in sqlite:advisor.sqlite3")
        return SQLiteStore(path, idle_timeout=idle_timeout, lock_wait=lock_wait)
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisStore(url, idle_timeout=idle_timeout, lock_wait=lock_wait)
    raise StoreError(f"unknown store {url!r}: use sqlite:PATH or redis://HOST:PORT/DB")
