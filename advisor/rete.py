"""experta, made usable: the only module of advisor that imports it.

Three things stand between experta 1.9.4 (its last release) and a long-running service:

1. It does not import on Python 3.10+: its pinned frozendict 1.2 subclasses
   `collections.Mapping`, which 3.10 removed. The removed ABC names are aliased before the
   first import.
2. Importing it calls `logging.basicConfig()`, which would take over the logging of any
   program that embeds advisor. The handler it adds is removed again.
3. Two process-wide `lru_cache`s make a reused engine slower every session (the agenda key
   cache collides once fact ids restart at 0 after `reset()`) and make two engines used in
   turn thrash (the conflict-set node cache holds one engine). `BaseEngine` replaces both
   with per-engine, cache-free equivalents, which also keeps engines in different threads
   from sharing any state.
"""

from __future__ import annotations

import collections
import collections.abc
import logging
from typing import Any

for _name in collections.abc.__all__:
    if not hasattr(collections, _name):
        setattr(collections, _name, getattr(collections.abc, _name))

_root = logging.getLogger()
_handlers_before = list(_root.handlers)

import experta  # noqa: E402
from experta import (  # noqa: E402
    AS,
    MATCH,
    NOT,
    Fact,
    KnowledgeEngine,
    P,
    Rule,
)
from experta.matchers import ReteMatcher  # noqa: E402
from experta.strategies import DepthStrategy  # noqa: E402

for _handler in list(_root.handlers):
    if _handler not in _handlers_before:
        _root.removeHandler(_handler)

__all__ = ["AS", "MATCH", "NOT", "BaseEngine", "Fact", "P", "Rule", "experta"]


class _Strategy(DepthStrategy):  # type: ignore[misc]
    def get_key(self, activation: Any) -> tuple[int, list[int]]:
        ids = sorted((f["__factid__"] for f in activation.facts), reverse=True)
        return (activation.rule.salience, ids)


class _Matcher(ReteMatcher):  # type: ignore[misc]
    def __init__(self, engine: Any) -> None:
        super().__init__(engine)
        # The network never changes after it is built, so its conflict-set nodes are found
        # once, here, instead of through experta's one-slot cache shared by all engines.
        self._nodes = ReteMatcher._get_conflict_set_nodes.__wrapped__(self)

    def _get_conflict_set_nodes(self) -> tuple[Any, ...]:
        return self._nodes  # type: ignore[no-any-return]


class BaseEngine(KnowledgeEngine):  # type: ignore[misc]
    """A KnowledgeEngine without experta's process-wide caches."""

    __strategy__ = _Strategy
    __matcher__ = _Matcher
