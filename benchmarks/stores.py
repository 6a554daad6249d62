"""What a turn costs in each store alone, without HTTP or the dialog.

    python -m benchmarks.stores [--turns 5000] [--stores sqlite,redis]

A turn here is what `advisor serve` asks of its store: take the conversation, read its
record, write it back with the new turn and the report's summary, let go. The records,
turns and summaries are those of a bundled conversation, made by a real session; each
conversation is opened (one more write) and taken through all its answers, then the next.
It prints, per turn, the CPU of this process (a worker's share), of redis-server (the
store's own), and the time. SQLite, in the same run, is the baseline of Redis. Nothing
here asserts a time: it prints what it measured.
"""

from __future__ import annotations

import argparse
import secrets
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import advisor
from advisor.web.stores import Record, Store, open_store
from advisor.web.summary import summarize
from benchmarks.measure import BUNDLED, ms
from benchmarks.services import cpu_seconds, start_redis

TURNS = 5_000


@dataclass(frozen=True)
class Step:
    """One answer of the conversation: the session's state after it, the turn as logged,
    and the conversation's summary then."""

    state: dict[str, Any]
    turn: dict[str, Any]
    summary: dict[str, Any]


@dataclass(frozen=True)
class Result:
    store: str
    turns: int
    cpu: float  # seconds per turn, of this process
    server_cpu: float  # seconds per turn, of redis-server (0 for SQLite)
    seconds: float  # per turn


def conversation(answers: Sequence[str] = BUNDLED[1]) -> tuple[dict[str, Any], list[Step]]:
    """The opening turn, and every answer's step, of one real conversation."""
    session = advisor.load().new_session()
    now = time.time()
    record = Record("measured", "", session.to_state(), now, now)
    opening = {"sent": None, "client_message_id": None, "reply": session.start().to_dict()}
    record.add({**opening, "at": now})
    steps = []
    for answer in answers:
        turn = {"sent": {"text": answer}, "client_message_id": None}
        turn["reply"] = session.send(answer).to_dict()
        record.add({**turn, "at": now})
        steps.append(Step(session.to_state(), turn, summarize(record, session)))
    return opening, steps


def drive(store: Store, opening: dict[str, Any], steps: list[Step], turns: int) -> list[str]:
    """Open conversations and take each through its steps until `turns` are done (an
    opening counts as one); the ids of the conversations."""
    made: list[str] = []
    done = 0
    while done < turns:
        now = time.time()
        record = Record(secrets.token_urlsafe(16), "", {}, now, now)
        record.add({**opening, "at": now})
        store.create(record, {**steps[0].summary, "id": record.id, "started": now})
        made.append(record.id)
        done += 1
        for step in steps[: turns - done]:
            with store.locked(record.id) as slot:
                assert slot.record is not None
                kept = slot.record
                kept.add({**step.turn, "at": time.time()})
                kept.state, kept.updated = step.state, time.time()
                slot.save(kept, {**step.summary, "id": kept.id, "started": kept.created})
            done += 1
    return made


def measure(
    name: str, url: str, server: list[int], turns: int, made: tuple[dict[str, Any], list[Step]]
) -> Result:
    opening, steps = made
    store = open_store(url, idle_timeout=3600.0, lock_wait=5.0)
    try:
        drive(store, opening, steps, min(turns, 200))  # connections, caches, the file grown
        used, served, started = time.process_time(), cpu_seconds(server), time.perf_counter()
        drive(store, opening, steps, turns)
        elapsed = time.perf_counter() - started
        used, served = time.process_time() - used, cpu_seconds(server) - served
    finally:
        store.close()
    return Result(name, turns, used / turns, served / turns, elapsed / turns)


def run(tmp: Path, turns: int, stores: Sequence[str]) -> tuple[list[Result], list[str]]:
    results, notes = [], []
    made = conversation()  # one session, for every store
    for name in stores:
        if name == "sqlite":
            results.append(measure(name, f"sqlite:{tmp / 'turns.sqlite3'}", [], turns, made))
            continue
        if name != "redis":
            notes.append(f"{name!r} is no store here (sqlite, redis)")
            continue
        try:
            redis, url = start_redis(tmp)
        except RuntimeError as exc:
            notes.append(f"Redis not measured: {exc}")
            continue
        try:
            results.append(measure(name, url, [redis.pid], turns, made))
        finally:
            redis.terminate()
            redis.wait(10)
    return results, notes


def table(results: Sequence[Result]) -> list[str]:
    baseline = next((r for r in results if r.store == "sqlite"), None)
    header = f"{'store':>7} {'turns':>6} {'CPU':>6} {'server CPU':>10} {'time':>6}"
    lines = [f"{header} {'all CPU/sqlite':>14}"]
    for r in results:
        versus = f"{(r.cpu + r.server_cpu) / baseline.cpu:.1f}x" if baseline else ""
        lines.append(
            f"{r.store:>7} {r.turns:>6} {ms(r.cpu):>6} {ms(r.server_cpu):>10} "
            f"{ms(r.seconds):>6} {versus:>14}"
        )
    return [
        *lines,
        "(ms per turn: CPU of this process, the store's work in a worker; server CPU, of",
        " redis-server; time, from taking the conversation to letting it go)",
    ]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--turns", type=int, default=TURNS, help=f"per store (default {TURNS})")
    parser.add_argument("--stores", default="sqlite,redis", help="(default: sqlite,redis)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="advisor-bench-stores-") as tmp:
        results, notes = run(Path(tmp), args.turns, args.stores.split(","))
    print("advisor stores benchmark: a turn's store work alone, measured in this run")
    print("\n".join(table(results)))
    for note in notes:
        print(f"note: {note}")


if __name__ == "__main__":
    main()
