"""The conversation stores, SQLite and a real Redis, behind one interface."""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis

from advisor.web.stores import Busy, Conflict, Record, Store, StoreError, open_store
from advisor.web.stores.redis import LOCK_TTL
from benchmarks.services import free_port

Open = Callable[..., Store]


@pytest.fixture(params=["sqlite", "redis"])
def open_one(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Open]:
    """Open stores on one shared place (as several processes would); all closed at the end."""
    url = f"sqlite:{tmp_path / 'store.sqlite3'}"
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
    opened: list[Store] = []

    def open_(idle_timeout: float = 60, lock_wait: float = 5) -> Store:
        store = open_store(url, idle_timeout=idle_timeout, lock_wait=lock_wait)
        opened.append(store)
        return store

    yield open_
    for store in opened:
        store.close()


def record(**changes: object) -> Record:
    now = time.time()
    fields: dict[str, object] = {
        "id": uuid.uuid4().hex,
        "token_hash": "h",
        "state": {"format": 1, "answers": []},
        "created": now,
        "updated": now,
    }
    return Record(**{**fields, **changes})  # type: ignore[arg-type]


def test_a_record_is_stored_loaded_and_changed_under_its_lock(open_one: Open) -> None:
    store = open_one()
    kept = record()
    opening = turn(None, at=1.0)
    kept.add(opening)
    store.create(kept)
    assert store.load(kept.id) == kept
    assert store.turns(kept) == [opening]
    with store.locked(kept.id) as slot:
        assert slot.record == kept
        changed = record(id=kept.id, state={"format": 1, "answers": [{"fact": "x"}]})
        slot.save(changed)
    assert store.load(kept.id) == changed
    assert store.load("unknown") is None
    with store.locked("unknown") as slot:
        assert slot.record is None


def turn(sent: object, *, at: float = 0.0, said: str = "", message_id: str | None = None) -> dict:
    reply = {"messages": [{"type": "info", "text": said}]}
    return {"sent": sent, "client_message_id": message_id, "reply": reply, "at": at}


def test_an_error_inside_the_lock_saves_nothing(open_one: Open) -> None:
    store = open_one()
    kept = record()
    store.create(kept)

    def fail_inside() -> None:
        with store.locked(kept.id) as slot:
            slot.save(record(id=kept.id, state={"changed": True}))
            raise RuntimeError

    with pytest.raises(RuntimeError):
        fail_inside()
    assert store.load(kept.id) == kept


def test_turns_of_one_conversation_never_interleave(open_one: Open) -> None:
    # Two stores on the same place stand for two processes; each of their threads adds one
    # turn at a time, doing it again when told another came first (as the API does). A lost
    # update would lose a turn.
    first, second = open_one(), open_one()
    kept = record()
    first.create(kept)

    def add_turns(store: Store) -> None:
        for _ in range(25):
            while True:
                try:
                    with store.locked(kept.id) as slot:
                        assert slot.record is not None
                        slot.record.add(turn(slot.record.count))
                        time.sleep(0.001)  # widen the window a missing lock would leave open
                        slot.save(slot.record)
                    break
                except Conflict:
                    continue

    threads = [threading.Thread(target=add_turns, args=(s,)) for s in (first, second) * 2]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    loaded = second.load(kept.id)
    assert loaded is not None
    assert [t["sent"] for t in second.turns(loaded)] == list(range(100))


def test_a_turn_that_comes_second_is_told_so(tmp_path: Path) -> None:
    # SQLite holds no lock during a turn: the turn saved second would overwrite the first.
    url = f"sqlite:{tmp_path / 'store.sqlite3'}"
    one, two = (open_store(url, idle_timeout=60, lock_wait=5) for _ in range(2))
    kept = record()
    one.create(kept)

    def race() -> None:
        with one.locked(kept.id) as first:
            with two.locked(kept.id) as second:
                second.save(record(id=kept.id, state={"by": "second"}))
            first.save(record(id=kept.id, state={"by": "first"}))

    with pytest.raises(Conflict):
        race()
    assert one.load(kept.id).state == {"by": "second"}
    one.close()
    two.close()


def test_a_sqlite_write_waits_for_another_process_only_so_long(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite3"
    store = open_store(f"sqlite:{path}", idle_timeout=60, lock_wait=0.3)
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)

    def hold(seconds: float) -> threading.Thread:
        other.execute("BEGIN IMMEDIATE")  # another process writing, for `seconds`
        thread = threading.Timer(seconds, other.execute, ["COMMIT"])
        thread.start()
        return thread

    holder = hold(0.1)
    kept = record()
    store.create(kept)  # waited for the other write, then wrote
    holder.join()
    assert store.load(kept.id) == kept
    holder = hold(1.0)
    started = time.monotonic()
    with pytest.raises(Busy):
        store.create(record())
    assert 0.25 < time.monotonic() - started < 0.9
    holder.join()
    store.create(record())  # the database is free again, and the store still works
    other.close()
    store.close()


