"""A bounded memo shared by threads: the values of the keys used last.

Reading a text and inferring from answers are pure functions that conversations repeat
(every one starts with no answers, many paste the same message), so each is remembered
here rather than done again; the bound keeps a long-running worker's memory flat.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Memo(Generic[K, V]):
    """At most `bound()` values, the least recently used dropped first. The bound is read
    at every store, so it can be the module setting its owner reads (and tests change)."""

    def __init__(self, bound: Callable[[], int]) -> None:
        self._bound = bound
        self._values: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            found = self._values.get(key)
            if found is not None:
                self._values.move_to_end(key)
            return found

    def keep(self, key: K, value: V) -> None:
        with self._lock:
            self._values[key] = value
            self._values.move_to_end(key)
            while len(self._values) > self._bound():
                self._values.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._values.clear()

    def __len__(self) -> int:
        return len(self._values)
