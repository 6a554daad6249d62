"""The HTTP benchmark's parts at a tiny size, in this process: the floor app, the load that
keeps conversations open, and the table that sets advisor beside the floor."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from advisor.web.stores import open_store
from benchmarks import http, http_floor


def test_the_floor_app_keeps_conversations_as_advisor_does(tmp_path: Path) -> None:
    url = f"sqlite:{tmp_path / 'floor.sqlite3'}"
    app = http_floor.create_app(url)

    async def drive() -> tuple[tuple[int, float, list[float]], list[str]]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://floor") as client:
            load = http._Load(client)
            await load.open(6)
            assert len(load.waiting) == 6
            # Each waits with answers left, at a point of its conversation of its own.
            assert all(person.answers for person in load.waiting)
            done = await load.drive(40, 0.0)
            return done, [person.path.split("/")[3] for person in load.waiting]

    (done, seconds, latencies), waiting = asyncio.run(drive())
    assert done >= 40 and seconds > 0
    assert len(latencies) <= done and latencies == sorted(latencies)
    assert len(waiting) == 6
    store = open_store(url, idle_timeout=60, lock_wait=1)
    replies = http_floor.replies()
    for conversation_id in waiting:
        record = store.load(conversation_id)
        assert record is not None
        logged = store.turns(record)
        assert len(logged) == record.count and logged[0]["reply"] == replies[""]
        assert all(turn["reply"] in replies.values() for turn in logged)
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
