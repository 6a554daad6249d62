"""advisor's costs as the knowledge base grows, against baselines, all measured in one run.

    python -m benchmarks [--sizes bundled,10,100,1000,10000] [--sessions N] [--quick]

For the bundled knowledge base and synthetic ones of N articles (`synthetic.py`), it
measures loading (cold, and from the cache), a new session, each turn, a whole
conversation, the memory of a worker and the size of a saved conversation; the same
conversations the naive way (a new experta engine holding every rule, per session), in
CLIPS holding the same rules, and by plain dictionaries (the floor); a turn's work in each
store alone (`stores.py`); and the HTTP service (`http.py`, beside a floor app on the same
stack). Nothing here asserts a time: it prints what it measured.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import advisor
from benchmarks import clips_port, http, measure, stores
from benchmarks.measure import Row

SIZES = "bundled,10,100,1000,10000"
STORE_TURNS_QUICK = 1000
NAIVE_UP_TO = 1000  # beyond, one engine of every rule takes minutes to build per session


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    stores: list[stores.Result] = field(default_factory=list)
    http: list[http.Result] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def print(self) -> None:
        ms = measure.ms
        print("advisor benchmark: every figure measured in this run (medians unless said)")
        print(
            f"{'N':>8} {'load cold':>10} {'cached':>8} {'session':>8} {'turn':>7} {'p99':>7} "
            f"{'convers.':>9} {'memory':>8} {'state':>6}"
        )
        for r in self.rows:
            print(
                f"{r.name:>8} {ms(r.load_cold):>10} {ms(r.load_cached):>8} {ms(r.session):>8} "
                f"{ms(r.turn):>7} {ms(r.turn_p99):>7} {ms(r.conversation):>9} "
                f"{r.memory / 1e6:>6.1f}MB {r.state:>5}B"
            )
        print()
        print(
            f"{'N':>8} {'per turn:':>9} {'advisor':>8} {'naive':>8} {'CLIPS':>8} {'floor':>8}"
            f" {'adv/naive':>10} {'adv/CLIPS':>10} {'adv/floor':>10}"
            f" {'conversation:':>14} {'naive':>10} {'adv/naive':>10}"
        )
        for r in self.rows:
            naive, clips, floor = (
                measure.ratio(r.turn, other) for other in (r.naive_turn, r.clips_turn, r.floor_turn)
            )
            print(
                f"{r.name:>8} {'':>9} {ms(r.turn):>8} {ms(r.naive_turn):>8} {ms(r.clips_turn):>8} "
                f"{ms(r.floor_turn):>8} {naive:>10} {clips:>10} {floor:>10} "
                f"{ms(r.conversation):>14} {ms(r.naive_conversation):>10} "
                f"{measure.ratio(r.conversation, r.naive_conversation):>10}"
            )
        if self.stores:
            print()
            print("\n".join(stores.table(self.stores)))
        if self.http:
            print()
            print("\n".join(http.table(self.http)))
        for note in self.notes:
            print(f"note: {note}")


def run(sizes: Sequence[str], sessions: int, quick: bool, with_http: bool) -> Report:
    report = Report()
    with tempfile.TemporaryDirectory(prefix="advisor-bench-") as tmp:
        for size in sizes:
            folder, conversations = measure.knowledge_for(size, Path(tmp))
            row = measure.advisor_row(size, folder, conversations, sessions)
            if size == "bundled" or int(size) <= NAIVE_UP_TO:
                measure.naive(row, folder, conversations, 2 if quick else 3)
            else:
                report.notes.append(
                    f"naive not run at N={size}: one engine of every rule would be "
                    "built per session (see the N=1000 row for its cost)"
                )
            if clips_port.available():
                measure.clips(row, folder, conversations, sessions)
            measure.floor(row, folder, conversations, sessions)
            report.rows.append(row)
            if size == sizes[0]:
                median, slowest = measure.default_gc_turn(folder, conversations, sessions)
                report.notes.append(
                    f"with Python's default garbage collection instead of configure_gc(), "
                    f"a turn ({size}) takes {measure.ms(median)} ms, p99 {measure.ms(slowest)}"
                )
        if not clips_port.available():
            report.notes.append("CLIPS not measured: install the `bench` extra (clipspy)")
        if with_http:
            turns = STORE_TURNS_QUICK if quick else stores.TURNS
            report.stores, store_notes = stores.run(Path(tmp), turns, ("sqlite", "redis"))
            report.http, http_notes = http.run(Path(tmp), quick)
            report.notes.extend(store_notes + http_notes)
    return report


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default=SIZES, help=f"comma-separated (default: {SIZES})")
    parser.add_argument("--sessions", type=int, default=200, help="conversations per size")
    parser.add_argument("--quick", action="store_true", help="few repetitions: a smoke test")
    parser.add_argument(
        "--no-http", dest="http", action="store_false", help="skip the stores and HTTP"
    )
    args = parser.parse_args(argv)
    advisor.configure_gc()  # as `advisor serve` does in each worker: this process is one
    started = time.perf_counter()
    report = run(args.sizes.split(","), args.sessions, args.quick, args.http)
    report.print()
    print(f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
