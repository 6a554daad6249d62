"""A knowledge base split by symptom, so that an engine holds only the rules that matter.

An article waits first for the fact of the first condition of its rules (MYCIN's order):
for the articles about an error, the error itself. Articles whose first conditions can hold
together go to the same partition; each partition is compiled into engines of its own.

A conversation starts with the *router*: the questions, patterns and derivations that give
those first facts, and nothing else. Once its answers give a first fact a value, the
partition of the articles waiting for that value takes the conversation over. A knowledge
base whose articles all wait for the same thing (the bundled one) is one partition, and
needs no router.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from advisor.knowledge.model import Knowledge

ROUTE = "route"  # the name of the router, and the prefix of what waits in it


@dataclass(frozen=True)
class Split:
    router: Knowledge
    entry: frozenset[str]  # the facts whose value chooses a partition
    index: Mapping[tuple[str, str], frozenset[str]]  # (fact, value) -> its articles
    knowledge: Knowledge

    def articles_for(self, values: Mapping[str, str]) -> frozenset[str]:
        """The articles whose partition the known first facts choose."""
        chosen: set[str] = set()
        for fact in self.entry:
            if fact in values:
                chosen |= self.index.get((fact, values[fact]), frozenset())
        return frozenset(chosen)

    def part(self, articles: frozenset[str]) -> Knowledge:
        return restrict(self.knowledge, articles, entry=self.entry)

    @property
    def answered(self) -> bool:
        """Whether only answers give the facts that choose a partition (no rule derives
        them): then the answers choose it without running the router."""
        return not any(self.knowledge.producers.get(fact) for fact in self.entry)


def split(knowledge: Knowledge) -> Split | None:
    """The partitions of a knowledge base, or None when it is one partition."""
    first: dict[str, list[tuple[str, frozenset[str]]]] = {}
    for rule in knowledge.rules:
        if rule.conclude != "applies":
            continue
        head = next((c for c in rule.when if not c.negated), None)
        if head is None:
            return None  # an article that waits for nothing first goes with every other
        first.setdefault(rule.article, []).append((head.fact, head.values))
    entry = frozenset(f for heads in first.values() for f, _ in heads)
    groups = _components(knowledge, first)
    if len(groups) < 2:
        return None
    index: dict[tuple[str, str], set[str]] = {}
    for group in groups:
        for article in group:
            for fact, values in first[article]:
                for value in values:
                    index.setdefault((fact, value), set()).update(group)
    router = restrict(knowledge, frozenset(), needed=entry)
    frozen = {key: frozenset(articles) for key, articles in index.items()}
    return Split(router, entry, frozen, knowledge)


def _components(
    knowledge: Knowledge, first: Mapping[str, list[tuple[str, frozenset[str]]]]
) -> list[set[str]]:
    """Articles joined when their first conditions can hold together, or when one takes
    precedence over another (they must be decided together)."""
    parent = {a: a for a in first}

    def root(a: str) -> str:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    owner: dict[tuple[str, str], str] = {}
    for article, heads in first.items():
        for fact, values in heads:
            for value in values:
                other = owner.setdefault((fact, value), article)
                parent[root(article)] = root(other)
    for article in first:
        for other in knowledge.articles[article].takes_precedence_over:
            if other in parent:
                parent[root(article)] = root(other)
    groups: dict[str, set[str]] = {}
    for article in first:
        groups.setdefault(root(article), set()).add(article)
    return list(groups.values())


def restrict(
    knowledge: Knowledge,
    articles: frozenset[str],
    needed: Iterable[str] = (),
    entry: frozenset[str] = frozenset(),
) -> Knowledge:
    """The part of a knowledge base that some articles (or some facts) need: their rules,
    the derivations and patterns that give what those read, and every fact. Of the facts
    that choose a partition (`entry`), only the values its articles wait for are given."""
    rules = [r for a in articles for r in knowledge.rules_of(a)]
    items = [i for a in articles for i, _ in knowledge.articles[a].items()]
    # Each fact needed, with the values that matter (None: any). Of the patterns that read
    # it, only those that can give one of them: a partition about one error message needs
    # not the thousands of others.
    todo: list[tuple[str, frozenset[str] | None]] = [
        *((f, None) for f in needed),
        *((c.fact, c.values) for r in rules for c in r.when),
        *((c.fact, c.values) for i in items for c in i.when),
    ]
    wanted: dict[str, set[str] | None] = {}
    derivations: set[str] = set()
    patterns: set[str] = set()
    while todo:
        fact, values = todo.pop()
        if fact in wanted:
            seen = wanted[fact]
            if seen is None or (values is not None and values <= seen):
                continue  # nothing new is wanted of it
            wanted[fact] = None if values is None else seen | values
            values = None if values is None else frozenset(values - seen)
        else:
            wanted[fact] = None if values is None else set(values)
        # Every derivation of a needed fact, whatever value it gives (what is known of the
        # person is the same in every partition), but those of other partitions' symptoms.
        for rule in knowledge.producers.get(fact, ()):
            gives = {v for f, v in rule.sets if f == fact}
            other = fact in entry and values is not None and not gives & values
            if rule.conclude is None and rule.id not in derivations and not other:
                derivations.add(rule.id)
                todo.extend((c.fact, c.values) for c in rule.when)
        readers = (
            knowledge.readers.get(fact, ())
            if values is None
            else [p for value in (None, *values) for p in knowledge.giving.get((fact, value), ())]
        )
        for pattern in readers:
            if pattern.id not in patterns:
                patterns.add(pattern.id)
                todo.append((pattern.source, None))
    facts = {
        name: dataclasses.replace(
            fact, patterns=tuple(p for p in fact.patterns if p.id in patterns)
        )
        if fact.patterns
        else fact
        for name, fact in knowledge.facts.items()
    }
    return dataclasses.replace(
        knowledge,
        facts=facts,
        articles={a: knowledge.articles[a] for a in knowledge.articles if a in articles},
        rules=tuple(r for r in knowledge.rules if r.id in derivations or r.article in articles),
    )
