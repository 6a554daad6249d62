"""The HTTP service under load, beside a floor app on the same stack, in one run.

    python -m benchmarks.http [--quick] [--open 4,200,5000] [--turns 3000]

For 1 and 2 worker processes, SQLite and Redis, it starts `advisor serve` and the floor
app (`http_floor.py`: the same stack and store, a dictionary lookup instead of advisor) on
loopback, and drives each at 4, 200 and 5,000 open conversations with httpx and asyncio:

- open conversations: created up front, each taken to a random point of its bundled
  conversation (as in a service that has run for a while, where conversations are at
  every stage), and kept in the store and the service's caches. At most `CONNECTIONS`
  turns are in flight at once: each connection (as a portal's proxy would) sends the next
  answer of a random open conversation that is waiting, so each person waits for minutes
  between answers at 5,000 open, well under a second at 4, while the load is the same. A
  conversation that ends is replaced by a new one (its opening is a turn too).
- capacity: no waits; the turns per second are what the service can do. The client runs
  on the same machine, so this run also counts the CPU time per turn of the client and of
  the service (its worker processes, and redis-server when it is the store): the service's
  is the cost of a turn.
- latency: the connections wait between turns (random waits, exponential, seeded: equal
  waits would keep them in step) so that together they offer 500 turns per second, or 80%
  of the capacity when that is less (a service run at its capacity only measures its
  queue); the p50 and p99 of a turn (one POST) at that load.

Every figure is of this run on this machine; nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from benchmarks.measure import BUNDLED, ms, p99
from benchmarks.services import start_redis

OPEN = (4, 200, 5_000)
QUICK_OPEN = (4, 20)
TURNS, QUICK_TURNS = 2_000, 100  # per run, at each number of open conversations
CONNECTIONS = 16  # turns in flight at most
OFFERED = 500.0  # turns per second offered in the latency run, at most
KEEPALIVE = 2.0  # seconds a client keeps an idle connection (uvicorn closes them at 5)
APPS = ("advisor", "floor")
ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Result:
    app: str  # advisor, or the floor app
    workers: int
    store: str
    open: int  # conversations open
    rate: float  # capacity, turns per second
    offered: float  # turns per second offered in the latency run
    p50: float
    p99: float
    client_cpu: float  # CPU seconds per turn of the load client, in the capacity run
    server_cpu: float  # and of the service: workers, and redis-server when it is the store


def run(
    tmp: Path,
    quick: bool,
    sizes: Sequence[int] | None = None,
    turns: int | None = None,
    workers: Sequence[int] | None = None,
    stores: Sequence[str] = ("sqlite", "redis"),
    progress: bool = False,
) -> tuple[list[Result], list[str]]:
    """Every app, number of workers and store (1 worker only when `quick`), each at every
    number of open conversations in `sizes`."""
    notes: list[str] = []
    sizes = sizes or (QUICK_OPEN if quick else OPEN)
    turns = turns or (QUICK_TURNS if quick else TURNS)
    workers = workers or ((1,) if quick else (1, 2))
    redis: tuple[subprocess.Popen[bytes], str] | None = None
    if "redis" in stores:
        try:
            redis = start_redis(tmp)
        except RuntimeError as exc:
            notes.append(f"HTTP with Redis not measured: {exc}")
    results = []
    try:
        places = 0  # each service gets a store of its own: a SQLite file, a Redis database
        for count in workers:
            for store in (s for s in stores if s == "sqlite" or redis):
                for app in APPS:
                    places += 1
                    url = (
                        f"{redis[1].rsplit('/', 1)[0]}/{places}"
                        if redis and store == "redis"
                        else f"sqlite:{tmp / f'bench-{places}.sqlite3'}"
                    )
                    with _Server(app, count, url, tmp) as (address, pid):
                        service = [pid, redis[0].pid] if redis and store == "redis" else [pid]
                        found = asyncio.run(_measure(address, service, sizes, turns))
                    for size, figures in found:
                        results.append(Result(app, count, store, size, *figures))
                        if progress:  # a long run shows what it has so far
                            print(results[-1], file=sys.stderr, flush=True)
    finally:
        if redis is not None:
            redis[0].terminate()
            redis[0].wait(10)
    return results, notes


@dataclass
class _Person:
    path: str
    auth: dict[str, str]
    answers: list[str]  # still to send


class _Load:
    """The open conversations of one service, and the client that talks to it."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.waiting: list[_Person] = []  # open, and no turn of theirs in flight
        self.people = 0  # started so far: each has a number of its own in its error text
        self.pick = random.Random(0)

    async def start(self) -> _Person:
        n = self.people
        self.people += 1
        created = (await self.client.post("/v1/conversations", json={})).raise_for_status()
        data = created.json()
        first, *rest = BUNDLED[n % len(BUNDLED)]
        return _Person(
            f"/v1/conversations/{data['conversation_id']}/messages",
            {"Authorization": f"Bearer {data['token']}"},
            [f"{first} (seen by user {n})", *rest],
        )

    async def say(self, person: _Person) -> None:
        answer = person.answers.pop(0)
        sent = await self.client.post(person.path, json={"text": answer}, headers=person.auth)
        sent.raise_for_status()

    async def open(self, size: int) -> None:
        """Open conversations until `size` are, each at a random point of its answers."""

        async def opener() -> None:
            while self.people < size:
                person = await self.start()
                for _ in range(self.pick.randrange(len(person.answers))):
                    await self.say(person)
                self.waiting.append(person)

        await asyncio.gather(*(opener() for _ in range(CONNECTIONS)))

    async def drive(self, turns: int, pause: float) -> tuple[int, float, list[float]]:
        """(turns done, seconds, the latency of each answer) of about `turns` turns, by
        connections that wait `pause` seconds on average before each."""
        latencies: list[float] = []
        budget = [turns]

        async def connection(n: int) -> None:
            waits = random.Random(n)
            while budget[0] > 0:
                budget[0] -= 1
                await asyncio.sleep(waits.expovariate(1 / pause) if pause else 0.0)
                # Any waiting conversation, in O(1): swap it with the last, take the last.
                i = self.pick.randrange(len(self.waiting))
                self.waiting[i], self.waiting[-1] = self.waiting[-1], self.waiting[i]
                person = self.waiting.pop()
                t = time.perf_counter()
                await self.say(person)
                latencies.append(time.perf_counter() - t)
                if not person.answers:  # it ended: someone else starts one
                    budget[0] -= 1
                    person = await self.start()
                self.waiting.append(person)

        started = time.perf_counter()
        await asyncio.gather(*(connection(n) for n in range(min(CONNECTIONS, len(self.waiting)))))
        return turns - budget[0], time.perf_counter() - started, sorted(latencies)


