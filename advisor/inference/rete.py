"""experta, made usable: the only module of advisor that imports it.

These stand between experta 1.9.4 (its last release) and a long-running service, and touch
nothing of experta's that another user of it in the same process would see:

1. It does not import on Python 3.10+: its pinned frozendict 1.2 subclasses
   `collections.Mapping`, which 3.10 removed. The removed ABC names are aliased while
   experta is imported, and removed again (frozendict reads them only to make its class).
2. Importing it calls `logging.basicConfig()`, which would take over the logging of any
   program that embeds advisor. The handler it adds is removed again.
3. Two process-wide `lru_cache`s make a reused engine slower every session (the agenda key
   cache collides once fact ids restart at 0 after `reset()`) and make two engines used in
   turn thrash (the conflict-set node cache holds one engine). `BaseEngine` replaces both
   with per-engine, cache-free equivalents, which also keeps engines in different threads
   from sharing any state.
4. Every token the network passes on is built through a constructor that checks the types
   of its facts in `assert`s, debug checks that `python -O` drops; with them, building
   tokens was a third of a turn. advisor's network builds `_Token`s, without them.
5. Its depth strategy looks for a withdrawn activation only beside the first one of the
   same key, so among many of one key (goal rules) some stayed on the agenda after the
   network withdrew them. `_Strategy` searches every activation of that key.
6. Building the network makes a new `singledispatch` function for every rule it wires,
   which no dispatch cache can help: two thirds of building a small engine. The rules
   advisor compiles (facts, `AND`, `NOT`) are wired by `_wire` instead (`_Matcher` builds
   its network through `_wire_rule`), the same kinds of nodes in the same order; anything
   else still goes to experta's `wire_rule`.
7. An activation's hash is computed again, over all its facts and context, every time the
   conflict set looks it up (some 40 µs each, a sixth of a turn in a large partition). An
   activation does not change once made, so an `_Activation` keeps its hash.

Points 4 and 7 need experta's nodes to make advisor's classes: its own code is run with
those names in place of experta's (`_rebound`), in node subclasses only advisor's network
holds.
"""

from __future__ import annotations

import bisect
import collections
import collections.abc
import contextlib
import itertools
import logging
import types
from collections.abc import Callable, Iterator
from typing import Any


@contextlib.contextmanager
def _importable() -> Iterator[None]:
    """Points 1 and 2 above, for the `with` block that imports experta."""
    aliased = [name for name in collections.abc.__all__ if not hasattr(collections, name)]
    for name in aliased:
        setattr(collections, name, getattr(collections.abc, name))
    root = logging.getLogger()
    handlers_before = list(root.handlers)
    try:
        yield
    finally:
        for name in aliased:
            delattr(collections, name)
        for handler in list(root.handlers):
            if handler not in handlers_before:
                root.removeHandler(handler)


with _importable():
    import experta
    from experta import AS, MATCH, NOT, Fact, KnowledgeEngine, P, Rule
    from experta.activation import Activation
    from experta.conditionalelement import AND, EXISTS, FORALL, OR, TEST
    from experta.matchers import ReteMatcher
    from experta.matchers.rete.check import SameContextCheck
    from experta.matchers.rete.nodes import (
        BusNode,
        ConflictSetNode,
        NotNode,
        OrdinaryMatchNode,
    )
    from experta.matchers.rete.token import Token, TokenInfo
    from experta.matchers.rete.utils import wire_rule
    from experta.strategies import DepthStrategy

__all__ = ["AS", "MATCH", "NOT", "PASSIVE", "BaseEngine", "Fact", "P", "Rule", "experta"]

# The salience of rules that never fire: their activations stand for something awaited,
# and `BaseEngine.run` stops when only they are left.
PASSIVE = -1


def _rebound(function: Callable[..., Any], **names: Any) -> Callable[..., Any]:
    """experta's own `function`, reading `names` where it reads its module's globals: the
    same code making advisor's classes, without changing experta's for anybody else."""
    assert isinstance(function, types.FunctionType), function
    scope = {**function.__globals__, **names}
    rebound = types.FunctionType(
        function.__code__, scope, function.__name__, function.__defaults__, function.__closure__
    )
    rebound.__qualname__ = function.__qualname__
    return rebound


class _Token(Token):  # type: ignore[misc]
    """experta's token, built without the checks of its constructor (point 4 above)."""

    def __new__(cls, tag: Any, data: Any, context: Any = None) -> Any:
        facts = {data} if isinstance(data, Fact) else set(data)
        return tuple.__new__(cls, (tag, facts, {} if context is None else context))

    def copy(self) -> Any:
        return tuple.__new__(type(self), (self.tag, self.data.copy(), self.context.copy()))


class _TokenInfo(TokenInfo):  # type: ignore[misc]
    """What a node remembers of a `_Token`; a `NotNode` makes `_Token`s of it again."""

    to_valid_token = _rebound(TokenInfo.to_valid_token, Token=_Token)
    to_invalid_token = _rebound(TokenInfo.to_invalid_token, Token=_Token)


_Token.to_info = _rebound(Token.to_info, TokenInfo=_TokenInfo)


class _Activation(Activation):  # type: ignore[misc]
    """experta's activation, hashed once (point 7 above)."""

    def __hash__(self) -> int:
        kept: int | None = self.__dict__.get("_hash")
        if kept is None:
            kept = self._hash = super().__hash__()
        return kept


class _BusNode(BusNode):  # type: ignore[misc]
    add = _rebound(BusNode.add, Token=_Token)
    remove = _rebound(BusNode.remove, Token=_Token)


