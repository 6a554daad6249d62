"""Memory stays flat however many conversations a process holds, one after another."""

from __future__ import annotations

import gc
import tracemalloc

import pytest

import advisor
from advisor.language import understand

pytestmark = pytest.mark.slow


def test_memory_does_not_grow_with_the_number_of_sessions(monkeypatch: pytest.MonkeyPatch) -> None:
    # Every conversation pastes a text of its own, as people do, so no answer is served
    # from an earlier conversation's inference. What a short text says is remembered up to
    # a bound; a small one here lets the warm-up fill it, as thousands would in a service.
    monkeypatch.setattr(understand, "REMEMBERED", 64)
    kb = advisor.load()

    def batch(start: int, size: int) -> None:
        for n in range(start, start + size):
            session = kb.new_session()
            session.start()
            for answer in (f"0x800CCC0F (user {n})", "msn", "lan", "98", "yes"):
                session.send(answer)
            assert session.done
            session.to_state()

    batch(0, 150)  # engines and caches fill up to their bounds
    gc.collect()
    tracemalloc.start()
    sizes = []
    for round_ in range(3):
        batch(1000 * (round_ + 1), 150)
        gc.collect()
        sizes.append(tracemalloc.get_traced_memory()[0])
    tracemalloc.stop()
    # 450 more conversations: what is held afterwards does not grow round after round.
    assert sizes[2] - sizes[0] < 256 * 1024, sizes


def test_conversations_leave_no_reference_cycles() -> None:
    # advisor.configure_gc() lets the collector wait long because of this: all a
    # conversation drops is freed by reference counting, none left for the collector.
    # (Building an engine does leave cycles, so the pool is filled first.)
    kb = advisor.load(engines=4)
    plans = [
        ("msn", "lan", "98", "yes"),
        ("msn", "msn dial-up", "no", "large"),
        ("msn", "isp", "other"),
        ("hotmail", "dunno", "not sure", "all", "no", "no"),
    ]

    def conversations(numbers: range) -> None:
        for n in numbers:
            session = _converse(kb, (f"0x800CCC0F (user {n})", *plans[n % len(plans)]))
            session.why(), session.facts(), session.how()
            kb.restore(session.to_state()).send("/back")

    conversations(range(-8, 0))
    gc.collect()
    gc.disable()
    try:
        conversations(range(30))
        assert gc.collect() == 0
    finally:
        gc.enable()


def test_configure_gc_raises_the_young_threshold_and_never_lowers_it() -> None:
    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        advisor.configure_gc()
        assert gc.get_threshold() == (advisor.inference.runtime.YOUNG_COLLECTION, 10, 10)
        gc.set_threshold(50_000, 10, 10)
        advisor.configure_gc()
        assert gc.get_threshold()[0] == 50_000
    finally:
        gc.set_threshold(*before)


def _converse(kb: advisor.KnowledgeBase, answers: tuple[str, ...]) -> advisor.Session:
    session = kb.new_session()
    session.start()
    for answer in answers:
        session.send(answer)
    return session