async def _measure(
    url: str, service: list[int], sizes: Sequence[int], turns: int
) -> list[tuple[int, tuple[float, float, float, float, float, float]]]:
    """For each number of open conversations: (capacity, offered, p50, p99, client CPU and
    service CPU per turn)."""
    found = []
    limits = httpx.Limits(
        max_connections=CONNECTIONS,
        max_keepalive_connections=CONNECTIONS,
        keepalive_expiry=KEEPALIVE,
    )
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:
        load = _Load(client)
        for size in sorted(sizes):
            await load.open(size)
            await load.drive(min(turns, 300), 0.0)  # the caches of a service that has run
            client_cpu, server_cpu = time.process_time(), _cpu(service)
            done, seconds, _ = await load.drive(turns, 0.0)
            client_cpu = (time.process_time() - client_cpu) / done
            server_cpu = (_cpu(service) - server_cpu) / done
            rate = done / seconds
            offered = min(OFFERED, 0.8 * rate)
            _, _, latencies = await load.drive(turns, CONNECTIONS / offered)
            middle = latencies[len(latencies) // 2]
            found.append((size, (rate, offered, middle, p99(latencies), client_cpu, server_cpu)))
    return found


class _Server:
    """`advisor serve` (no rate limit: one client sends everything) or the floor app, until
    exit."""

    def __init__(self, app: str, workers: int, store: str, tmp: Path) -> None:
        options = ["--workers", str(workers), "--store", store]
        if app == "advisor":
            options += ["--port", "0", "--rate-limit", "0", "--log-level", "warning"]
        module = ["advisor", "serve"] if app == "advisor" else ["benchmarks.http_floor"]
        self.command = [sys.executable, "-m", *module, *options]
        self.tmp = tmp

    def __enter__(self) -> tuple[str, int]:
        """The service's URL, and the id of its main process."""
        self.process = subprocess.Popen(
            self.command,
            stdout=subprocess.PIPE,
            text=True,
            cwd=self.tmp,
            env={**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(ROOT)},
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        found = re.search(r"(http://\S+?)/? ", line)
        if found is None:
            raise RuntimeError(f"{self.command[2]} said: {line!r}")
        url = found[1]
        for _ in range(400):
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    return url, self.process.pid
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"{self.command[2]} did not answer /healthz")

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


def table(results: Sequence[Result]) -> list[str]:
    """The results side by side: advisor and the floor at each number of open
    conversations, and how advisor's cost grows from the fewest to the most."""
    by = {(r.app, r.workers, r.store, r.open): r for r in results}
    lines = [
        f"{'HTTP':>6} {'workers':>7} {'store':>6} {'open':>5} | {'advisor:':>8} {'CPU':>5} "
        f"{'turns/s':>7} {'p50':>5} {'p99':>6} | {'floor:':>6} {'CPU':>5} {'turns/s':>7} "
        f"{'p50':>5} {'p99':>6} | {'CPU adv/floor':>13} {'client CPU':>10}"
    ]
    growth = []
    for (app, workers, store, size), a in by.items():
        if app != "advisor":
            continue
        f = by.get(("floor", workers, store, size))
        floor = (
            f"{ms(f.server_cpu):>5} {f.rate:>7.0f} {ms(f.p50):>5} {ms(f.p99):>6}"
            if f
            else f"{'':>27}"
        )
        times = f"{a.server_cpu / f.server_cpu:.1f}x" if f else ""
        lines.append(
            f"{'':>6} {workers:>7} {store:>6} {size:>5} | {'':>8} {ms(a.server_cpu):>5} "
            f"{a.rate:>7.0f} {ms(a.p50):>5} {ms(a.p99):>6} | {'':>6} {floor} | {times:>13} "
            f"{ms(a.client_cpu):>10}"
        )
        fewest = min(s for (p, w, st, s) in by if (p, w, st) == (app, workers, store))
        if size != fewest:
            first = by[(app, workers, store, fewest)]
            growth.append(
                f"advisor's service CPU per turn from {fewest} to {size} open conversations "
                f"({workers} worker{'s' if workers > 1 else ''}, {store}): "
                f"{a.server_cpu / first.server_cpu:.2f}x"
            )
    return [
        *lines,
        "(CPU: ms of service CPU per turn in the capacity run; turns/s: capacity; p50, p99:",
        " ms per turn at the offered load; the client's CPU per turn is counted apart)",
        *growth,
    ]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small: a smoke test")
    parser.add_argument("--open", help=f"comma-separated (default: {','.join(map(str, OPEN))})")
    parser.add_argument("--turns", type=int, help=f"per run (default: {TURNS})")
    parser.add_argument("--workers", help="comma-separated (default: 1,2; 1 when quick)")
    parser.add_argument("--stores", default="sqlite,redis", help="(default: sqlite,redis)")
    args = parser.parse_args(argv)
    sizes = [int(n) for n in args.open.split(",")] if args.open else None
    workers = [int(n) for n in args.workers.split(",")] if args.workers else None
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="advisor-bench-http-") as tmp:
        results, notes = run(
            Path(tmp), args.quick, sizes, args.turns, workers, args.stores.split(","), True
        )
    print("\n".join(table(results)))
    for note in notes:
        print(f"note: {note}")
    print(f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
