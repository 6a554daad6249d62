"""The HTTP benchmark's parts at a tiny size: the floor app, the load that keeps
conversations open (httpx opens them, wrk drives them), and the table that sets advisor
beside the floor."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from advisor.web.stores import open_store
from benchmarks import http, http_floor
from benchmarks.measure import BUNDLED


def test_wrk_carries_on_each_open_conversation_where_it_was(tmp_path: Path) -> None:
    if shutil.which("wrk") is None:
        pytest.skip("wrk is not installed (apt-get install wrk; CI does)")
    url = f"sqlite:{tmp_path / 'floor.sqlite3'}"
    with http._Server("floor", 1, url, tmp_path) as (address, _):
        load = http._Load(address)
        load.open(6)
        assert len(load.waiting) == 6 and all(person.answers for person in load.waiting)
        opened = load.people
        driven = load.drive(1, 0.0, tmp_path)
        # Slowly, so that each connection's waits show in the latencies.
        paused = load.drive(1, 0.05, tmp_path)
    assert driven.turns > 50 and driven.seconds > 0.9 and driven.cpu > 0
    assert 0 < driven.p50 <= driven.p99
    assert paused.turns < driven.turns / 2
    # Conversations ended and others were started in their place, with numbers of their own.
    assert load.people > opened
    assert 0 < len(load.waiting) <= 6  # less those that ended as wrk stopped
    store = open_store(url, idle_timeout=60, lock_wait=1)
    replies = http_floor.replies()
    for person in load.waiting:
        record = store.load(person.path.split("/")[3])
        assert record is not None
        logged = store.turns(record)
        assert logged[0]["reply"] == replies[""]
        assert all(turn["reply"] in replies.values() for turn in logged)
        # What the store got and what is still to send make one bundled conversation,
        # in order: wrk neither lost an answer nor sent one twice.
        said = [turn["sent"]["text"] for turn in logged[1:]] + person.answers
        user = int(said[0].rsplit("(seen by user ", 1)[1].rstrip(")"))
        first, *rest = BUNDLED[user % len(BUNDLED)]
        assert said == [f"{first} (seen by user {user})", *rest]
    store.close()


def test_the_table_sets_advisor_beside_the_floor() -> None:
    def result(app: str, size: int, cpu: float) -> http.Result:
        return http.Result(app, 1, "sqlite", size, 500.0, 400.0, 0.002, 0.01, 0.001, cpu)

    lines = http.table(
        [
            result("advisor", 4, 0.0004),
            result("floor", 4, 0.0002),
            result("advisor", 5000, 0.0006),
            result("floor", 5000, 0.0002),
        ]
    )
    rows = [line for line in lines if "sqlite" in line and "|" in line]
    assert [row.split("|")[3].split()[0] for row in rows] == ["2.0x", "3.0x"]
    assert lines[-1].endswith("from 4 to 5000 open conversations (1 worker, sqlite): 1.50x")
