"""In-process measurements: advisor, the naive way, CLIPS and the floor, same conversations."""

from __future__ import annotations

import gc
import json
import shutil
import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import advisor
from advisor.dialog.knowledgebase import KnowledgeBase
from advisor.dialog.session import Session
from advisor.inference.engine import EnginePool
from advisor.inference.facts import Known
from advisor.knowledge import cache
from benchmarks import clips_port, synthetic
from benchmarks.floor import Floor

FAMILIES = 20  # synthetic conversations spread over this many error codes

BUNDLED = [
    ["0x800CCC0F", "msn", "lan", "win98", "yes"],
    [
        "Your server has unexpectedly terminated the connection. Account: 'MSN Mail', "
        "Server:'smtp.email.msn.com', Protocol: 'SMTP', Port: 25, Error Number: 0x800CCC0F",
        "isp",
        "win98se",
        "no",
    ],
    ["The TCP/IP connection was unexpectedly terminated by your mail server.", "msn", "lan", "xp"],
    ["0x800CCC0F", "msn", "msn dial-up", "no", "large"],
    ["0x800CCC0F", "hotmail", "no", "all", "yes", "zonealarm"],
]


@dataclass
class Row:
    name: str
    load_cold: float = 0.0
    load_cached: float = 0.0
    session: float = 0.0
    turn: float = 0.0
    turn_p99: float = 0.0
    conversation: float = 0.0
    memory: float = 0.0
    state: int = 0
    naive_turn: float | None = None
    naive_conversation: float | None = None
    clips_turn: float | None = None
    floor_turn: float | None = None


def ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.3f}"


def ratio(ours: float, theirs: float | None) -> str:
    return "-" if theirs is None else f"{ours / theirs:.2f}"


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]


def knowledge_for(size: str, tmp: Path) -> tuple[Path, list[list[str]]]:
    """The rule folder for a size ("bundled" or a number of articles), and the conversations
    to hold with it."""
    if size == "bundled":
        from advisor.knowledge.loader import bundled_rules

        folder = tmp / "bundled"
        shutil.copytree(bundled_rules(), folder)
        return folder, BUNDLED
    n = int(size)
    folder = synthetic.write(n, tmp / f"n{n}")
    picked = list(synthetic.families(n))[:FAMILIES]
    return folder, [synthetic.conversation(f, m) for f, count in picked for m in range(count)]


def advisor_row(name: str, folder: Path, conversations: list[list[str]], sessions: int) -> Row:
    row = Row(name)
    shutil.rmtree(cache.folder(folder), ignore_errors=True)
    row.load_cold = _timed(lambda: advisor.load(folder))
    row.load_cached = _timed(lambda: advisor.load(folder))
    kb = warmed(advisor.load(folder), conversations)
    timed = _conversations(kb, conversations, sessions)
    row.session, row.turn = statistics.median(timed.starts), statistics.median(timed.turns)
    row.turn_p99, row.conversation = p99(timed.turns), statistics.median(timed.wholes)
    row.state = max(timed.states)
    row.memory = _worker_memory(folder, conversations)
    return row


def default_gc_turn(
    folder: Path, conversations: list[list[str]], sessions: int
) -> tuple[float, float]:
    """The median and p99 turn with Python's own garbage-collector thresholds, for
    comparison with those `advisor.configure_gc()` sets."""
    kept = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    try:
        timed = _conversations(warmed(advisor.load(folder), conversations), conversations, sessions)
    finally:
        gc.set_threshold(*kept)
    return statistics.median(timed.turns), p99(timed.turns)


@dataclass
class _Timed:
    starts: list[float] = field(default_factory=list)  # a new session and its greeting
    turns: list[float] = field(default_factory=list)
    wholes: list[float] = field(default_factory=list)  # whole conversations
    states: list[int] = field(default_factory=list)  # bytes of each saved conversation


