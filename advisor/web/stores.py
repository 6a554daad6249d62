"""Where conversations live between requests: SQLite on one machine, Redis for several.

No worker keeps a conversation in memory: each request loads its record, and a turn
changes it inside `Store.locked`, which no other turn of the same conversation enters at
the same time, in any thread, process or machine. A record is the session's small state,
a hash of its token and what a turn needs of the turns so far; the turns themselves (for
GET and for idempotent retries) are a log kept beside it, to which a turn only adds: a
long conversation costs no more per turn than a short one. Both are removed once the
conversation has been idle for `idle_timeout` seconds. The stores also count requests
per client for the rate limit, so that every worker counts against the same budget.
"""

from __future__ import annotations

import functools
import json
import logging
import math
import os
import sqlite3
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

import redis
import redis.exceptions
from redis.commands.core import Script

from advisor.errors import AdvisorError

log = logging.getLogger("advisor.web")

# How long a Redis lock outlives a worker that died holding it. A turn takes milliseconds.
LOCK_TTL = 30.0


class StoreError(AdvisorError):
    """The store cannot be reached or used; the request may be retried."""


class Busy(StoreError):
    """Another turn of the conversation held it for longer than a request waits."""


class WouldWait(StoreError):
    """The conversation is held by another turn, and this caller may not wait for it: it
    runs on the event loop (see `without_waiting`), which would stop every request."""


# Whether a store call may wait for another turn's lock; the event loop's calls may not.
_may_wait: ContextVar[bool] = ContextVar("may_wait", default=True)