class _OrdinaryMatchNode(OrdinaryMatchNode):  # type: ignore[misc]
    _OrdinaryMatchNode__activation = _rebound(
        OrdinaryMatchNode._OrdinaryMatchNode__activation, Token=_Token
    )


class _ConflictSetNode(ConflictSetNode):  # type: ignore[misc]
    _activate = _rebound(ConflictSetNode._activate, Activation=_Activation)


def _wire_rule(rule: Any, alpha_terminals: Any, lhs: Any = None) -> None:
    """experta's `wire_rule` for rules of facts, `AND` and `NOT` (point 6 above)."""
    lhs = rule if lhs is None else lhs
    if _elements(lhs) & {TEST, FORALL, EXISTS, OR}:
        wire_rule(rule, alpha_terminals, lhs=lhs)
        return
    last = _wire(lhs, alpha_terminals)
    node = _ConflictSetNode(rule)
    last.add_child(node, node.activate)


def _elements(element: Any) -> set[type]:
    if isinstance(element, Fact):
        return set()
    return {type(element)}.union(*(_elements(e) for e in element))


def _wire(element: Any, alpha_terminals: Any) -> Any:
    if isinstance(element, Fact):
        return alpha_terminals[element]
    if isinstance(element, NOT):
        return alpha_terminals[element[0]]
    assert isinstance(element, (Rule, AND)), element
    if len(element) == 1:
        return _wire(element[0], alpha_terminals)
    current = None
    for first, second in itertools.pairwise(element):
        node_cls = NotNode if isinstance(second, NOT) else _OrdinaryMatchNode
        if current is None:
            current = node_cls(SameContextCheck())
            left = _wire(first, alpha_terminals)
            right = _wire(second, alpha_terminals)
        else:
            left, right = current, _wire(second, alpha_terminals)
            current = node_cls(SameContextCheck())
        left.add_child(current, current.activate_left)
        right.add_child(current, current.activate_right)
    return current


class _Strategy(DepthStrategy):  # type: ignore[misc]
    def get_key(self, activation: Any) -> tuple[int, list[int]]:
        ids = sorted((f["__factid__"] for f in activation.facts), reverse=True)
        return (activation.rule.salience, ids)

    def _update_agenda(self, agenda: Any, added: list[Any], removed: list[Any]) -> None:
        # Point 5 above: goal rules share a salience and often their facts, so many
        # activations have one key, and a withdrawn one may be anywhere among them.
        pending = agenda.activations
        for activation in removed:
            activation.key = self.get_key(activation)
            low = bisect.bisect_left(pending, activation)
            high = bisect.bisect_right(pending, activation, lo=low)
            for index in range(low, high):
                if pending[index] == activation:
                    del pending[index]
                    break
        for activation in added:
            activation.key = self.get_key(activation)
            bisect.insort(pending, activation)


class _Matcher(ReteMatcher):  # type: ignore[misc]
    """experta's Rete matcher, with the work per change kept to the nodes it touches.

    experta asks every conflict-set node of the network for new activations after every
    firing, and resets a node once for every path that leads to it; both grow with the
    number of rules. Here the network, which never changes once built, is walked once:
    each node is reset once, and only the conflict-set nodes a change reached are asked.
    """

    def __init__(self, engine: Any) -> None:
        super().__init__(engine)
        self._dirty: dict[Any, None] = {}  # conflict-set nodes a token reached, in order
        self._nodes: list[Any] = []
        seen: set[int] = set()
        todo = [self.root_node]
        while todo:
            node = todo.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            self._nodes.append(node)
            todo.extend(child.node for child in node.children)
            if isinstance(node, ConflictSetNode):
                node._activate = self._marking(node, node._activate)

    def build_network(self) -> None:
        # experta's constructor made a `BusNode`; advisor's network starts from its own.
        self.root_node = _BusNode()
        super().build_network()

    build_beta_part = staticmethod(_rebound(ReteMatcher.build_beta_part, wire_rule=_wire_rule))

    def _marking(self, node: Any, activate: Callable[[Any], Any]) -> Callable[[Any], Any]:
        def marked(token: Any) -> Any:
            self._dirty[node] = None
            return activate(token)

        return marked

    def changes(self, adding: Any = None, deleting: Any = None) -> tuple[list[Any], list[Any]]:
        for fact in deleting or ():
            self.root_node.remove(fact)
        for fact in adding or ():
            self.root_node.add(fact)
        added: list[Any] = []
        removed: list[Any] = []
        dirty, self._dirty = self._dirty, {}
        for node in dirty:
            now_added, now_removed = node.get_activations()
            added.extend(now_added)
            removed.extend(now_removed)
        return added, removed

    def reset(self) -> None:
        for node in self._nodes:
            node._reset()
        for node in self._dirty:
            node.get_activations()  # drop what a reset makes stale
        self._dirty = {}


class BaseEngine(KnowledgeEngine):  # type: ignore[misc]
    """A KnowledgeEngine without experta's process-wide caches, and a quieter `run`."""

    __strategy__ = _Strategy
    __matcher__ = _Matcher

    def run(self, steps: float = float("inf")) -> None:
        """experta's loop, less its watcher logging (which formats every firing whether or
        not anybody listens), stopping when only passive activations are left."""
        self.running = True
        while steps > 0 and self.running:
            added, removed = self.get_activations()
            self.strategy.update_agenda(self.agenda, added, removed)
            pending = self.agenda.activations
            if not pending or pending[-1].rule.salience <= PASSIVE:
                break
            activation = pending.pop()
            steps -= 1
            context = {k: v for k, v in activation.context.items() if not k.startswith("__")}
            activation.rule(self, **context)
        self.running = False
