"""Memory stays flat however many conversations a process holds, one after another."""

from __future__ import annotations

import gc
import tracemalloc

import pytest

import advisor

pytestmark = pytest.mark.slow


def test_memory_does_not_grow_with_the_number_of_sessions() -> None:
    # Every conversation pastes a text of its own, as people do, so no answer is served
    # from an earlier conversation's inference.
    kb = advisor.load()

    def batch(start: int, size: int) -> None:
        for n in range(start, start + size):
            session = kb.new_session()
            session.start()
            for answer in (f"0x800CCC0F (user {n})", "lan", "98", "yes"):
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
