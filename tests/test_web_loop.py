"""The event loop is never held by a turn that waits or builds: a conversation held by
another turn (a retry, another worker), or one that needs an engine built, is served in a
thread while everyone else is served on the loop."""

from __future__ import annotations

import signal
import statistics
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from conftest import FIRST_MESSAGE, said
from servers import Client, Server

import advisor
from advisor.inference.engine import WouldBuild, without_building
from benchmarks import synthetic
from benchmarks.services import start_redis

pytestmark = pytest.mark.slow


def test_a_held_conversation_does_not_stop_the_others(
    serve: Callable[..., Server], redis_url: str
) -> None:
    server = serve("--store", redis_url, "--rate-limit", "0")
    with Client(server.url) as held, Client(server.url) as other:
        held.start()
        other.start()
        # Another worker's turn holds the conversation for 2 s.
        redis.Redis.from_url(redis_url).set(f"advisor:lock:{held.conversation_id}", "x", px=2000)
        waited: list[httpx.Response] = []
        started = time.monotonic()
        waiting = threading.Thread(target=lambda: waited.append(held.post(text="0x800CCC0F")))
        waiting.start()
        time.sleep(0.2)  # the held turn is waiting now
        health, turns = [], []
        for answer in ("0x800CCC0F", "#msn", "#lan", "#win98"):
            t = time.monotonic()
            assert httpx.get(f"{server.url}/healthz").status_code == 200
            health.append(time.monotonic() - t)
            t = time.monotonic()
            other.say(answer)
            turns.append(time.monotonic() - t)
        assert waiting.is_alive()  # all that while, the held turn was still waiting
        waiting.join(10)
    assert waited[0].status_code == 200, waited[0].text  # served once the lock expired
    assert time.monotonic() - started >= 1.8
    assert statistics.median(health) < 0.05 and max(health) < 0.5, health
    assert statistics.median(turns) < 0.05 and max(turns) < 0.5, turns


def test_a_hung_store_does_not_stop_the_worker(
    serve: Callable[..., Server], tmp_path: Path
) -> None:
    """A stopped Redis answers nothing. The request that finds it so waits for the client's
    timeout (5 s); after it, until Redis answers again, the worker's requests wait for it in
    threads, and everything that needs no store is answered at once."""
    redis_server, url = start_redis(tmp_path)
    try:
        server = serve("--store", url, "--rate-limit", "0")
        with Client(server.url) as first, Client(server.url) as second:
            first.start()
            second.start()
            redis_server.send_signal(signal.SIGSTOP)
            try:
                found = first.post(text="0x800CCC0F")
                assert found.status_code == 503, found.text
                assert found.json()["error"]["code"] == "store_unavailable"
                waited: list[httpx.Response] = []
                waiting = [
                    threading.Thread(target=lambda: waited.append(second.post(text="0x800CCC0F"))),
                    threading.Thread(
                        target=lambda: waited.append(httpx.get(f"{server.url}/healthz", timeout=30))
                    ),
                ]
                for thread in waiting:
                    thread.start()
                time.sleep(0.2)  # both wait for Redis now
                answered = []
                with httpx.Client(base_url=server.url) as prober:
                    for path in ("/livez", "/widget.js", "/metrics", "/openapi.json") * 5:
                        t = time.monotonic()
                        assert prober.get(path).status_code == 200
                        answered.append(time.monotonic() - t)
                assert all(thread.is_alive() for thread in waiting)  # still waiting, all along
                for thread in waiting:
                    thread.join(30)
                assert sorted(r.status_code for r in waited) == [503, 503], [r.text for r in waited]
            finally:
                redis_server.send_signal(signal.SIGCONT)
            # The turn that found Redis hung left a lock, taken when Redis resumed; it
            # ends when that request's would have, and the conversation goes on.
            assert first.say("0x800CCC0F")["question"]["id"] != "error_text"
    finally:
        redis_server.terminate()
        redis_server.wait(10)
    assert statistics.median(answered) < 0.05 and max(answered) < 0.5, answered
    log = server.log.read_text()
    assert log.index("the store failed") < log.index("the store answers again"), log


def test_engines_are_built_off_the_event_loop(serve: Callable[..., Server], tmp_path: Path) -> None:
    """Right after a start, a conversation about an error no one asked about yet needs its
    partition's rules compiled and an engine built (some 30 ms here): many at once, and
    /healthz does not wait for them."""
    rules = synthetic.write(1000, tmp_path / "rules")  # a partition for each of 100 errors
    server = serve("--rate-limit", "0", "--rules", str(rules))
    errors = [synthetic.conversation(family, 0)[0] for family, _ in synthetic.families(1000)]
    replies: list[dict[str, Any]] = []

    def talk(texts: list[str]) -> None:
        with Client(server.url) as client:
            for text in texts:
                client.start()
                replies.append(client.say(text))

    talkers = [threading.Thread(target=talk, args=(errors[i::6],)) for i in range(6)]
    for talker in talkers:
        talker.start()
    health = []
    with httpx.Client(base_url=server.url) as prober:  # one connection: only the server is timed
        while any(t.is_alive() for t in talkers):
            t = time.monotonic()
            assert prober.get("/healthz").status_code == 200
            health.append(time.monotonic() - t)
            time.sleep(0.01)
    assert len(replies) == len(errors)
    assert all(r["question"]["id"] != "error_text" for r in replies)  # each error understood
    assert len(health) >= 20, health  # the conversations took a while: it was measured
    assert statistics.median(health) < 0.05 and max(health) < 0.5, (
        statistics.median(health),
        sorted(health)[-5:],
    )


def test_an_inference_that_would_build_changes_nothing() -> None:
    """What `Api.work` relies on to make the call again on a thread: WouldBuild is raised
    before an engine is lent, compiled or remembered."""
    answers = said(advisor.load(), FIRST_MESSAGE)
    kb = advisor.load()
    with without_building(), pytest.raises(WouldBuild):
        kb.infer(answers)  # the router's rules are not compiled yet
    assert not kb._pools and not kb._memo
    kb.pool.infer([])  # the router has an engine now, the partition not yet
    with without_building(), pytest.raises(WouldBuild):
        kb.infer(answers)
    assert [(pool.built, pool._lent) for pool in kb._pools.values()] == [(1, 0)]
    assert not kb._memo
    expected = kb.infer(answers)  # allowed to build
    partition = next(pool for articles, pool in kb._pools.items() if articles is not None)
    with partition.engine(tuple(answers)), without_building(), pytest.raises(WouldBuild):
        partition.infer(answers)  # its one engine is lent: another would be built
    assert (partition.built, partition._lent, len(partition._idle)) == (1, 0, 1)
    kb._memo.clear()
    with without_building():  # the engines are idle now: nothing to build
        assert kb.infer(answers) == expected
