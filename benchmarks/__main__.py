"""Session benchmark for the bundled knowledge base, pooled engines against the naive way.

    python -m benchmarks [--sessions N]

Every figure is measured in this run. "advisor" is the library as shipped: one engine per
thread, built once and reset for every turn. "naive" builds a new experta engine for every
session, as a first implementation would; the conversations are the same.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import time
import tracemalloc
from collections.abc import Callable

import advisor
from advisor.engine import EnginePool

CONVERSATIONS = [
    ["0x800CCC0F", "lan", "win98", "yes"],
    [
        "Your server has unexpectedly terminated the connection. Account: 'MSN Mail', "
        "Server:'smtp.email.msn.com', Protocol: 'SMTP', Port: 25, Error Number: 0x800CCC0F",
        "isp",
        "win98se",
        "no",
    ],
    ["The TCP/IP connection was unexpectedly terminated by your mail server.", "lan", "other"],
    ["0x800CCC0F", "msn dial-up", "no", "large"],
]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.3f} ms"


def run_sessions(
    kb: advisor.KnowledgeBase, count: int
) -> tuple[list[float], list[float], list[float]]:
    """Start `count` sessions and hold their conversations; time starts, turns and wholes."""
    starts, turns, wholes = [], [], []
    for i in range(count):
        answers = CONVERSATIONS[i % len(CONVERSATIONS)]
        t0 = time.perf_counter()
        session = kb.new_session()
        session.start()
        t1 = time.perf_counter()
        for answer in answers:
            t = time.perf_counter()
            session.send(answer)
            turns.append(time.perf_counter() - t)
        assert session.done
        starts.append(t1 - t0)
        wholes.append(time.perf_counter() - t0)
    return starts, turns, wholes


class NaiveKnowledgeBase(advisor.KnowledgeBase):
    """Builds a new engine for every session (and keeps it for that session's turns)."""

    def new_session(self) -> advisor.Session:
        self._pool = EnginePool(self.knowledge)
        return super().new_session()


def idle_session_memory(kb: advisor.KnowledgeBase, count: int) -> tuple[float, float]:
    """Heap bytes per idle saved session, and bytes of its JSON state."""
    states = []
    for i in range(count):
        session = kb.new_session()
        session.start()
        for answer in CONVERSATIONS[i % 2][:2]:
            session.send(answer)
        states.append(session.to_state())
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    kept = [json.dumps(s) for s in states]
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    heap = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    return heap / count, statistics.mean(len(k.encode()) for k in kept)


def timed(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sessions", type=int, default=400, help="conversations per variant")
    args = parser.parse_args()

    load = timed(advisor.load, 5)
    kb = advisor.load()
    rules = EnginePool(kb.knowledge).rule_count
    build = timed(lambda: EnginePool(kb.knowledge).build(), 5)
    run_sessions(kb, 4)  # warm the pool
    starts, turns, wholes = run_sessions(kb, args.sessions)
    naive_count = max(4, args.sessions // 4)
    n_starts, n_turns, n_wholes = run_sessions(NaiveKnowledgeBase(kb.knowledge), naive_count)
    heap, state = idle_session_memory(kb, max(50, args.sessions))

    print(
        f"advisor benchmark: bundled knowledge base ({len(kb.knowledge.articles)} article, "
        f"{rules} generated rules), {args.sessions} conversations (naive: {naive_count})"
    )
    print(f"{'':32}{'advisor':>12}{'naive':>12}{'naive/advisor':>15}")
    rows = [
        ("new session + first question", statistics.median(starts), statistics.median(n_starts)),
        ("turn, median", statistics.median(turns), statistics.median(n_turns)),
        ("turn, p99", percentile(turns, 99), percentile(n_turns, 99)),
        ("whole conversation, median", statistics.median(wholes), statistics.median(n_wholes)),
    ]
    for name, ours, theirs in rows:
        print(f"{name:32}{ms(ours):>12}{ms(theirs):>12}{theirs / ours:>14.1f}x")
    print(f"{'knowledge base load':32}{ms(load):>12}")
    print(f"{'engine build (once per thread)':32}{ms(build):>12}")
    print(f"{'idle saved session, heap':32}{heap:>9.0f} B")
    print(f"{'idle saved session, JSON':32}{state:>9.0f} B")


if __name__ == "__main__":
    main()
