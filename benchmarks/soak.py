"""Memory of one worker over many conversations, one after another.

    python -m benchmarks.soak [--size bundled|N] [--sessions 100000] [--every 10000]

Every conversation pastes a text of its own, as people do. At each checkpoint it prints the
process's resident memory and the memory blocks Python has allocated, after a collection;
the first checkpoint is the baseline, taken once engines and caches have filled to their
bounds.
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import advisor
from benchmarks.measure import converse, knowledge_for, own, warmed


def resident() -> int:
    """Resident set size in bytes (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def soak(size: str, sessions: int, every: int) -> Iterator[tuple[int, int, int]]:
    """(conversations held, resident bytes, Python's allocated blocks) at each checkpoint.
    Nothing of earlier checkpoints is kept, so the blocks count only what advisor holds."""
    with tempfile.TemporaryDirectory(prefix="advisor-soak-") as tmp:
        folder, conversations = knowledge_for(size, Path(tmp))
        kb = warmed(advisor.load(folder), conversations)
        for done in range(sessions + 1):
            if done % every == 0:
                gc.collect()
                yield done, resident(), sys.getallocatedblocks()
            if done < sessions:
                session = converse(kb, own(conversations[done % len(conversations)], done))
                assert session.done


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", default="bundled", help="bundled, or N synthetic articles")
    parser.add_argument("--sessions", type=int, default=100_000)
    parser.add_argument("--every", type=int, default=10_000, help="conversations per line")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    print(f"{'sessions':>9} {'RSS MB':>9} {'growth KB':>10} {'blocks':>10}")
    baseline = None
    for done, rss, blocks in soak(args.size, args.sessions, args.every):
        baseline = rss if baseline is None else baseline
        growth = (rss - baseline) / 2**10
        print(f"{done:>9} {rss / 2**20:>9.1f} {growth:>+10.0f} {blocks:>10}", flush=True)
    print(f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
