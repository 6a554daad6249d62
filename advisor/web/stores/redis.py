"""The Redis store: shared by any number of processes and machines, reached directly or
through Sentinel."""

from __future__ import annotations

import functools
import json
import logging
import math
import os
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, cast

import redis
import redis.exceptions
from redis.commands.core import Script

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
    may_wait,
    window_wait,
)

log = logging.getLogger("advisor.web")


# How long a Redis lock outlives the request that took it, if it did not let go: a worker
# died, or Redis hung and executed the request's command after the request gave up (its
# timeout is 5 s). A turn takes milliseconds; one that takes longer loses its lock, its
# write is refused (the lock is another's) and the turn is made again.
LOCK_TTL = 10.0


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
        except redis.exceptions.RedisError as exc:  # a hung server times out: no ConnectionError
            raise StoreError(f"Redis at {self.url}: {exc}") from exc

    def create(self, record: Record, summary: dict[str, Any] | None = None) -> None:
        with self._errors():
            self._save(record, summary, "")

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
        # Two round trips a turn: take the lock and read the record; write what changed
        # and release the lock. (redis-py's Lock took one of its own for each.)
        lock, token = self._key("lock", conversation_id), secrets.token_hex(16)
        with self._errors():
            text = self._acquire(conversation_id, lock, token)
        saved = False
        try:
            slot = Slot(None if text is None else Record.loads(conversation_id, text))
            yield slot
            if slot.saved is not None:
                with self._errors():
                    saved = self._save(slot.saved, slot.summary, token)
                if not saved:
                    log.warning("conversation %s: its lock expired during a turn", conversation_id)
                    raise Conflict(f"conversation {conversation_id} was let go during the turn")
        finally:
            if not saved:
                with self._errors():
                    self._release(keys=[lock], args=[token])

    def _acquire(self, conversation_id: str, lock: str, token: str) -> str | None:
        """Take the conversation's lock and read its record, in one round trip; while
        another turn holds it, raise WouldWait, or wait up to `lock_wait` (then Busy)."""
        deadline = time.monotonic() + self.lock_wait
        while True:
            pipe = self.redis.pipeline(transaction=False)
            # Until a time, not for a time: a command that Redis executes late (it hung)
            # takes a lock that ends when the request's would have.
            pipe.set(lock, token, nx=True, pxat=math.ceil((time.time() + LOCK_TTL) * 1000))
            # The record as the last turn left it: that turn wrote it and let go of the
            # lock in one script.
            pipe.get(self._key("conversation", conversation_id))
            taken, text = pipe.execute()
            if taken:
                return cast(str | None, text)
            if not may_wait.get():
                raise WouldWait(f"conversation {conversation_id} is held by another turn")
            if time.monotonic() > deadline:
                raise Busy(f"conversation {conversation_id} is busy")
            time.sleep(0.005)

    def _save(self, record: Record, summary: dict[str, Any] | None, token: str) -> bool:
        """Write the record, its new turns and summary, and let go of the conversation's
        lock, all at once and only while the lock is `token`'s (False when it expired); a
        new conversation (`token` "") has no lock."""
        day = _day(summary["started"]) if summary is not None else ""
        keys = [
            self._key("conversation", record.id),
            self._key("turns", record.id),
            self._key("lock", record.id),
            self._key("summaries", day),
            self._key("summary-days", "all"),
        ]
        about: list[str | float] = (
            [summary["id"], json.dumps(summary, ensure_ascii=False), day, summary["started"]]
            if summary is not None
            else ["", "", "", 0]
        )
        expiry = math.ceil(self.idle_timeout * 1000)
        args = [token, record.dumps(), expiry, *about, math.ceil(SUMMARIES_KEPT), *record.logs()]
        if not self._write_and_release(keys=keys, args=args):
            return False
        record.saved()
        return True

    @functools.cached_property
    def _write_and_release(self) -> Script:
        return self.redis.register_script(_SAVE)

    @functools.cached_property
    def _release(self) -> Script:
        return self.redis.register_script(_RELEASE)

    def hit(self, client: str, limit: int, window: float) -> float | None:
        now = time.time()
        key = self._key("hits", f"{client}:{math.floor(now / window)}")
        with self._errors():
            pipe = self.redis.pipeline()
            pipe.incr(key)
            pipe.expire(key, math.ceil(window), nx=True)
            count, _ = pipe.execute()
        return None if int(count) <= limit else window_wait(window, now)

    def ping(self) -> None:
        with self._errors():
            self.redis.ping()

    def probe(self) -> None:
        key = self._key("probe", str(os.getpid()))
        with self._errors():
            self.redis.set(key, time.time(), px=60_000)
            self.redis.get(key)

    # Summaries are kept by the day a conversation started (see _SAVE), so a report since a
    # date reads only the days after it.
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


# KEYS: the record, its log, its lock, the summaries of its day, the days. ARGV: the lock's
# token ("": a new conversation, no lock), the record, its expiry (ms), the summary's id,
# text, day and start (id "": none), how long summaries are kept (s), then the turns to add
# to the log.
_SAVE = """
if ARGV[1] ~= '' and redis.call('GET', KEYS[3]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
if #ARGV > 8 then redis.call('RPUSH', KEYS[2], unpack(ARGV, 9)) end
redis.call('PEXPIRE', KEYS[2], ARGV[3])
if ARGV[4] ~= '' then
    redis.call('HSET', KEYS[4], ARGV[4], ARGV[5])
    redis.call('EXPIRE', KEYS[4], ARGV[8])
    redis.call('ZADD', KEYS[5], 'NX', ARGV[7], ARGV[6])
end
if ARGV[1] ~= '' then redis.call('DEL', KEYS[3]) end
return 1
"""

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

_TAKE = """
local taken = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[3])
for _, item in ipairs(taken) do redis.call('ZADD', KEYS[1], ARGV[2], item) end
return taken
"""


def _day(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d")


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
