"""Process-wide settings for a program that holds conversations for a long time.

advisor never changes them on import: the program that owns the process (`advisor serve`
does, in each worker) calls `configure_gc()`.
"""

from __future__ import annotations

import gc

# Net allocations of container objects between two young collections (Python's default: 700).
YOUNG_COLLECTION = 10_000


def configure_gc(threshold: int = YOUNG_COLLECTION) -> None:
    """Let Python's garbage collector wait for `threshold` net allocations before a young
    collection, unless it already waits longer.

    A turn builds and drops a few thousand tokens in the engine's network. With Python's
    700, that started collections all the time: measured on the bundled rules over 1,500
    conversations, they took 40% of the time, and the full ones, which walk every engine a
    worker keeps, paused single turns for 300-700 ms. With 10,000 none ran at all. Nothing
    is freed later for it: a conversation leaves no reference cycles, and reference counting
    frees everything it drops.
    """
    young, middle, old = gc.get_threshold()
    gc.set_threshold(max(young, threshold), middle, old)
