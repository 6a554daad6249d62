"""The inference: an experta engine running the compiled rules over a session's answers.

One run is one `infer`: reset, declare the answers, fire the rules until only goals are
left (`compiler.py` says what the rules are). The result keeps every conclusion with its
provenance (which rule, on which facts), and the goals still open.

An engine is expensive to build and cheap to reset, so `EnginePool` builds one per thread
that needs one and reuses it for every session.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from advisor import strategy
from advisor.knowledge import Condition, Knowledge
from advisor.rete import BaseEngine, Fact

Source = Literal["typed", "chosen", "extracted", "derived"]


class Value(Fact):  # type: ignore[misc]
    pass


class Outcome(Fact):  # type: ignore[misc]
    pass


class Shown(Fact):  # type: ignore[misc]
    pass


@dataclass(frozen=True)
class Derivation:
    """Which rule concluded something, and on which facts."""

    rule: str
    premises: tuple[tuple[str, str], ...] = ()
    # `not` conditions it relied on: facts not known to have these values.
    absent: tuple[Condition, ...] = ()


@dataclass(frozen=True)
class Known:
    fact: str
    value: str
    source: Source
    derivation: Derivation | None = None


@dataclass(frozen=True)
class Conclusion:
    article: str
    status: Literal["applies", "not_applicable"]
    derivation: Derivation


@dataclass(frozen=True, order=True)
class Goal:
    """`fact` is awaited: `path` runs from the rule or pattern that needs it directly, through
    whatever needs what that gives, to an article's rule or an item."""

    fact: str
    path: tuple[str, ...]

    @property
    def waiter(self) -> str:
        return self.path[0]


@dataclass(frozen=True)
class Inference:
    """Everything one run of the engine concluded, each conclusion with its provenance."""

    known: Mapping[str, Known]
    outcomes: Mapping[str, Conclusion]
    shown: Mapping[str, Derivation]
    goals: tuple[Goal, ...]  # in knowledge-base order
    question: str | None

    @property
    def values(self) -> dict[str, str]:
        return {name: k.value for name, k in self.known.items()}


class Engine(BaseEngine):
    """One experta engine for one knowledge base; `infer` is one complete run."""

    _rules: ClassVar[list[Any]]
    _knowledge: ClassVar[Knowledge]

    def get_rules(self) -> list[Any]:
        # Rules are generated data, not methods; experta would otherwise look for them
        # among the attributes of the class.
        return self._rules

    def infer(self, answers: Iterable[Known]) -> Inference:
        self.known: dict[str, Known] = {}
        self.outcomes: dict[str, Conclusion] = {}
        self.shown: dict[str, Derivation] = {}
        self.reset()
        self.declare(*(self._remember(k) for k in answers))
        self.run()
        k = self._knowledge
        # Goal rules share one salience, so they wait in no set order; they are put in the
        # order of the knowledge base so that explanations read the same each time.
        goals = tuple(
            sorted(
                set(self.waiting()),
                key=lambda g: (k.facts[g.fact].order, [k.rank[r] for r in g.path]),
            )
        )
        return Inference(
            known=dict(self.known),
            outcomes=dict(self.outcomes),
            shown=dict(self.shown),
            goals=goals,
            question=strategy.next_question(k, goals, self.known),
        )

    def waiting(self) -> Iterator[Goal]:
        """The goals: the activations of rules that never fire."""
        for activation in self.agenda.activations:
            yield activation.rule._wrapped.goal

    def _remember(self, known: Known) -> Value:
        self.known[known.fact] = known
        return Value(name=known.fact, value=known.value)

    def learn(self, fact: str, value: str, derivation: Derivation, source: Source) -> None:
        if fact not in self.known:  # the first source of a fact wins
            self.declare(self._remember(Known(fact, value, source, derivation)))


class EnginePool:
    """Engines for one knowledge base, built on first need and reused.

    experta engines are not thread-safe, so an engine is lent to one caller at a time; a
    thread that finds none idle gets a new one.
    """

    def __init__(self, knowledge: Knowledge) -> None:
        from advisor.compiler import compile_rules  # it builds on the facts defined here

        rules = compile_rules(knowledge)
        self._cls = type("AdvisorEngine", (Engine,), {"_rules": rules, "_knowledge": knowledge})
        self._idle: list[Engine] = []
        self._lock = threading.Lock()
        self.rule_count = len(rules)

    def build(self) -> Engine:
        return self._cls()  # type: ignore[no-any-return]

    @contextmanager
    def engine(self) -> Iterator[Engine]:
        with self._lock:
            engine = self._idle.pop() if self._idle else None
        if engine is None:
            engine = self.build()
        try:
            yield engine
        finally:
            with self._lock:
                self._idle.append(engine)

    def infer(self, answers: Iterable[Known]) -> Inference:
        with self.engine() as engine:
            return engine.infer(answers)
