"""Which question to ask next, when several are needed.

The engine's goals say which questions some live rule is waiting for: each rule waits for
the fact of its first condition still unknown, and only while the conditions before it hold.
Among those questions, the one asked is the one the most live articles wait for, because
its answer moves the most candidates at once: it makes one certain or rules several out.
Ties go to the fact written first in the knowledge base, so an author orders the questions
of one article by the order of its conditions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from advisor.inference.facts import Goal
from advisor.knowledge.model import Knowledge, Rule


def article_of(knowledge: Knowledge, rule_id: str) -> str:
    """The article a rule concludes, or an item belongs to (the router waits for itself)."""
    thing = knowledge.by_id.get(rule_id)
    return thing.article if isinstance(thing, Rule) else rule_id.split("/", 1)[0]


def waiting(knowledge: Knowledge, goals: Iterable[Goal]) -> dict[str, set[str]]:
    """For each question some rule waits for, the articles whose decision waits for it."""
    found: dict[str, set[str]] = {}
    for goal in goals:
        found.setdefault(goal.fact, set()).add(article_of(knowledge, goal.path[-1]))
    return found


def next_question(
    knowledge: Knowledge, goals: Iterable[Goal], known: Mapping[str, object]
) -> str | None:
    """The question to ask now, or None when no live rule waits for any answer."""
    by_fact = {f: articles for f, articles in waiting(knowledge, goals).items() if f not in known}
    facts = knowledge.facts
    return min(by_fact, key=lambda f: (-len(by_fact[f]), facts[f].order), default=None)


def awaited(knowledge: Knowledge, goals: Iterable[Goal], fact: str) -> frozenset[str] | None:
    """The values of `fact` that the rules waiting for it name, or None when something
    waits for any value of it (a step's condition, a pattern, a `not` condition)."""
    values: set[str] = set()
    for goal in goals:
        if goal.fact != fact:
            continue
        waiter = knowledge.by_id.get(goal.waiter)
        condition = (
            next((c for c in waiter.when if c.fact == fact), None)
            if isinstance(waiter, Rule)
            else None
        )
        if condition is None or condition.negated:
            return None
        values |= condition.values
    return frozenset(values)
