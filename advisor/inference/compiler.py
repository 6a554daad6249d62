"""The knowledge base compiled into experta rules: every rule is generated from the data.

Working memory holds three kinds of facts:

    Value(name, value)               a fact about the person's problem (answered, read, derived)
    Outcome(article, status, rule)   an article applies / does not apply
    Shown(item)                      a conditional step, note or warning whose conditions hold

The facts a person's messages state are read before inference (`advisor.language`) and
come in as answers. The rules that fire do so in layers (salience): derived facts (by
stratum, so that a `not` condition is only tested once nothing can still make it false),
then the articles' conclusions, then the tailored items.

The goals are rules that never fire. Each one matches while some rule waits for a fact:
following MYCIN, a rule waits for the fact of its first condition still unknown, only while
every condition before it holds and no known fact rules out one after it. A goal for a
derived fact is followed, here at compile time, to the rule that gives it, and a fact a
text question's answer is read for (the error number) to that question. Because a goal is
an activation and not a fact, the Rete network withdraws it the moment the fact it waits
for becomes known.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from advisor.inference.facts import Conclusion, Derivation, Goal, Outcome, Shown, Value
from advisor.inference.partition import ROUTE
from advisor.inference.rete import AS, NOT, PASSIVE, P, Rule
from advisor.knowledge.model import Article, Condition, Item, Knowledge, Pattern
from advisor.knowledge.model import Rule as KbRule

_DERIVE, _CONCLUDE, _SHOW = 800_000, 700_000, 600_000


def compile_rules(knowledge: Knowledge, waits: Iterable[str] = ()) -> list[Any]:
    """The rules of a knowledge base; `waits` are facts awaited for their own sake (the
    router of a split knowledge base waits for the facts that choose a partition)."""
    compiler = _Compiler(knowledge)
    rules = compiler.compile()
    for fact in waits:
        compiler._wait(fact, None, [], (f"{ROUTE}:{fact}",))
    return rules


@functools.cache
def _outside(values: frozenset[str]) -> Callable[[str], bool]:
    # One function per set of values, so that rules testing the same set share a node.
    def outside(value: str) -> bool:
        return value not in values

    outside.values = values  # type: ignore[attr-defined]  # for ports to other engines
    return outside


def _value(c: Condition) -> Any:
    """The pattern for a fact that meets `c` (without its negation)."""
    if len(c.values) == 1:
        (only,) = c.values
        return Value(name=c.fact, value=only)
    return Value(name=c.fact, value=P(c.values.__contains__))


def _holds(conditions: Iterable[Condition], bind: bool = True) -> list[Any]:
    """Patterns that match when every condition holds, positive ones bound as v0, v1..."""
    patterns: list[Any] = []
    for index, c in enumerate(conditions):
        if c.negated:
            patterns.append(NOT(_value(c)))
        else:
            patterns.append(getattr(AS, f"v{index}") << _value(c) if bind else _value(c))
    return patterns


def _not_ruled_out(conditions: Iterable[Condition]) -> list[Any]:
    """Patterns that match while no known value rules out any of the conditions."""
    return [
        NOT(_value(c)) if c.negated else NOT(Value(name=c.fact, value=P(_outside(c.values))))
        for c in conditions
    ]


def _is_not(pattern: Any) -> bool:
    return isinstance(pattern, NOT)


def _premises(matched: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    return tuple(
        (f["name"], f["value"])
        for key, f in sorted(matched.items())
        if key.startswith("v") and isinstance(f, Value)
    )


def _derivation(
    rule_id: str, conditions: tuple[Condition, ...], matched: Mapping[str, Any]
) -> Derivation:
    return Derivation(rule_id, _premises(matched), tuple(c for c in conditions if c.negated))


class _Compiler:
    def __init__(self, knowledge: Knowledge) -> None:
        self.k = knowledge
        self.rules: list[Any] = []
        self._asking: dict[str, dict[str, _Readers]] = {}

    # Each action says what it asserts (`asserts`, or `reads` for a pattern, `goal` for a
    # goal), so that the same rules can be written out for another engine.
    def add(self, salience: int, patterns: list[Any], action: Callable[..., None]) -> None:
        # experta joins the patterns in the order given and shares no join between rules:
        # positive patterns first keep a rule's joins idle until its facts exist, where a
        # rule that starts with `not` would pass every token through all of its joins.
        ordered = sorted(patterns, key=_is_not)
        self.rules.append(Rule(*ordered, salience=salience)(action))

    def compile(self) -> list[Any]:
        # An article's conclusions are drawn after those of the articles that take precedence
        # over it, so that it can give way to them.
        first = {name: n for n, name in enumerate(self.k.precedence)}
        concluding = sorted((r for r in self.k.rules if r.conclude), key=lambda r: first[r.article])
        rank = {rule.id: n for n, rule in enumerate(concluding)}
        for position, rule in enumerate(self.k.rules):
            if rule.conclude is None:
                self._derive(rule, _DERIVE - 1000 * rule.stratum - position)
            else:
                self._conclude(rule, _CONCLUDE - rank[rule.id])
        for article in self.k.articles.values():
            self._items(article)
        return self.rules

    # -- rules that fire ---------------------------------------------------------------

    def _derive(self, rule: KbRule, salience: int) -> None:
        def derive(engine: Any, **matched: Any) -> None:
            derivation = _derivation(rule.id, rule.when, matched)
            for fact, value in rule.sets:
                engine.learn(fact, value, derivation, "derived")

        derive.asserts = [("value", f, v) for f, v in rule.sets]  # type: ignore[attr-defined]
        self.add(salience, _holds(rule.when), derive)

    def _conclude(self, rule: KbRule, salience: int) -> None:
        status = rule.conclude
        assert status is not None

        def conclude(engine: Any, **matched: Any) -> None:
            derivation = _derivation(rule.id, rule.when, matched)
            engine.outcomes[rule.article] = Conclusion(rule.article, status, derivation)
            engine.declare(Outcome(article=rule.article, status=status, rule=rule.id))

        undecided = NOT(Outcome(article=rule.article))
        gives_way = [
            NOT(Outcome(article=other.id, status="applies"))
            for other in self.k.articles.values()
            if rule.article in other.takes_precedence_over and status == "applies"
        ]
        conclude.asserts = [("outcome", rule.article, status)]  # type: ignore[attr-defined]
        self.add(salience, [*_holds(rule.when), undecided, *gives_way], conclude)
        # Questions are asked for what an article needs to apply (MYCIN: what a live
        # hypothesis needs); a rule that rules an article out only says why, with the facts
        # at hand. Once an article is certain, no question is asked to decide the others.
        if status == "applies":
            self._goals([undecided, NOT(Outcome(status="applies"))], rule.id, rule.when)

    def _items(self, article: Article) -> None:
        applies = Outcome(article=article.id, status="applies")
        # An item is shown when its conditions and those of its conditional ancestors hold;
        # items without conditions simply follow their parent.
        guard: dict[str, list[Any]] = {}
        for item, parent in article.items():
            above = guard.get(parent.id, [applies]) if parent is not None else [applies]
            if item.when:
                self._show(item, above)
                self._goals(above, item.id, item.when)
                guard[item.id] = [Shown(item=item.id)]
            else:
                guard[item.id] = above

    def _show(self, item: Item, above: list[Any]) -> None:
        def show(engine: Any, **matched: Any) -> None:
            engine.shown[item.id] = _derivation(item.id, item.when, matched)
            engine.declare(Shown(item=item.id))

        show.asserts = [("shown", item.id)]  # type: ignore[attr-defined]
        self.add(_SHOW, [*above, *_holds(item.when)], show)

    # -- goals: rules that never fire ----------------------------------------------------

    def _goals(self, context: list[Any], waiter: str, conditions: tuple[Condition, ...]) -> None:
        """A goal for each positive condition, while the ones before it hold and no known
        fact rules out the ones after it."""
        for position, c in enumerate(conditions):
            if c.negated:
                continue
            patterns = [
                *context,
                *_holds(conditions[:position], bind=False),
                *_not_ruled_out(conditions[position + 1 :]),
            ]
            self._wait(c.fact, c.values, patterns, (waiter,))

    def _wait(
        self, fact: str, wanted: frozenset[str] | None, patterns: list[Any], path: tuple[str, ...]
    ) -> None:
        """Goals for `fact` while it is unknown: a question for it, or goals for whatever
        can give it a wanted value (`path` runs from the first waiter to the last)."""
        patterns = [*patterns, NOT(Value(name=fact))]
        if self.k.facts[fact].question is not None:
            self.add(PASSIVE, patterns, _goal(Goal(fact, tuple(reversed(path)))))
        for rule in self.k.producers.get(fact, ()):
            gives = {v for f, v in rule.sets if f == fact}
            if rule.id in path or (wanted is not None and not gives & wanted):
                continue
            for position, c in enumerate(rule.when):
                if not c.negated:
                    step = [
                        *patterns,
                        *_holds(rule.when[:position], bind=False),
                        *_not_ruled_out(rule.when[position + 1 :]),
                    ]
                    self._wait(c.fact, c.values, step, (*path, rule.id))
        # Only a text question is asked for what its answer is read for; what people say in
        # passing is never asked for. One goal per question is enough, however many of its
        # patterns (thousands of error messages) could give the fact: the first that can.
        for source, readers in self._text_readers(fact).items():
            pattern = readers.first(wanted)
            if source != fact and pattern is not None:
                self._wait(source, None, patterns, (*path, pattern.id))

    def _text_readers(self, fact: str) -> dict[str, _Readers]:
        """The patterns of text questions that give `fact`, by question."""
        found = self._asking.get(fact)
        if found is None:
            found = self._asking[fact] = {}
            for position, pattern in enumerate(self.k.readers.get(fact, ())):
                if _text_question(self.k, pattern.source):
                    found.setdefault(pattern.source, _Readers()).add(position, pattern, fact)
        return found


class _Readers:
    """The patterns of one text question that give a fact, to find the first that can give
    one of some values without going through them all."""

    def __init__(self) -> None:
        self.any: tuple[int, Pattern] | None = None  # the first that reads any value
        self.giving: dict[str, tuple[int, Pattern]] = {}  # the first that gives each value

    def add(self, position: int, pattern: Pattern, fact: str) -> None:
        gives = {v for f, v in (*pattern.sets, *pattern.if_negated) if f == fact}
        # Without values of its own, it reads the fact from the text (a number, a group).
        if not gives and self.any is None:
            self.any = (position, pattern)
        for value in gives:
            self.giving.setdefault(value, (position, pattern))

    def first(self, wanted: frozenset[str] | None) -> Pattern | None:
        options = (
            list(self.giving.values())
            if wanted is None
            else [self.giving[v] for v in wanted if v in self.giving]
        )
        if self.any is not None:
            options.append(self.any)
        return min(options, key=lambda option: option[0])[1] if options else None


def _text_question(knowledge: Knowledge, fact: str) -> bool:
    question = knowledge.facts[fact].question
    return question is not None and question.kind == "text"


def _goal(goal: Goal) -> Callable[..., None]:
    def waiting(engine: Any) -> None:  # never called: goal rules do not fire
        raise AssertionError(f"a goal rule fired: {goal}")

    waiting.goal = goal  # type: ignore[attr-defined]
    return waiting
