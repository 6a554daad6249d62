"""The inference: an experta engine running the compiled rules over a session's answers.

One run is one `infer`: reset, declare the answers, fire the rules until only goals are
left (`compiler.py` says what the rules are). The result keeps every conclusion with its
provenance (which rule, on which facts), and the goals still open.

An engine is expensive to build, and a run from scratch costs a little for every answer,
so `EnginePool` keeps a few engines and gives a conversation the one that last ran it when
it is idle: then a turn only adds the new answer to what that engine already holds.

Building one takes tens of milliseconds for a partition of the bundled rules (more at
archive scale), which a caller on an event loop must not spend there: in
`without_building()`, a call that would build raises `WouldBuild` before it changes
anything, and the caller makes it again on a thread of its own.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, ClassVar

from advisor.errors import AdvisorError
from advisor.inference import strategy
from advisor.inference.compiler import compile_rules
from advisor.inference.facts import (
    Conclusion,
    Derivation,
    Goal,
    Inference,
    Known,
    Source,
    Value,
)
from advisor.inference.rete import BaseEngine
from advisor.knowledge.model import Knowledge

# Whether a caller may build an engine (or compile rules); the event loop's calls may not.
_may_build: ContextVar[bool] = ContextVar("may_build", default=True)


class WouldBuild(AdvisorError):
    """An inference needs an engine that is not built yet, and this caller may not build
    one (see `without_building`)."""


@contextmanager
def without_building() -> Iterator[None]:
    """Inferences in this block raise WouldBuild rather than build an engine."""
    token = _may_build.set(False)
    try:
        yield
    finally:
        _may_build.reset(token)


def may_build() -> bool:
    """Whether this caller may build an engine or compile rules now."""
    return _may_build.get()


class Engine(BaseEngine):
    """One experta engine for one knowledge base; `infer` is one complete run."""

    _rules: ClassVar[list[Any]]
    _knowledge: ClassVar[Knowledge]

    def get_rules(self) -> list[Any]:
        # Rules are generated data, not methods; experta would otherwise look for them
        # among the attributes of the class.
        return self._rules

    answers: tuple[Known, ...] | None = None  # what the working memory was built from
    last: Inference | None = None

    def infer(self, answers: Iterable[Known]) -> Inference:
        """The inference for `answers`: from the working memory when it holds their first
        part (adding only the rest), else from scratch."""
        answers = tuple(answers)
        held = self.answers
        if held is not None and self.last is not None and answers[: len(held)] == held:
            if len(answers) == len(held):
                return self.last
            new = answers[len(held) :]
            # An answer about a fact already read from a text or derived replaces that
            # value, which the working memory cannot take back: only from scratch, where
            # answers come first, does the answer win.
            if not any(k.fact in self.known for k in new):
                self.declare(*(self._remember(k) for k in new))
                self.run()
                if self._still_true():
                    return self._conclude(answers)
        self.known: dict[str, Known] = {}
        self.outcomes: dict[str, Conclusion] = {}
        self.shown: dict[str, Derivation] = {}
        self.reset()
        self.declare(*(self._remember(k) for k in answers))
        self.run()
        return self._conclude(answers)

    def _still_true(self) -> bool:
        """Whether what fired before the new answers still holds with them.

        From scratch, the layers make a `not` condition wait until nothing can make it false,
        and an article wait for those that take precedence over it. Adding answers to a
        working memory cannot wait for what is already done; when an answer turns out to
        falsify such a conclusion, the inference is made again from scratch.
        """
        values = {name: k.value for name, k in self.known.items()}
        derivations = [k.derivation for k in self.known.values() if k.derivation is not None]
        derivations += [c.derivation for c in self.outcomes.values()] + list(self.shown.values())
        if any(not c.holds(values.get(c.fact)) for d in derivations for c in d.absent):
            return False
        applying = {a for a, c in self.outcomes.items() if c.status == "applies"}
        articles = self._knowledge.articles
        return not any(set(articles[a].takes_precedence_over) & applying for a in applying)

    def _conclude(self, answers: tuple[Known, ...]) -> Inference:
        k = self._knowledge
        # Goal rules share one salience, so they wait in no set order; they are put in the
        # order of the knowledge base so that explanations read the same each time.
        goals = tuple(
            sorted(
                set(self.waiting()),
                key=lambda g: (k.facts[g.fact].order, [k.rank.get(r, -1) for r in g.path]),
            )
        )
        self.answers = answers
        # The same answers give the same inference whether they came one turn at a time or
        # all at once, down to the order of what is known.
        self.last = Inference(
            known={f: self.known[f] for f in k.facts if f in self.known},
            outcomes={a: self.outcomes[a] for a in k.articles if a in self.outcomes},
            shown=dict(sorted(self.shown.items(), key=lambda item: k.rank[item[0]])),
            goals=goals,
            question=strategy.next_question(k, goals, self.known),
        )
        return self.last

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

    experta engines are not thread-safe, so an engine is lent to one caller at a time. A
    caller gets the idle engine whose working memory holds the most of its answers (so a
    conversation finds the engine of its previous turn); failing that a new engine while
    there are fewer than `keep`, so that each conversation going on keeps its own; failing
    that the idle engine used least recently.
    """

    def __init__(self, knowledge: Knowledge, keep: int = 32, waits: Iterable[str] = ()) -> None:
        rules = compile_rules(knowledge, waits)
        self._cls = type("AdvisorEngine", (Engine,), {"_rules": rules, "_knowledge": knowledge})
        self._idle: list[Engine] = []  # least recently used first
        self._lent = 0
        self._lock = threading.Lock()
        self.keep = keep
        self.rule_count = len(rules)
        self.built = 0

    def build(self) -> Engine:
        self.built += 1
        return self._cls()  # type: ignore[no-any-return]

    @contextmanager
    def engine(self, answers: tuple[Known, ...] = ()) -> Iterator[Engine]:
        with self._lock:
            engine = self._closest(answers)
            if engine is None and not _may_build.get():
                raise WouldBuild(f"no idle engine among the {len(self._idle)} of this pool")
            self._lent += 1
        if engine is None:
            engine = self.build()
        try:
            yield engine
        finally:
            with self._lock:
                self._lent -= 1
                self._idle.append(engine)
                del self._idle[: max(0, len(self._idle) + self._lent - self.keep)]

    def _closest(self, answers: tuple[Known, ...]) -> Engine | None:
        best, size = None, -1
        for engine in self._idle:
            held = engine.answers
            if held is not None and len(held) > size and answers[: len(held)] == held:
                best, size = engine, len(held)
        if best is None and self._idle and len(self._idle) + self._lent >= self.keep:
            best = self._idle[0]
        if best is not None:
            self._idle.remove(best)
        return best

    def infer(self, answers: Iterable[Known]) -> Inference:
        answers = tuple(answers)
        with self.engine(answers) as engine:
            return engine.infer(answers)
