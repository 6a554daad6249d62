"""The store benchmark at a tiny size: the turns it writes are a real conversation's, in
order, in each store, and its table sets Redis beside SQLite."""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor.web.stores import open_store
from benchmarks import stores
from benchmarks.measure import BUNDLED


@pytest.mark.parametrize("kind", ["sqlite", "redis"])
def test_each_conversation_driven_is_the_bundled_one_in_order(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = f"sqlite:{tmp_path / 'turns.sqlite3'}"
    if kind == "redis":
        url = request.getfixturevalue("redis_url")
    opening, steps = stores.conversation()
    store = open_store(url, idle_timeout=60, lock_wait=1)
    made = stores.drive(store, opening, steps, 2 * (len(steps) + 1) + 2)
    assert len(made) == 3  # two whole conversations, and the opening and first answer of one
    for conversation, answered in zip(made, (len(steps), len(steps), 1), strict=True):
        record = store.load(conversation)
        assert record is not None
        logged = store.turns(record)
        assert [t["sent"] for t in logged] == [None] + [
            {"text": answer} for answer in BUNDLED[1][:answered]
        ]
        assert record.state == steps[answered - 1].state
        summary = next(s for s in store.summaries() if s["id"] == conversation)
        assert summary["turns"] == steps[answered - 1].summary["turns"]
    store.close()


def test_the_table_sets_each_store_beside_sqlite() -> None:
    lines = stores.table(
        [
            stores.Result("sqlite", 100, 0.0001, 0.0, 0.00012),
            stores.Result("redis", 100, 0.00025, 0.00008, 0.0004),
        ]
    )
    assert lines[1].split() == ["sqlite", "100", "0.100", "0.000", "0.120", "1.0x"]
    assert lines[2].split() == ["redis", "100", "0.250", "0.080", "0.400", "3.3x"]
