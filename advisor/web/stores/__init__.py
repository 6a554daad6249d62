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

from advisor.web.stores.base import (
    SUMMARIES_KEPT,
    Busy,
    Conflict,
    Outgoing,
    Record,
    Slot,
    Store,
    StoreError,
    WouldWait,
    without_waiting,
)
from advisor.web.stores.redis import RedisStore
from advisor.web.stores.sqlite import SQLiteStore

__all__ = [
    "SUMMARIES_KEPT",
    "Busy",
    "Conflict",
    "Outgoing",
    "Record",
    "RedisStore",
    "SQLiteStore",
    "Slot",
    "Store",
    "StoreError",
    "WouldWait",
    "open_store",
    "without_waiting",
]


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
