"""The knowledge base as a typed model: facts, questions, patterns, rules, articles.

`loader.py` builds it from the rule files and checks it; nothing here knows about files,
experta or conversations.
"""

from __future__ import annotations

import functools
import heapq
import re
import string
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal

UNKNOWN = "unknown"  # the value of a question's fact when the person says they do not know


def words(text: str) -> str:
    """Lower case, words only: how ids, labels and synonyms are compared when loading."""
    return " ".join(re.findall(r"[^\W_]+", text.casefold()))


@dataclass(frozen=True)
class Choice:
    id: str
    label: str
    synonyms: tuple[str, ...] = ()


@dataclass(frozen=True)
class Question:
    fact: str
    text: str
    kind: Literal["text", "choice", "yesno"]
    # A choice or yes/no question ends with the choice `unknown` ("I don't know"); a text
    # question keeps it apart, for when its answer cannot be given (`dont_know`).
    choices: tuple[Choice, ...] = ()
    dont_know: Choice | None = None
    find_out: str | None = None  # how a person finds the answer, said when they do not know
    narrow: bool = False  # offer only the choices some rule still waiting for it names

    @property
    def id(self) -> str:
        """A question is named after the fact it asks for."""
        return self.fact


@dataclass(frozen=True)
class Condition:
    """`fact` is one of `values`; negated: it is not known to be one of them."""

    fact: str
    values: frozenset[str]
    negated: bool = False

    def holds(self, value: str | None) -> bool:
        inside = value is not None and value in self.values
        return not inside if self.negated else inside

    def fails(self, value: str | None) -> bool:
        """True once the value known so far rules the condition out for good."""
        if value is None:
            return False
        return not self.holds(value)


PatternKind = Literal["regex", "phrases", "message", "number"]


@dataclass(frozen=True)
class Pattern:
    """Reads facts from what a person writes, at any question (see `advisor.language`).

    `regex`: a regular expression; named groups fill facts. `phrases`: words said together
    (small typos allowed; a phrase after a negation is not read, unless `if_negated` says
    what that means). `message`: an error message as a program prints it, recognised when
    partial, reordered or misspelled. `number`: any error number, read into `reads`.
    """

    id: str
    source: str  # the fact it is written under; a text question's patterns answer it
    kind: PatternKind
    sets: tuple[tuple[str, str], ...] = ()
    regex: re.Pattern[str] | None = None
    phrases: tuple[str, ...] = ()
    if_negated: tuple[tuple[str, str], ...] = ()
    reads: str | None = None  # for `number`: the fact the number goes into
    answers: bool = False  # it answers its text question, as a number or message does

    @property
    def produces(self) -> tuple[str, ...]:
        groups = tuple(self.regex.groupindex) if self.regex is not None else ()
        made = [*(f for f, _ in self.sets), *(f for f, _ in self.if_negated), *groups]
        if self.reads is not None:
            made.append(self.reads)
        return tuple(dict.fromkeys(made))


@dataclass(frozen=True)
class Fact:
    id: str
    describe: str
    order: int
    question: Question | None = None
    values: Mapping[str, str] | None = None  # id -> label; None for free values
    patterns: tuple[Pattern, ...] = ()
    samples: tuple[str, ...] = ()  # what people type to its text question

    def label(self, value: str) -> str:
        if value == UNKNOWN and self.question is not None and self.question.dont_know:
            return self.question.dont_know.label  # "I have no error message or number"
        if self.values is None:
            return value
        return self.values.get(value, value)


@dataclass(frozen=True)
class Rule:
    id: str
    article: str  # the id of the article, or of the shared file, that holds the rule
    when: tuple[Condition, ...]
    sets: tuple[tuple[str, str], ...] = ()
    conclude: Literal["applies", "not_applicable"] | None = None
    because: str | None = None
    # How many layers of `not` conditions on derived facts lie below this rule: a rule runs
    # only after every rule that could still make one of its `not` conditions false.
    stratum: int = 0


