"""The SQLite store: one file, shared by the worker processes of one machine."""

from __future__ import annotations

import json
import logging
import math
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from advisor.web.stores.base import (
    Busy,
    Conflict,
    Outgoing,
    Record,
    Slot,
    Store,
    StoreError,
    window_wait,
)

log = logging.getLogger("advisor.web")


CHECKPOINT_EVERY = 0.25  # seconds between a SQLite store's copies of its WAL to the database
WAL_PAGES = 20_000  # pages (80 MB) past which a commit copies the WAL itself


_SUMMARIZE = "INSERT OR REPLACE INTO summaries (id, started, data) VALUES (?, ?, ?)"


def _summarized(summary: dict[str, Any]) -> tuple[str, float, str]:
    """A summary as a row of the summaries table."""
    return summary["id"], summary["started"], json.dumps(summary, ensure_ascii=False)


def _busy(exc: sqlite3.OperationalError) -> bool:
    """Whether SQLite refused because another connection holds the database."""
    return "locked" in str(exc) or "busy" in str(exc)


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
        self._stop = threading.Event()
        self._checkpointer: threading.Thread | None = None
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
            # The WAL is copied into the database by a thread of the store's own (see
            # `_checkpoints`); a commit does it only if that thread falls far behind.
            db.execute(f"PRAGMA wal_autocheckpoint = {WAL_PAGES}")
            self._local.db = db
            with self._opened_lock:
                self._opened.append(db)
        return db

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.OperationalError as exc:
            if _busy(exc):
                raise Busy(f"the database {self.path} is busy") from exc
            raise StoreError(f"the database {self.path}: {exc}") from exc

    def create(self, record: Record, summary: dict[str, Any] | None = None) -> None:
        with self._errors():
            self._purge(record.created)
            self._write(record, summary, None)

    def _write(self, record: Record, summary: dict[str, Any] | None, read: str | None) -> None:
        """Write the record (a new one when `read` is None, else only if it is still what
        was read), its new turns and its summary, in one transaction. All is made into
        text first: the database is held by one process at a time, for the statements only."""
        data = record.dumps()
        turns = [(record.id, record.logged + n, text) for n, text in enumerate(record.logs())]
        summarized = None if summary is None else _summarized(summary)
        with self._transaction() as db:
            if read is None:
                db.execute(
                    "INSERT INTO conversations (id, updated, data) VALUES (?, ?, ?)",
                    (record.id, record.updated, data),
                )
            else:
                saved = db.execute(
                    "UPDATE conversations SET updated = ?, data = ? WHERE id = ? AND data = ?",
                    (record.updated, data, record.id, read),
                )
                if saved.rowcount != 1:
                    raise Conflict(f"conversation {record.id} changed during the turn")
            db.executemany("INSERT INTO turns (conversation, n, data) VALUES (?, ?, ?)", turns)
            if summarized is not None:
                db.execute(_SUMMARIZE, summarized)
        record.saved()

    def _checkpoints(self) -> None:
        """Copy the WAL into the database every `CHECKPOINT_EVERY` seconds, in this thread.

        SQLite does it in the commit that takes the WAL past 1,000 pages (every hundred
        turns or so), and the fsync in it held up that worker's event loop for about 10 ms:
        with two workers, commits took a fifth of a worker's time. The thread waits in
        SQLite, without Python's lock, and a passive checkpoint never waits for a writer."""
        db = sqlite3.connect(self.path, timeout=0, isolation_level=None, check_same_thread=False)
        try:
            while not self._stop.wait(CHECKPOINT_EVERY):
                try:
                    db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.Error as exc:  # a commit's checkpoint is the fallback
                    log.warning("checkpoint of %s: %s", self.path, exc)
        finally:
            db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        if self._checkpointer is None:  # started by the first write: a reader needs none
            with self._opened_lock:
                if self._checkpointer is None and not self._stop.is_set():
                    self._checkpointer = threading.Thread(
                        target=self._checkpoints, name=f"checkpoints of {self.path}", daemon=True
                    )
                    self._checkpointer.start()
        db = self._db()
        self._begin(db)
        try:
            yield db
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:  # a COMMIT that failed (busy) leaves it open
                db.execute("ROLLBACK")
            raise

    def _begin(self, db: sqlite3.Connection) -> None:
        """BEGIN IMMEDIATE, waiting for another process's write in short steps.

        A write holds the database for about a tenth of a millisecond, and SQLite's own
        wait sleeps 1 ms, then 2, 5, 10...: with two workers, a third of a worker's time
        went to those sleeps, the cores idle. Here the waits start at 20 µs and grow by half
        to at most 0.5 ms."""
        deadline = time.monotonic() + self.lock_wait
        pause = 0.00002
        db.execute("PRAGMA busy_timeout = 0")
        try:
            while True:
                try:
                    db.execute("BEGIN IMMEDIATE")
                    return
                except sqlite3.OperationalError as exc:
                    if not _busy(exc) or time.monotonic() + pause > deadline:
                        raise
                time.sleep(pause)
                pause = min(1.5 * pause, 0.0005)
        finally:
            db.execute(f"PRAGMA busy_timeout = {round(self.lock_wait * 1000)}")

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
        if slot.saved is not None:
            if read is None:  # removed (expired) since it was read: nothing to change
                raise Conflict(f"conversation {conversation_id} changed during the turn")
            with self._errors():
                self._write(slot.saved, slot.summary, read)

    def hit(self, client: str, limit: int, window: float) -> float | None:
        now = time.time()
        period = math.floor(now / window)
        # Every request of a client counts: a write, with the short waits of a turn's.
        with self._errors(), self._transaction() as db:
            # All of RETURNING's rows are read: a statement left running keeps COMMIT out.
            ((count,),) = db.execute(
                """
                INSERT INTO hits (client, period, count, expires) VALUES (?, ?, 1, ?)
                ON CONFLICT (client) DO UPDATE SET
                    count = CASE WHEN period = excluded.period THEN count + 1 ELSE 1 END,
                    period = excluded.period,
                    expires = excluded.expires
                RETURNING count
                """,
                (client, period, (period + 1) * window),
            ).fetchall()
        return None if count <= limit else window_wait(window, now)

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
        self._stop.set()
        if self._checkpointer is not None:
            self._checkpointer.join()
        with self._opened_lock:
            for db in self._opened:
                db.close()
            self._opened.clear()
        self._local = threading.local()
