"""The HTTP service under load: real `advisor serve` processes on loopback, a bounded client.

Each configuration (worker processes x store x concurrent conversations) is run twice with
the bundled conversations through the JSON API, by httpx and asyncio, each run stopping by
itself after a number of turns:

- capacity: every conversation sends its next answer as soon as it has the reply; the
  turns per second are what the service can do;
- latency: every conversation waits between its turns so that together they offer 500
  turns per second, or 80% of the capacity when that is less (a service run at its
  capacity only measures its queue); the p50 and p99 of a turn (one POST) at that load.
  (People take seconds between answers: 100 conversations rarely offer 50 turns/s.) The
  waits are random (exponential, seeded), as people's are: equal waits would keep the
  conversations in step, all their turns arriving at once.

The client runs on the same machine as the service, so during the capacity run it also
counts the CPU time per turn of the client and of the service (its worker processes and
redis-server): together they show where the machine's cores went.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from benchmarks.measure import BUNDLED, p99
from benchmarks.services import start_redis

OFFERED = 500.0  # turns per second offered in the latency run, at most


@dataclass
class Result:
    workers: int
    store: str
    concurrency: int
    rate: float  # capacity, turns per second
    offered: float  # turns per second offered in the latency run
    p50: float
    p99: float
    client_cpu: float  # CPU seconds per turn of the load client, in the capacity run
    server_cpu: float  # and of the service: workers, and redis-server when it is the store


def run(tmp: Path, quick: bool) -> tuple[list[Result], list[str]]:
    notes: list[str] = []
    stores = {"sqlite": f"sqlite:{tmp / 'bench.sqlite3'}"}
    redis: tuple[subprocess.Popen[bytes], str] | None = None
    try:
        redis = start_redis(tmp)
        stores["redis"] = redis[1]
    except RuntimeError as exc:
        notes.append(f"HTTP with Redis not measured: {exc}")
    results = []
    try:
        for workers in (1, 2):
            for name, store in stores.items():
                with _server(workers, store, tmp) as (url, pid):
                    # A long-running service has compiled its rules and built its engines.
                    asyncio.run(_load(url, 100, 200 if quick else 1500, 0.0))
                    service = [pid, redis[0].pid] if redis and name == "redis" else [pid]
                    for concurrency in (10, 100):
                        turns = 300 if quick else 3000
                        client, server = time.process_time(), _cpu(service)
                        rate, _ = asyncio.run(_load(url, concurrency, turns, 0.0))
                        client = (time.process_time() - client) / turns
                        server = (_cpu(service) - server) / turns
                        offered = min(OFFERED, 0.8 * rate)
                        pause = concurrency / offered
                        _, latencies = asyncio.run(_load(url, concurrency, turns, pause))
                        middle = latencies[len(latencies) // 2]
                        results.append(
                            Result(
                                workers,
                                name,
                                concurrency,
                                rate,
                                offered,
                                middle,
                                p99(latencies),
                                client,
                                server,
                            )
                        )
    finally:
        if redis is not None:
            redis[0].terminate()
            redis[0].wait(10)
    return results, notes


KEEPALIVE = 2.0  # seconds a client keeps an idle connection


async def _load(url: str, concurrency: int, turns: int, pause: float) -> tuple[float, list[float]]:
    """(turns per second, the latency of each turn) of `concurrency` conversations that wait
    `pause` seconds on average before each answer, until `turns` turns are done. Each
    simulated person has a connection of their own, as each browser does."""
    latencies: list[float] = []
    budget = [turns]

    async def person(n: int) -> None:
        waits = random.Random(n)
        await asyncio.sleep(pause * n / concurrency)  # spread the starts
        # The service closes a connection idle for 5 s (uvicorn's keep-alive); a request
        # sent on it as it closes fails. Like a browser, drop idle connections sooner.
        limits = httpx.Limits(keepalive_expiry=KEEPALIVE)
        async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:
            while budget[0] > 0:
                # A number of its own in every error text, as people's pastes differ.
                first, *rest = BUNDLED[n % len(BUNDLED)]
                answers = [f"{first} (seen by user {n})", *rest]
                n += concurrency
                created = (await client.post("/v1/conversations", json={})).json()
                auth = {"Authorization": f"Bearer {created['token']}"}
                path = f"/v1/conversations/{created['conversation_id']}/messages"
                for answer in answers:
                    budget[0] -= 1
                    await asyncio.sleep(waits.expovariate(1 / pause) if pause else 0.0)
                    t = time.perf_counter()
                    response = await client.post(path, json={"text": answer}, headers=auth)
                    latencies.append(time.perf_counter() - t)
                    response.raise_for_status()

    started = time.perf_counter()
    await asyncio.gather(*(person(n) for n in range(concurrency)))
    elapsed = time.perf_counter() - started
    return len(latencies) / elapsed, sorted(latencies)


class _server:
    """`advisor serve` with no rate limit (one client sends everything), until exit."""

    def __init__(self, workers: int, store: str, tmp: Path) -> None:
        self.command = [
            sys.executable,
            "-m",
            "advisor",
            "serve",
            "--port",
            "0",
            "--workers",
            str(workers),
            "--store",
            store,
            "--rate-limit",
            "0",
            "--log-level",
            "warning",
        ]
        self.tmp = tmp

    def __enter__(self) -> tuple[str, int]:
        """The service's URL, and the id of its main process."""
        self.process = subprocess.Popen(
            self.command,
            stdout=subprocess.PIPE,
            text=True,
            cwd=self.tmp,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        found = re.search(r"(http://\S+?)/? ", line)
        if found is None:
            raise RuntimeError(f"advisor serve said: {line!r}")
        url = found[1]
        for _ in range(200):
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    return url, self.process.pid
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise RuntimeError("advisor serve did not answer /healthz")

    def __exit__(self, *exc: Any) -> None:
        self.process.terminate()
        self.process.wait(20)


def _cpu(pids: list[int]) -> float:
    """CPU seconds (user and system) used so far by these processes and their descendants
    that are still running (Linux /proc)."""
    parents: dict[int, int] = {}
    used: dict[int, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # The command name, in parentheses, may hold spaces: fields follow its last ")".
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # a process that ended while we looked
        pid = int(stat.parent.name)
        parents[pid] = int(fields[1])
        used[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    tree, grew = set(pids), True
    while grew:  # add children until no process is left whose parent is in the tree
        found = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= found
        grew = bool(found)
    return sum(used.get(pid, 0.0) for pid in tree)