@dataclass(frozen=True)
class Item:
    id: str
    kind: Literal["step", "note", "warning"]
    text: str
    when: tuple[Condition, ...] = ()
    children: tuple[Item, ...] = ()
    todo: str | None = None  # a condition an import could not read (see `advisor check`)


@dataclass(frozen=True)
class Article:
    id: str
    title: str
    source: str
    file: str
    cause: str | None
    steps: tuple[Item, ...]
    applies_to: tuple[str, ...] = ()
    intro: str | None = None
    more_information: str | None = None
    takes_precedence_over: tuple[str, ...] = ()
    samples: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    modified: str | None = None  # the date the article was last changed, as YYYY-MM-DD
    symptoms: str | None = None
    workaround: str | None = None
    # What tells it apart from articles that recognise the same error (fact -> values).
    distinguish: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def items(self) -> Iterator[tuple[Item, Item | None]]:
        """Every item with its parent, parents first."""

        def walk(
            items: tuple[Item, ...], parent: Item | None
        ) -> Iterator[tuple[Item, Item | None]]:
            for item in items:
                yield item, parent
                yield from walk(item.children, item)

        return walk(self.steps, None)


@dataclass(frozen=True)
class Language:
    """The everyday words of a language that every knowledge base understands (a `language`
    file): yes, no and "I don't know", negations, greetings, and how error messages are
    recognised. Each phrase list is written as people type."""

    yes: Choice
    no: Choice
    unknown: Choice
    negations: tuple[str, ...]  # reach up to three words ahead ("not")
    tight_negations: tuple[str, ...]  # negate only the next word ("no card")
    past: tuple[str, ...]  # what the person had, not has ("used to")
    optional: frozenset[str]  # words a phrase may have or lack ("a", "the")
    joining: frozenset[str]  # words that join a list ("or"): a negation reaches across
    doubting: frozenset[str]  # "I don't know if ...": what follows is what is not known
    correcting: tuple[str, ...]  # "sorry, I meant": the message corrects an earlier answer
    working: tuple[str, ...]  # "it works": that part of a sentence is not the problem
    asking: frozenset[str]  # words a question starts with ("is", "what")
    filler: frozenset[str]  # words that carry no meaning in a message ("the", "has")
    weak: frozenset[str]  # words every mail error has ("server"): they weigh less
    greetings: tuple[str, ...]
    thanks: tuple[str, ...]
    help: tuple[str, ...]  # a person asks what to do or where to look
    confusions: Mapping[str, str]  # letters typed for digits in error numbers
    accept: float  # a message recognised at least this well is taken
    ask: float  # at least this well (and less than `accept`): "Did you mean ...?"
    file: str = ""


