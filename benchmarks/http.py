"""The HTTP service under load, beside a floor app on the same stack, in one run.

    python -m benchmarks.http [--quick] [--open 4,200,5000] [--seconds 10]

For 1 and 2 worker processes, SQLite and Redis, it starts `advisor serve` and the floor
app (`http_floor.py`: the same stack and store, a dictionary lookup instead of advisor) on
loopback, and drives each at 4, 200 and 5,000 open conversations:

- open conversations: created up front by httpx, each taken to a random point of its
  bundled conversation (as in a service that has run for a while, where conversations are
  at every stage), and kept in the store and the service's caches. Then wrk sends the
  turns (`http_load.lua`): at most `CONNECTIONS` are in flight at once, each connection
  (as a portal's proxy would) sending the next answer of a random open conversation that
  is waiting, so each person waits for minutes between answers at 5,000 open, well under a
  second at 4, while the load is the same. A conversation that ends is replaced by a new
  one (its opening is a turn too). wrk, a C client, takes a small part of the two cores the
  service shares with it; a Python client took more CPU per turn than the service did.
- capacity: no waits; the turns per second are what the service can do. This run also
  counts the CPU time per turn of the client (wrk) and of the service (its worker
  processes, and redis-server when it is the store): the service's is the cost of a turn.
- latency: the connections wait between turns (random waits, exponential, seeded: equal
  waits would keep them in step) so that together they offer 500 turns per second, or 80%
  of the capacity when that is less (a service run at its capacity only measures its
  queue); the p50 and p99 of a turn (one POST) at that load.

Every figure is of this run on this machine; nothing here asserts a time. wrk must be
installed (Debian's `wrk`; `.ci/run` installs it).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from benchmarks.measure import BUNDLED, ms
from benchmarks.services import cpu_seconds, start_redis

OPEN = (4, 200, 5_000)
QUICK_OPEN = (4, 20)
SECONDS, QUICK_SECONDS = 10, 1  # per run, at each number of open conversations
CONNECTIONS = 16  # turns in flight at most
OFFERED = 500.0  # turns per second offered in the latency run, at most
LOAD = Path(__file__).with_name("http_load.lua")
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
    seconds: int | None = None,
    workers: Sequence[int] | None = None,
    stores: Sequence[str] = ("sqlite", "redis"),
    progress: bool = False,
) -> tuple[list[Result], list[str]]:
    """Every app, number of workers and store (1 worker only when `quick`), each at every
    number of open conversations in `sizes`."""
    notes: list[str] = []
    sizes = sizes or (QUICK_OPEN if quick else OPEN)
    seconds = seconds or (QUICK_SECONDS if quick else SECONDS)
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
                        found = _measure(address, service, sizes, seconds, tmp)
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
    token: str
    answers: list[str]  # still to send


class _Load:
    """The open conversations of one service: httpx opens them, wrk drives them."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.waiting: list[_Person] = []  # open, and no turn of theirs in flight
        self.people = 0  # started so far: each has a number of its own in its error text
        self.pick = random.Random(0)
        self.size = 0  # conversations kept open

    async def start(self, client: httpx.AsyncClient) -> _Person:
        n = self.people
        self.people += 1
        created = (await client.post("/v1/conversations", json={})).raise_for_status()
        data = created.json()
        first, *rest = BUNDLED[n % len(BUNDLED)]
        return _Person(
            f"/v1/conversations/{data['conversation_id']}/messages",
            data["token"],
            [f"{first} (seen by user {n})", *rest],
        )

    async def say(self, client: httpx.AsyncClient, person: _Person) -> None:
        answer = person.answers.pop(0)
        auth = {"Authorization": f"Bearer {person.token}"}
        sent = await client.post(person.path, json={"text": answer}, headers=auth)
        sent.raise_for_status()

    def open(self, size: int) -> None:
        """Keep `size` conversations open from now on: open those missing, each taken to a
        random point of its answers."""
        self.size = size
        asyncio.run(self._open())

    async def _open(self) -> None:
        wanted = [self.size - len(self.waiting)]

        async def opener(client: httpx.AsyncClient) -> None:
            while wanted[0] > 0:
                wanted[0] -= 1
                person = await self.start(client)
                for _ in range(self.pick.randrange(len(person.answers))):
                    await self.say(client, person)
                self.waiting.append(person)

        limits = httpx.Limits(max_connections=CONNECTIONS)
        async with httpx.AsyncClient(base_url=self.url, timeout=60, limits=limits) as client:
            await asyncio.gather(*(opener(client) for _ in range(CONNECTIONS)))

    def drive(self, seconds: int, pause: float, tmp: Path) -> _Driven:
        """`seconds` of turns sent by wrk over min(CONNECTIONS, open) connections that
        wait `pause` seconds on average before each; the conversations are left as wrk
        leaves them, and those that ended as it stopped replaced."""
        asyncio.run(self._open())
        people = tmp / "people.lua"
        people.write_text(
            "return {people = {"
            + ",".join(_lua("\t".join([p.path, p.token, *p.answers])) for p in self.waiting)
            + "}, bundled = {"
            + ",".join(_lua("\t".join(answers)) for answers in BUNDLED)
            + f"}}, started = {self.people}}}"
        )
        connections = min(CONNECTIONS, len(self.waiting))
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        ran = subprocess.run(
            [
                *("wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "60s"),
                *("-s", str(LOAD), self.url, "--", str(people), str(pause * 1000)),
                str(self.people),
            ],
            capture_output=True,
            text=True,
        )
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        figures: dict[str, float] = {}
        self.waiting = []
        for line in ran.stdout.splitlines():
            kind, _, rest = line.partition(" ")
            if kind == "figures":
                figures = {k: float(v) for k, v in (f.split("=") for f in rest.split())}
            elif kind == "started":
                self.people = int(rest)
            elif kind == "person":
                path, token, *answers = rest.split("\t")
                if answers:  # one that ended as wrk stopped is not open any more
                    self.waiting.append(_Person(path, token, answers))
        failed = sum(figures.get(k, 1) for k in ("failed", "connect", "read", "write", "timeout"))
        if ran.returncode or not figures or failed:
            raise RuntimeError(f"wrk: {figures or 'no figures'}; {ran.stderr.strip()[-3000:]}")
        cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
        return _Driven(
            int(figures["requests"]), figures["seconds"], cpu, figures["p50"], figures["p99"]
        )


@dataclass
class _Driven:
    """What one run of wrk did: turns, in seconds, the CPU seconds wrk used, and the
    median and 99th percentile of a turn's latency."""

    turns: int
    seconds: float
    cpu: float
    p50: float
    p99: float


def _lua(text: str) -> str:
    """`text` as a Lua string literal (bytes other than printable ASCII escaped)."""
    return (
        '"'
        + "".join(
            c if " " <= c <= "~" and c not in '"\\' else "".join(f"\\{b:03d}" for b in c.encode())
            for c in text
        )
        + '"'
    )


def _measure(
    url: str, service: list[int], sizes: Sequence[int], seconds: int, tmp: Path
) -> list[tuple[int, tuple[float, float, float, float, float, float]]]:
    """For each number of open conversations: (capacity, offered, p50, p99, client CPU and
    service CPU per turn)."""
    found = []
    load = _Load(url)
    for size in sorted(sizes):
        load.open(size)
        load.drive(min(seconds, 2), 0.0, tmp)  # the caches of a service that has run
        server_cpu = cpu_seconds(service)
        capacity = load.drive(seconds, 0.0, tmp)
        server_cpu = (cpu_seconds(service) - server_cpu) / capacity.turns
        rate = capacity.turns / capacity.seconds
        offered = min(OFFERED, 0.8 * rate)
        connections = min(CONNECTIONS, len(load.waiting))
        latency = load.drive(seconds, connections / offered, tmp)
        figures = (
            rate,
            offered,
            latency.p50,
            latency.p99,
            capacity.cpu / capacity.turns,
            server_cpu,
        )
        found.append((size, figures))
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
        assert self.process.stdout is not None
        self.process.stdout.close()


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
    parser.add_argument("--seconds", type=int, help=f"per run (default: {SECONDS})")
    parser.add_argument("--workers", help="comma-separated (default: 1,2; 1 when quick)")
    parser.add_argument("--stores", default="sqlite,redis", help="(default: sqlite,redis)")
    args = parser.parse_args(argv)
    sizes = [int(n) for n in args.open.split(",")] if args.open else None
    workers = [int(n) for n in args.workers.split(",")] if args.workers else None
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="advisor-bench-http-") as tmp:
        results, notes = run(
            Path(tmp), args.quick, sizes, args.seconds, workers, args.stores.split(","), True
        )
    print("\n".join(table(results)))
    for note in notes:
        print(f"note: {note}")
    print(f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
