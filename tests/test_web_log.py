"""A conversation's turns are a log the store adds to: a turn writes what is new, however
long the conversation, and GET, retries and the report still see every turn."""

from __future__ import annotations

import json
import random
import string
from collections.abc import Iterator
from pathlib import Path

import pytest

from advisor import KnowledgeBase
from advisor.web.conversations import Conversations, Said
from advisor.web.settings import Settings
from advisor.web.stores import Record, RedisStore, SQLiteStore, Store, open_store


@pytest.fixture(params=["sqlite", "redis"])
def conversations(
    request: pytest.FixtureRequest, tmp_path: Path, kb: KnowledgeBase
) -> Iterator[Conversations]:
    url = f"sqlite:{tmp_path / 'store.sqlite3'}"
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
    store = open_store(url, idle_timeout=600, lock_wait=5)
    yield Conversations(kb, store, Settings(store=url))
    store.close()


def _noise(size: int, seed: int) -> str:
    """Words that say nothing advisor knows, `size` characters of them."""
    pick = random.Random(seed)
    words = ("".join(pick.choices(string.ascii_lowercase, k=7)) for _ in range(size // 8))
    return " ".join(words)


def _stored(store: Store, conversation_id: str) -> int:
    """The bytes of a conversation's record that every turn reads and writes."""
    record = store.load(conversation_id)
    assert record is not None
    return len(record.dumps().encode())


def test_a_long_conversation_writes_only_its_new_turns(conversations: Conversations) -> None:
    created = conversations.create()
    conversation_id, token = created["conversation_id"], created["token"]
    conversations.send(conversation_id, token, Said(text="0x800CCC0F"))
    # Then long texts that answer nothing: the conversation stays at its question.
    sent = [_noise(30_000, n) for n in range(12)]
    sizes = []
    for n, text in enumerate(sent):
        conversations.send(conversation_id, token, Said(text=text, client_message_id=f"m{n}"))
        sizes.append(_stored(conversations.store, conversation_id))
    # The record grows by its new client_message_id only, never by the texts.
    assert sizes[-1] - sizes[0] < 200, sizes
    assert sizes[-1] < 6_000, sizes
    shown = conversations.show(conversation_id, token)["turns"]
    assert [t["sent"] for t in shown] == [
        None,
        {"text": "0x800CCC0F"},
        *({"text": text} for text in sent),
    ]
    # A retry is answered from the log, with the reply it got then.
    again = conversations.send(conversation_id, token, Said(text=sent[3], client_message_id="m3"))
    assert again == (shown[5]["reply"], True)


def _as_before_the_log(store: Store, record: Record, turns: list[dict[str, object]]) -> None:
    """Store a record as advisor did before the log: its turns inside it, no log beside."""
    data = json.loads(record.dumps())
    for field in ("logged", "messages", "said"):
        del data[field]
    text = json.dumps({**data, "turns": turns})
    if isinstance(store, SQLiteStore):
        db = store._db()
        db.execute("DELETE FROM turns WHERE conversation = ?", (record.id,))
        db.execute("UPDATE conversations SET data = ? WHERE id = ?", (text, record.id))
    else:
        assert isinstance(store, RedisStore)
        store.redis.delete(store._key("turns", record.id))
        store.redis.set(store._key("conversation", record.id), text)


def test_a_conversation_stored_before_the_log_goes_on(conversations: Conversations) -> None:
    store = conversations.store
    created = conversations.create()
    conversation_id, token = created["conversation_id"], created["token"]
    first = Said(text="0x800CCC0F", client_message_id="first")
    conversations.send(conversation_id, token, first)
    record = store.load(conversation_id)
    assert record is not None
    turns = store.turns(record)
    _as_before_the_log(store, record, turns)

    old = store.load(conversation_id)
    assert old is not None and old.logged == 0  # its turns are not in the log yet
    shown = conversations.show(conversation_id, token)["turns"]
    assert [(t["sent"], t["reply"]) for t in shown] == [(t["sent"], t["reply"]) for t in turns]
    assert conversations.send(conversation_id, token, first) == (turns[1]["reply"], True)
    reply, replayed = conversations.send(conversation_id, token, Said(text="msn"))
    assert not replayed
    migrated = store.load(conversation_id)
    assert migrated is not None and migrated.logged == 3
    assert "turns" not in json.loads(migrated.dumps())
    logged = store.turns(migrated)
    assert logged[:2] == turns and logged[2]["reply"] == reply
    summary = next(s for s in store.summaries() if s["id"] == conversation_id)
    assert summary["turns"] == 2