def test_a_sqlite_store_copies_its_wal_into_the_database_on_a_thread(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite3"
    store = open_store(f"sqlite:{path}", idle_timeout=60, lock_wait=5)
    empty = path.stat().st_size
    for _ in range(50):  # some hundreds of pages: no commit copies them itself
        store.create(record(state={"format": 1, "answers": [], "text": "x" * 8000}))
    deadline = time.monotonic() + 5
    while path.stat().st_size == empty and time.monotonic() < deadline:
        time.sleep(0.05)
    assert path.stat().st_size > empty + 50 * 8000
    threads = [t for t in threading.enumerate() if t.name == f"checkpoints of {path}"]
    store.close()
    assert threads and not any(t.is_alive() for t in threads)


def test_a_turn_waits_for_the_lock_only_so_long(redis_url: str) -> None:
    holder = open_store(redis_url, idle_timeout=60, lock_wait=5)
    waiter = open_store(redis_url, idle_timeout=60, lock_wait=0.2)
    kept = record()
    holder.create(kept)
    with holder.locked(kept.id):
        started = time.monotonic()
        with pytest.raises(Busy), waiter.locked(kept.id):
            pass
        assert time.monotonic() - started < 5
    holder.close()
    waiter.close()


def test_a_turn_whose_lock_expired_saves_nothing_and_is_done_again(redis_url: str) -> None:
    store = open_store(redis_url, idle_timeout=60, lock_wait=0.5)
    server = redis.Redis.from_url(redis_url, decode_responses=True)
    kept = record()
    store.create(kept)
    lock = f"advisor:lock:{kept.id}"

    def late_turn() -> None:
        with store.locked(kept.id) as slot:
            # As if the turn outlived its lock, and another turn took the conversation.
            server.set(lock, "another turn", px=5000)
            slot.save(
                record(id=kept.id, state={"by": "late"}),
                {"id": kept.id, "started": kept.created, "by": "late"},
            )

    with pytest.raises(Conflict):
        late_turn()
    loaded = store.load(kept.id)
    assert loaded is not None and loaded.state == kept.state
    assert not [s for s in store.summaries() if s.get("by") == "late"]
    assert server.get(lock) == "another turn"  # the other turn's lock is left alone
    server.delete(lock)
    with store.locked(kept.id) as slot:
        assert slot.record == loaded
    server.close()
    store.close()


def test_a_lock_that_redis_takes_late_ends_when_its_request_would_have(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Redis that hung runs the commands waiting for it when it resumes, after their
    requests gave up: a lock taken so must not hold the conversation for a whole TTL more."""
    store = open_store(redis_url, idle_timeout=60, lock_wait=0.5)
    server = redis.Redis.from_url(redis_url, decode_responses=True)
    kept = record()
    store.create(kept)
    lock = f"advisor:lock:{kept.id}"
    sent = time.time()
    with store.locked(kept.id):
        assert 0 < server.pttl(lock) <= LOCK_TTL * 1000
    monkeypatch.setattr(time, "time", lambda: sent - LOCK_TTL - 1)  # sent, then Redis hung
    with store.locked(kept.id) as slot:
        assert slot.record == kept
        assert not server.exists(lock)
    server.close()
    store.close()


def test_idle_conversations_are_removed(open_one: Open) -> None:
    store = open_one(idle_timeout=0.3)
    old, fresh = record(), record()
    store.create(old)
    time.sleep(0.2)
    store.create(fresh)
    with store.locked(fresh.id) as slot:  # a turn keeps a conversation alive
        assert slot.record is not None
        slot.record.updated = time.time()
        slot.save(slot.record)
    time.sleep(0.2)
    assert store.load(old.id) is None
    assert store.load(fresh.id) is not None
    time.sleep(0.4)
    assert store.load(fresh.id) is None


def test_the_rate_limit_counts_each_client_across_stores(open_one: Open) -> None:
    first, second = open_one(), open_one()
    client = uuid.uuid4().hex
    window = 30.0
    results = [s.hit(client, 3, window) for s in (first, second, first, second)]
    assert results[:3] == [None, None, None]
    wait = results[3]
    assert wait is not None and 0 < wait <= window
    assert first.hit(uuid.uuid4().hex, 3, window) is None


def test_sqlite_rows_of_expired_conversations_are_deleted(tmp_path: Path) -> None:
    store = open_store(f"sqlite:{tmp_path / 's.sqlite3'}", idle_timeout=0.1, lock_wait=1)
    try:
        store.create(record())
        time.sleep(0.2)
        store.create(record())  # purges what expired
        with sqlite3.connect(tmp_path / "s.sqlite3") as db:
            assert db.execute("SELECT count(*) FROM conversations").fetchone() == (1,)
        db.close()
    finally:
        store.close()


def test_unknown_or_unreachable_stores_are_store_errors(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="unknown store"):
        open_store("postgres://x", idle_timeout=1, lock_wait=1)
    with pytest.raises(StoreError, match="needs a file"):
        open_store("sqlite:", idle_timeout=1, lock_wait=1)
    with pytest.raises(StoreError, match="Redis at"):
        open_store(f"redis://127.0.0.1:{free_port()}/0", idle_timeout=1, lock_wait=1)
    with pytest.raises(StoreError):
        open_store(f"sqlite:{tmp_path / 'missing' / 'x.sqlite3'}", idle_timeout=1, lock_wait=1)
