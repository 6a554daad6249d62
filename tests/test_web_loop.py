"""The event loop is never held by a turn that waits: a conversation held by another turn
(a retry, another worker) waits in a thread while everyone else is served."""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable

import httpx
import pytest
import redis
from servers import Client, Server

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
