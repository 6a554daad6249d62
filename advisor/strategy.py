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

from advisor.knowledge import Item, Knowledge, Pattern, Rule


def waiting(knowledge: Knowledge, goals: Iterable[tuple[str, str]]) -> dict[str, set[str]]:
    """For each fact some rule waits for, the articles whose decision waits for it."""
    wanted_by: dict[str, list[str]] = {}
    for fact, rule_id in goals:
        wanted_by.setdefault(fact, []).append(rule_id)

    def articles(rule_id: str, seen: frozenset[str]) -> set[str]:
        thing = knowledge.by_id[rule_id]
        if isinstance(thing, Item):
            return {rule_id.split("/", 1)[0]}
        if isinstance(thing, Rule) and thing.conclude is not None:
            return {thing.article}
        produced = thing.produces if isinstance(thing, Pattern) else [f for f, _ in thing.sets]
        found: set[str] = set()
        for fact in produced:
            for waiter in wanted_by.get(fact, ()):
                if waiter not in seen:
                    found |= articles(waiter, seen | {rule_id})
        return found

    return {
        fact: set().union(*(articles(r, frozenset()) for r in rules))
        for fact, rules in wanted_by.items()
    }


def next_question(
    knowledge: Knowledge, goals: Iterable[tuple[str, str]], known: Mapping[str, object]
) -> str | None:
    """The question to ask now, or None when no live rule waits for any answer."""
    by_fact = waiting(knowledge, goals)
    facts = knowledge.facts
    askable = [f for f in by_fact if facts[f].question is not None and f not in known]
    return min(askable, key=lambda f: (-len(by_fact[f]), facts[f].order), default=None)