@contextmanager
def without_waiting() -> Iterator[None]:
    """Store calls in this block raise WouldWait rather than wait for a held conversation."""
    token = _may_wait.set(False)
    try:
        yield
    finally:
        _may_wait.reset(token)


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
    def create(self, record: Record) -> None:
        """Keep a new conversation, its turns so far (the opening) in its log."""

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
    def summarize(self, summary: dict[str, Any]) -> None:
        """Keep a conversation's summary (`summary["id"]`, `summary["started"]`), replacing
        the one it had; summaries outlive their conversations."""

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
CREATE TABLE IF NOT EXISTS turns (
    conversation TEXT NOT NULL,
    n INTEGER NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (conversation, n)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS hits (
    client TEXT PRIMARY KEY,
    period INTEGER NOT NULL,
    count INTEGER NOT NULL,
    expires REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS summaries (
    id TEXT PRIMARY KEY,
    started REAL NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS summaries_started ON summaries (started);
CREATE TABLE IF NOT EXISTS outbox (
    id TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    due REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (due);
CREATE TABLE IF NOT EXISTS probes (
    worker TEXT PRIMARY KEY,
    at REAL NOT NULL
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
            with self._transaction() as db:
                db.execute(
                    "INSERT INTO conversations (id, updated, data) VALUES (?, ?, ?)",
                    (record.id, record.updated, record.dumps()),
                )
                self._log(db, record)
        record.saved()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        db = self._db()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:  # a COMMIT that failed (busy) leaves it open
                db.execute("ROLLBACK")
            raise

    @staticmethod
    def _log(db: sqlite3.Connection, record: Record) -> None:
        db.executemany(
            "INSERT INTO turns (conversation, n, data) VALUES (?, ?, ?)",
            [(record.id, record.logged + n, text) for n, text in enumerate(record.logs())],
        )

    def _logged(self, conversation_id: str, start: int, stop: int) -> list[dict[str, Any]]:
        with self._errors():
            rows = self._db().execute(
                "SELECT data FROM turns WHERE conversation = ? AND n >= ? AND n < ? ORDER BY n",
                (conversation_id, start, stop),
            )
            return [json.loads(data) for (data,) in rows.fetchall()]

    def _purge(self, now: float) -> None:
        # Expired rows are also invisible to `load`, so deleting them can wait: at most once
        # a minute per process, when a conversation starts.
        if now - self._purged < min(60.0, self.idle_timeout):
            return
        self._purged = now
        db = self._db()
        idle = now - self.idle_timeout
        db.execute(
            "DELETE FROM turns WHERE conversation IN "
            "(SELECT id FROM conversations WHERE updated < ?)",
            (idle,),
        )
        db.execute("DELETE FROM conversations WHERE updated < ?", (idle,))
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
        record = slot.saved
        if record is not None:
            with self._errors(), self._transaction() as db:
                saved = db.execute(
                    "UPDATE conversations SET updated = ?, data = ? WHERE id = ? AND data = ?",
                    (record.updated, record.dumps(), conversation_id, read),
                )
                if saved.rowcount != 1:
                    raise Conflict(f"conversation {conversation_id} changed during the turn")
                self._log(db, record)
            record.saved()

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

    def probe(self) -> None:
        with self._errors():
            self._db().execute(
                "INSERT OR REPLACE INTO probes (worker, at) VALUES (?, ?)",
                (str(os.getpid()), time.time()),
            )
            self._db().execute("SELECT count(*) FROM probes").fetchone()

    def summarize(self, summary: dict[str, Any]) -> None:
        with self._errors():
            self._db().execute(
                "INSERT OR REPLACE INTO summaries (id, started, data) VALUES (?, ?, ?)",
                (summary["id"], summary["started"], json.dumps(summary, ensure_ascii=False)),
            )

    def summaries(self, since: float = 0.0) -> Iterator[dict[str, Any]]:
        with self._errors():
            rows = self._db().execute(
                "SELECT data FROM summaries WHERE started >= ? ORDER BY started", (since,)
            )
            for (data,) in rows:
                yield json.loads(data)

    def post(self, item_id: str, body: str) -> None:
        with self._errors():
            self._db().execute(
                "INSERT OR IGNORE INTO outbox (id, body, attempts, due) VALUES (?, ?, 0, ?)",
                (item_id, body, time.time()),
            )

    def due(self, lease: float, limit: int) -> list[Outgoing]:
        now = time.time()
        with self._errors():
            # One statement: two workers never take the same delivery at once.
            rows = self._db().execute(
                """
                UPDATE outbox SET due = ?
                WHERE id IN (SELECT id FROM outbox WHERE due <= ? ORDER BY due LIMIT ?)
                RETURNING id, body, attempts
                """,
                (now + lease, now, limit),
            )
            return [Outgoing(*row) for row in rows.fetchall()]

    def delivered(self, item_id: str) -> None:
        with self._errors():
            self._db().execute("DELETE FROM outbox WHERE id = ?", (item_id,))

    def retry(self, item_id: str, attempts: int, at: float) -> None:
        with self._errors():
            self._db().execute(
                "UPDATE outbox SET attempts = ?, due = ? WHERE id = ?", (attempts, at, item_id)
            )

    def close(self) -> None:
        with self._opened_lock:
            for db in self._opened:
                db.close()
            self._opened.clear()
        self._local = threading.local()


class RedisStore(Store):
    """Redis, shared by any number of processes and machines.

    A record is one string key and its log a list beside it (RPUSH adds a turn); every turn
    resets the expiry of both, so Redis itself removes idle conversations. A turn holds a
    Redis lock on its conversation (with a TTL, so a worker that dies mid-turn does not
    block the conversation for good).
    """

    def __init__(
        self, url: str, *, idle_timeout: float, lock_wait: float, prefix: str = "advisor:"
    ) -> None:
        super().__init__(idle_timeout=idle_timeout, lock_wait=lock_wait)
        self.url = url
        self.prefix = prefix
        self.redis = (
            _sentinel_primary(url)
            if url.startswith("redis+sentinel://")
            else redis.Redis.from_url(
                url, decode_responses=True, socket_timeout=5, socket_connect_timeout=5
            )
        )
        self.ping()

    def _key(self, kind: str, name: str) -> str:
        return f"{self.prefix}{kind}:{name}"

    @functools.cached_property
    def _take(self) -> Script:
        # Atomic in Redis: the deliveries due are pushed back by the lease as they are read.
        return self.redis.register_script(_TAKE)

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except redis.exceptions.LockError:
            raise
        except redis.exceptions.RedisError as exc:  # a hung server times out: no ConnectionError
            raise StoreError(f"Redis at {self.url}: {exc}") from exc

    def _write(self, record: Record) -> None:
        expiry = math.ceil(self.idle_timeout * 1000)
        log = self._key("turns", record.id)
        pipe = self.redis.pipeline()  # MULTI: the record and its log change together
        pipe.set(self._key("conversation", record.id), record.dumps(), px=expiry)
        if record.unlogged:
            pipe.rpush(log, *record.logs())
        pipe.pexpire(log, expiry)
        pipe.execute()
        record.saved()

    def create(self, record: Record) -> None:
        with self._errors():
            self._write(record)

    def _logged(self, conversation_id: str, start: int, stop: int) -> list[dict[str, Any]]:
        with self._errors():
            found = cast(
                list[str], self.redis.lrange(self._key("turns", conversation_id), start, stop - 1)
            )
        return [json.loads(t) for t in found]

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
            if not lock.acquire(blocking=False):
                if not _may_wait.get():
                    raise WouldWait(f"conversation {conversation_id} is held by another turn")
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

    def probe(self) -> None:
        key = self._key("probe", str(os.getpid()))
        with self._errors():
            self.redis.set(key, time.time(), px=60_000)
            self.redis.get(key)

    # Summaries are kept by the day a conversation started, so a report since a date reads
    # only the days after it.
    def summarize(self, summary: dict[str, Any]) -> None:
        day = _day(summary["started"])
        key = self._key("summaries", day)
        with self._errors():
            pipe = self.redis.pipeline()
            pipe.hset(key, summary["id"], json.dumps(summary, ensure_ascii=False))
            pipe.expire(key, math.ceil(SUMMARIES_KEPT))
            pipe.zadd(self._key("summary-days", "all"), {day: summary["started"]}, nx=True)
            pipe.execute()

    def summaries(self, since: float = 0.0) -> Iterator[dict[str, Any]]:
        with self._errors():
            days = cast(list[str], self.redis.zrange(self._key("summary-days", "all"), 0, -1))
        for day in days:
            if day < _day(since):
                continue
            with self._errors():
                found = cast(
                    dict[str, str], self.redis.hgetall(self._key("summaries", day))
                ).values()
            for summary in sorted((json.loads(s) for s in found), key=lambda s: s["started"]):
                if summary["started"] >= since:
                    yield summary

    def post(self, item_id: str, body: str) -> None:
        with self._errors():
            pipe = self.redis.pipeline()
            pipe.hsetnx(self._key("outbox", "bodies"), item_id, body)
            pipe.zadd(self._key("outbox", "due"), {item_id: time.time()}, nx=True)
            pipe.execute()

    def due(self, lease: float, limit: int) -> list[Outgoing]:
        now = time.time()
        with self._errors():
            taken = cast(
                list[str],
                self._take(keys=[self._key("outbox", "due")], args=[now, now + lease, limit]),
            )
            if not taken:
                return []
            bodies = self.redis.hmget(self._key("outbox", "bodies"), taken)
            tries = self.redis.hmget(self._key("outbox", "attempts"), taken)
        return [
            Outgoing(item, str(body), int(attempts or 0))
            for item, body, attempts in zip(taken, bodies, tries, strict=True)
            if body is not None
        ]

    def delivered(self, item_id: str) -> None:
        with self._errors():
            pipe = self.redis.pipeline()
            pipe.zrem(self._key("outbox", "due"), item_id)
            pipe.hdel(self._key("outbox", "bodies"), item_id)
            pipe.hdel(self._key("outbox", "attempts"), item_id)
            pipe.execute()

    def retry(self, item_id: str, attempts: int, at: float) -> None:
        with self._errors():
            pipe = self.redis.pipeline()
            pipe.hset(self._key("outbox", "attempts"), item_id, attempts)
            pipe.zadd(self._key("outbox", "due"), {item_id: at}, xx=True)
            pipe.execute()

    def close(self) -> None:
        self.redis.close()


_TAKE = """
local taken = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[3])
for _, item in ipairs(taken) do redis.call('ZADD', KEYS[1], ARGV[2], item) end
return taken
"""


def _day(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d")


def open_store(url: str, *, idle_timeout: float, lock_wait: float) -> Store:
    """The store named by `url`: `sqlite:PATH`, or `redis://`, `rediss://`, `unix://` for Redis,
    or `redis+sentinel://[[USER]:PASSWORD@]HOST[:PORT][,HOST[:PORT]...]/SERVICE[/DB]` for
    the Redis primary that the Sentinels at HOST:PORT (port 26379 by default) monitor as
    SERVICE. That one follows a failover to the new primary. USER and PASSWORD are those of
    the Redis servers; the Sentinels are asked without a password."""
    if url.startswith("sqlite:"):
        path = url.removeprefix("sqlite:").removeprefix("//")
        if not path:
            raise StoreError("sqlite: needs a file, as in sqlite:advisor.sqlite3")
        return SQLiteStore(path, idle_timeout=idle_timeout, lock_wait=lock_wait)
    if url.startswith(("redis://", "rediss://", "unix://", "redis+sentinel://")):
        return RedisStore(url, idle_timeout=idle_timeout, lock_wait=lock_wait)
    raise StoreError(
        f"unknown store {url!r}: use sqlite:PATH, redis://HOST:PORT/DB or "
        "redis+sentinel://HOST:PORT[,HOST:PORT...]/SERVICE[/DB]"
    )


def _sentinel_primary(url: str) -> redis.Redis:
    """A client of the primary that the Sentinels of a `redis+sentinel://` URL name. It asks
    them again whenever it connects, so after a failover it reaches the new primary."""
    from urllib.parse import unquote, urlsplit

    def wrong(what: str) -> StoreError:
        example = "redis+sentinel://sentinel1:26379,sentinel2:26379/mymaster/0"
        return StoreError(f"redis+sentinel: {what}, as in {example}")

    parts = urlsplit(url)
    if parts.query or parts.fragment:
        raise wrong("the URL takes no ?options or #fragment")
    addresses = parts.netloc.rpartition("@")[2]
    sentinels: list[tuple[str, int]] = []
    for address in addresses.split(","):
        try:
            host = urlsplit(f"//{address}")
            port = host.port or 26379
        except ValueError as exc:  # urllib's message names the port that is wrong
            raise wrong(f"the Sentinel {address!r}: {exc}") from exc
        if not host.hostname:
            raise wrong(f"a Sentinel HOST is missing in {addresses!r}")
        sentinels.append((host.hostname, port))
    service, _, db = parts.path.removeprefix("/").partition("/")
    if not service:
        raise wrong("the service name (the NAME of `sentinel monitor NAME ...`) is missing")
    if db and not db.isdecimal():
        raise wrong(f"the database {db!r} is not a number")
    # redis-py leaves Sentinel untyped.
    sentinel: Any = cast(Any, redis.Sentinel)(sentinels, socket_timeout=5, socket_connect_timeout=5)
    try:
        sentinel.discover_master(service)
    except redis.exceptions.ConnectionError as exc:  # redis-py's message repeats each client
        raise StoreError(
            f"redis+sentinel: the Sentinels at {addresses} cannot be reached or know no primary "
            f"{service!r} that is up (is it the NAME of their `sentinel monitor NAME ...`?)"
        ) from exc
    client: redis.Redis = sentinel.master_for(
        service,
        decode_responses=True,
        db=int(db or 0),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )
    return client
