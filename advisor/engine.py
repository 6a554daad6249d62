"""The knowledge base compiled into experta rules, and the inference that runs them.

Every rule here is generated from the data in `Knowledge`; there is no rule written for an
article. Working memory holds these facts:

    Value(name, value)          a fact about the person's problem (answered, read, derived)
    Outcome(article, status, rule)   an article applies / does not apply
    Shown(item)                 a conditional step, note or warning whose conditions hold
    Dead(rule)                  a rule or item that a known fact rules out for good
    Goal(fact, rule)            `rule` is alive and waits for `fact`

The rules fire in layers (salience): reading free text, then derived facts (by stratum, so
that a `not` condition is only tested once nothing can still make it false), then the
articles' conclusions, the tailored items, the dead rules, and last the goals. Goals follow
MYCIN: a rule asks for the fact of its first condition that is still unknown, and only
while every condition before it holds; a goal for a derived or extracted fact becomes a goal
for what that fact is derived or read from. The next question is the first goal that a
question can answer.

An engine is expensive to build and cheap to reset, so `EnginePool` builds one per thread
that needs one and reuses it for every session; each inference starts from `reset()`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from advisor import strategy
from advisor.knowledge import Article, Condition, Item, Knowledge, Pattern
from advisor.knowledge import Rule as KbRule
from advisor.rete import AS, NOT, BaseEngine, Fact, P, Rule

Source = Literal["typed", "chosen", "extracted", "derived"]

_EXTRACT, _DERIVE, _CONCLUDE, _SHOW, _DEAD, _GOAL = (900_000, 800_000, 700_000, 600_000, 500_000, 0)


class Value(Fact):  # type: ignore[misc]
    pass


class Outcome(Fact):  # type: ignore[misc]
    pass


class Shown(Fact):  # type: ignore[misc]
    pass


class Dead(Fact):  # type: ignore[misc]
    pass


class Goal(Fact):  # type: ignore[misc]
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


@dataclass(frozen=True)
class Inference:
    """Everything one run of the engine concluded, each conclusion with its provenance."""

    known: Mapping[str, Known]
    outcomes: Mapping[str, Conclusion]
    shown: Mapping[str, Derivation]
    goals: tuple[tuple[str, str], ...]  # (fact, rule waiting for it), in knowledge-base order
    question: str | None

    @property
    def values(self) -> dict[str, str]:
        return {name: k.value for name, k in self.known.items()}


class _Engine(BaseEngine):
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
        given = [self._remember(k) for k in answers]
        self.declare(*given)
        self.run()
        # Goal rules share one salience, so experta fires them in no set order; the goals are
        # put in the order of the knowledge base so that explanations read the same each time.
        raised = {(f["fact"], f["rule"]) for f in self.facts.values() if isinstance(f, Goal)}
        k = self._knowledge
        goals = tuple(sorted(raised, key=lambda g: (k.facts[g[0]].order, k.rank[g[1]])))
        return Inference(
            known=dict(self.known),
            outcomes=dict(self.outcomes),
            shown=dict(self.shown),
            goals=goals,
            question=strategy.next_question(k, goals, self.known),
        )

    def _remember(self, known: Known) -> Value:
        self.known[known.fact] = known
        return Value(name=known.fact, value=known.value)

    def learn(self, fact: str, value: str, derivation: Derivation, source: Source) -> None:
        if fact not in self.known:  # the first source of a fact wins
            self.declare(self._remember(Known(fact, value, source, derivation)))


def _premises(matched: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    return tuple(
        (f["name"], f["value"])
        for key, f in sorted(matched.items())
        if key.startswith("v") and isinstance(f, Value)
    )


def _value(c: Condition) -> Any:
    """The pattern for a fact that meets `c` (without its negation)."""
    if len(c.values) == 1:
        (only,) = c.values
        return Value(name=c.fact, value=only)
    return Value(name=c.fact, value=P(c.values.__contains__))


def _holds(conditions: Iterable[Condition]) -> list[Any]:
    """Patterns that match when every condition holds, positive ones bound as v0, v1..."""
    patterns: list[Any] = []
    for index, c in enumerate(conditions):
        patterns.append(NOT(_value(c)) if c.negated else getattr(AS, f"v{index}") << _value(c))
    return patterns


def _derivation(
    rule_id: str, conditions: tuple[Condition, ...], matched: Mapping[str, Any]
) -> Derivation:
    return Derivation(rule_id, _premises(matched), tuple(c for c in conditions if c.negated))


class _Compiler:
    """Generates the experta rules of one knowledge base."""

    def __init__(self, knowledge: Knowledge) -> None:
        self.k = knowledge
        self.rules: list[Any] = []

    def add(self, salience: int, patterns: list[Any], action: Callable[..., None]) -> None:
        self.rules.append(Rule(*patterns, salience=salience)(action))

    def compile(self) -> list[Any]:
        index = 0
        for fact in self.k.facts.values():
            for pattern in fact.patterns:
                self._pattern(pattern, _EXTRACT - index)
                index += 1
        # An article's conclusions are drawn after those of the articles that take precedence
        # over it, so that it can give way to them.
        first = {name: n for n, name in enumerate(self.k.precedence)}
        concluding = sorted((r for r in self.k.rules if r.conclude), key=lambda r: first[r.article])
        for position, rule in enumerate(self.k.rules):
            if rule.conclude is None:
                self._derive(rule, _DERIVE - 1000 * rule.stratum - position)
            else:
                self._conclude(rule, _CONCLUDE - concluding.index(rule))
            self._dead(rule.id, rule.when)
        for article in self.k.articles.values():
            self._items(article)
        return self.rules

    def _pattern(self, pattern: Pattern, salience: int) -> None:
        def read(engine: _Engine, text: Value) -> None:
            derivation = Derivation(pattern.id, ((pattern.source, text["value"]),))
            for fact, value in pattern.extract(text["value"]):
                engine.learn(fact, value, derivation, "extracted")

        source = AS.text << Value(name=pattern.source, value=P(pattern.matches))
        self.add(salience, [source], read)
        for produced in pattern.produces:
            wanted = [Goal(fact=produced), NOT(Value(name=produced))]
            unread = NOT(Value(name=pattern.source))
            self.add(_GOAL, [*wanted, unread], _raise_goal(pattern.source, pattern.id))

    def _derive(self, rule: KbRule, salience: int) -> None:
        def derive(engine: _Engine, **matched: Any) -> None:
            derivation = _derivation(rule.id, rule.when, matched)
            for fact, value in rule.sets:
                engine.learn(fact, value, derivation, "derived")

        self.add(salience, _holds(rule.when), derive)
        for fact, _ in rule.sets:
            self._goal_via([Goal(fact=fact), NOT(Value(name=fact))], rule.id, list(rule.when))

    def _conclude(self, rule: KbRule, salience: int) -> None:
        status = rule.conclude
        assert status is not None

        def conclude(engine: _Engine, **matched: Any) -> None:
            derivation = _derivation(rule.id, rule.when, matched)
            engine.outcomes[rule.article] = Conclusion(rule.article, status, derivation)
            engine.declare(Outcome(article=rule.article, status=status, rule=rule.id))

        undecided = NOT(Outcome(article=rule.article))
        gives_way = [
            NOT(Outcome(article=other.id, status="applies"))
            for other in self.k.articles.values()
            if rule.article in other.takes_precedence_over and status == "applies"
        ]
        self.add(salience, [*_holds(rule.when), undecided, *gives_way], conclude)
        # Once an article is certain, no question is asked to decide the others.
        nothing_certain = NOT(Outcome(status="applies"))
        self._goal_via([undecided, nothing_certain], rule.id, list(rule.when))

    def _items(self, article: Article) -> None:
        applies = Outcome(article=article.id, status="applies")
        # An item is shown when its conditions and those of its conditional ancestors hold;
        # items without conditions simply follow their parent.
        guard: dict[str, list[Any]] = {}
        for item, parent in article.items():
            above = guard.get(parent.id, [applies]) if parent is not None else [applies]
            if item.when:
                self._show(item, above)
                self._dead(item.id, item.when)
                self._goal_via(above, item.id, list(item.when))
                guard[item.id] = [Shown(item=item.id)]
            else:
                guard[item.id] = above

    def _show(self, item: Item, above: list[Any]) -> None:
        def show(engine: _Engine, **matched: Any) -> None:
            engine.shown[item.id] = _derivation(item.id, item.when, matched)
            engine.declare(Shown(item=item.id))

        self.add(_SHOW, [*above, *_holds(item.when)], show)

    def _dead(self, rule_id: str, conditions: tuple[Condition, ...]) -> None:
        def die(engine: _Engine) -> None:
            engine.declare(Dead(rule=rule_id))

        for c in conditions:
            ruled_out = c.values.__contains__ if c.negated else _outside(c.values)
            self.add(_DEAD, [Value(name=c.fact, value=P(ruled_out))], die)

    def _goal_via(self, context: list[Any], rule_id: str, conditions: list[Condition]) -> None:
        """Raise a goal for each positive condition once every condition before it holds."""
        alive = NOT(Dead(rule=rule_id))
        for position, c in enumerate(conditions):
            if c.negated:
                continue
            self.add(
                _GOAL,
                [*context, alive, *_holds(conditions[:position]), NOT(Value(name=c.fact))],
                _raise_goal(c.fact, rule_id),
            )


def _outside(values: frozenset[str]) -> Callable[[str], bool]:
    return lambda value: value not in values


def _raise_goal(fact: str, rule_id: str) -> Callable[[_Engine], None]:
    def goal(engine: _Engine) -> None:
        engine.declare(Goal(fact=fact, rule=rule_id))

    return goal


class EnginePool:
    """Engines for one knowledge base, built on first need and reused.

    experta engines are not thread-safe, so an engine is lent to one caller at a time; a
    thread that finds none idle gets a new one.
    """

    def __init__(self, knowledge: Knowledge) -> None:
        rules = _Compiler(knowledge).compile()
        rank = [p.id for f in knowledge.facts.values() for p in f.patterns]
        rank += [r.id for r in knowledge.rules]
        rank += [i.id for a in knowledge.articles.values() for i, _ in a.items()]
        attributes = {
            "_rules": rules,
            "_knowledge": knowledge,
            "_rank": {r: n for n, r in enumerate(rank)},
        }
        self._cls = type("AdvisorEngine", (_Engine,), attributes)
        self._idle: list[_Engine] = []
        self._lock = threading.Lock()
        self.rule_count = len(rules)

    def build(self) -> _Engine:
        return self._cls()  # type: ignore[no-any-return]

    @contextmanager
    def engine(self) -> Iterator[_Engine]:
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