@dataclass(frozen=True)
class Knowledge:
    """A whole validated knowledge base."""

    facts: Mapping[str, Fact]
    articles: Mapping[str, Article]
    rules: tuple[Rule, ...]
    language: Language
    files: tuple[str, ...] = ()
    # Where each piece is written, for reports: "fact:windows", "rule:Q194068/msn-dial-up",
    # "item:...", "pattern:...", "choice:windows=win98", "article:Q194068" -> (file, line).
    locations: Mapping[str, tuple[str, int | None]] = field(default_factory=dict, compare=False)
    recognising: frozenset[str] = frozenset()  # the rules made from articles' `errors`

    @functools.cached_property
    def by_id(self) -> dict[str, Pattern | Rule | Item]:
        """Every pattern, rule and item by its id, in the order of the files."""
        found: dict[str, Pattern | Rule | Item] = {}
        found.update((p.id, p) for f in self.facts.values() for p in f.patterns)
        found.update((r.id, r) for r in self.rules)
        found.update((i.id, i) for a in self.articles.values() for i, _ in a.items())
        return found

    @functools.cached_property
    def producers(self) -> dict[str, list[Rule]]:
        """For each fact, the rules that set it."""
        found: dict[str, list[Rule]] = {}
        for rule in self.rules:
            for fact, _ in rule.sets:
                found.setdefault(fact, []).append(rule)
        return found

    @functools.cached_property
    def readers(self) -> dict[str, list[Pattern]]:
        """For each fact, the patterns that read it from free text."""
        found: dict[str, list[Pattern]] = {}
        for fact in self.facts.values():
            for pattern in fact.patterns:
                for produced in pattern.produces:
                    found.setdefault(produced, []).append(pattern)
        return found

    @functools.cached_property
    def giving(self) -> dict[tuple[str, str | None], list[Pattern]]:
        """The patterns that give a fact a value, by (fact, value); under (fact, None) those
        that read any value of it from the text (a number, a regular expression's group)."""
        found: dict[tuple[str, str | None], list[Pattern]] = {}
        for fact, patterns in self.readers.items():
            for pattern in patterns:
                gives: set[str | None] = {
                    v for f, v in (*pattern.sets, *pattern.if_negated) if f == fact
                }
                for value in gives or {None}:
                    found.setdefault((fact, value), []).append(pattern)
        return found

    def rules_of(self, article: str) -> list[Rule]:
        return self._rules_by_article.get(article, [])

    @functools.cached_property
    def _rules_by_article(self) -> dict[str, list[Rule]]:
        found: dict[str, list[Rule]] = {}
        for rule in self.rules:
            found.setdefault(rule.article, []).append(rule)
        return found

    @functools.cached_property
    def known_values(self) -> dict[str, frozenset[str]]:
        """For each fact, the values some condition tests (error numbers a rule knows)."""
        found: dict[str, set[str]] = {}
        conditions = [c for r in self.rules for c in r.when]
        conditions += [c for a in self.articles.values() for i, _ in a.items() for c in i.when]
        for c in conditions:
            found.setdefault(c.fact, set()).update(c.values)
        return {fact: frozenset(values) for fact, values in found.items()}

    @functools.cached_property
    def rank(self) -> dict[str, int]:
        """The position of every pattern, rule and item id in the files."""
        return {name: n for n, name in enumerate(self.by_id)}

    @functools.cached_property
    def precedence(self) -> list[str]:
        """The articles, each after every article that takes precedence over it, otherwise
        in the order of the files."""
        below: dict[str, list[str]] = {}  # article -> the articles it must come before
        waiting = dict.fromkeys(self.articles, 0)
        for a, article in self.articles.items():
            for b in article.takes_precedence_over:
                if b in waiting and b != a:
                    below.setdefault(a, []).append(b)
                    waiting[b] += 1
        order = {a: n for n, a in enumerate(self.articles)}
        ready = [(order[a], a) for a, n in waiting.items() if n == 0]
        heapq.heapify(ready)
        placed: dict[str, None] = {}
        while len(placed) < len(waiting):
            if not ready:  # a circle (reported by the loader): take the first left
                first = min((a for a in waiting if a not in placed), key=order.__getitem__)
                heapq.heappush(ready, (order[first], first))
            _, a = heapq.heappop(ready)
            if a in placed:
                continue
            placed[a] = None
            for b in below.get(a, ()):
                waiting[b] -= 1
                if waiting[b] == 0:
                    heapq.heappush(ready, (order[b], b))
        return list(placed)

    def samples(self, fact: str) -> tuple[str, ...]:
        """Every sample text the knowledge base gives for a text fact."""
        found = list(self.facts[fact].samples)
        for article in self.articles.values():
            found.extend(article.samples.get(fact, ()))
        return tuple(dict.fromkeys(found))

    def render(self, template: str, values: Mapping[str, str]) -> str:
        """Fill `{fact}` placeholders with what is known, in words."""
        pieces = []
        for literal, name, _, _ in string.Formatter().parse(template):
            pieces.append(literal)
            if name is not None:
                value = values.get(name)
                pieces.append("unknown" if value is None else self.facts[name].label(value))
        return "".join(pieces)