def _conversations(kb: KnowledgeBase, conversations: list[list[str]], sessions: int) -> _Timed:
    timed = _Timed()
    for i in range(sessions):
        answers = own(conversations[i % len(conversations)], i)
        t0 = time.perf_counter()
        session = kb.new_session()
        session.start()
        timed.starts.append(time.perf_counter() - t0)
        for answer in answers:
            t = time.perf_counter()
            session.send(answer)
            timed.turns.append(time.perf_counter() - t)
        timed.wholes.append(time.perf_counter() - t0)
        assert session.done, answers
        timed.states.append(len(json.dumps(session.to_state()).encode()))
    return timed


def own(answers: list[str], n: int) -> list[str]:
    """A conversation with a text of its own: people's pastes differ, and the same answers
    would find the inference of an earlier conversation ready made."""
    first, *rest = answers
    return [f"{first} (seen by user {n})", *rest]


def converse(kb: KnowledgeBase, answers: list[str]) -> Session:
    session = kb.new_session()
    session.start()
    for answer in answers:
        session.send(answer)
    return session


def _worker_memory(folder: Path, conversations: list[list[str]]) -> float:
    """What a worker holds in its steady state: the knowledge base, its compiled partitions,
    engines and caches (Python's allocations, by tracemalloc)."""
    gc.collect()
    tracemalloc.start()
    kb = warmed(advisor.load(folder), conversations)
    gc.collect()
    size = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del kb
    return float(size)


def warmed(kb: KnowledgeBase, conversations: list[list[str]]) -> KnowledgeBase:
    """`kb` brought to a worker's steady state: every partition compiled, and as many engines
    built as conversations going on at once keep (64 by default). The texts differ from the
    measured conversations' (negative user numbers), so nothing measured is ready made."""
    for i in range(max(len(conversations), 80)):
        converse(kb, own(conversations[i % len(conversations)], -i - 1))
    return kb


def _timed(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def _answers_of(kb: KnowledgeBase, answers: list[str]) -> list[tuple[Known, ...]]:
    """The answers as a session records them, turn by turn."""
    session = kb.new_session()
    session.start()
    found = []
    for answer in answers:
        session.send(answer)
        found.append(session.answers)
    return found


def naive(row: Row, folder: Path, conversations: list[list[str]], sessions: int) -> None:
    """A new engine holding every rule for each session (compiled once, built per session)."""
    kb = advisor.load(folder)
    pool = EnginePool(kb.knowledge, keep=0)
    turns, wholes = [], []
    for i in range(sessions):
        steps = _answers_of(kb, own(conversations[i % len(conversations)], i))
        t0 = time.perf_counter()
        engine = pool.build()
        engine.infer(())
        for answers in steps:
            t = time.perf_counter()
            engine.infer(answers)
            turns.append(time.perf_counter() - t)
        wholes.append(time.perf_counter() - t0)
    row.naive_turn, row.naive_conversation = statistics.median(turns), statistics.median(wholes)


def clips(row: Row, folder: Path, conversations: list[list[str]], sessions: int) -> None:
    """CLIPS holding the same rules (all of them), reset and run each turn."""
    kb = advisor.load(folder)
    engine = clips_port.ClipsEngine(kb.knowledge)
    row.clips_turn = _per_turn(kb, conversations, sessions, engine.infer)


def floor(row: Row, folder: Path, conversations: list[list[str]], sessions: int) -> None:
    kb = advisor.load(folder)
    row.floor_turn = _per_turn(kb, conversations, sessions, Floor(kb.knowledge).infer)


def _per_turn(
    kb: KnowledgeBase,
    conversations: list[list[str]],
    sessions: int,
    infer: Callable[[tuple[Known, ...]], object],
) -> float:
    turns = []
    for i in range(sessions):
        for answers in _answers_of(kb, own(conversations[i % len(conversations)], i)):
            t = time.perf_counter()
            infer(answers)
            turns.append(time.perf_counter() - t)
    return statistics.median(turns)
