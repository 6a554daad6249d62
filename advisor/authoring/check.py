"""`advisor check`: what is wrong or doubtful in a knowledge base, without a conversation.

Like the Drools verifier, it reads the rules as data: facts nobody can give, questions and
choices nothing uses, rules and steps that can never fire, articles that can apply to the
same facts with different advice, and patterns that match none of the sample texts.
"""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from advisor.errors import KnowledgeBaseError
from advisor.knowledge.loader import load_knowledge
from advisor.knowledge.model import UNKNOWN, Article, Condition, Item, Knowledge, Rule
from advisor.language.reader import Reader
from advisor.language.understand import Understander

ANY = None  # a fact that can take any value (free text)

# Texts that make a regex that backtracks show it: long runs of one or two characters of
# the kinds patterns repeat. A regex that reads a text once takes about a millisecond on
# them; one that is tried again from each character takes a hundred times more.
PROBE_LENGTH = 10_000
_PROBES = [
    (unit * PROBE_LENGTH)[:PROBE_LENGTH]
    for unit in ("a", "0", ".", "-", " ", "'", ":", "@", "/", "a.", "a ", "a-", "0.", "a@", "a:")
]
SLOW_REGEX = 0.05  # seconds on one probe


@dataclass(frozen=True, order=True)
class Finding:
    file: str
    line: int | None
    severity: Literal["error", "warning"]
    code: str
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.severity}[{self.code}]: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
        }


def check(path: str | Path | None = None) -> tuple[Knowledge | None, list[Finding]]:
    """Load and check a knowledge base; schema errors come back as findings too."""
    try:
        knowledge = load_knowledge(path)
    except KnowledgeBaseError as exc:
        return None, [Finding(p.file, p.line, "error", "schema", p.message) for p in exc.problems]
    return knowledge, sorted(Checker(knowledge).findings())


class Checker:
    def __init__(self, knowledge: Knowledge) -> None:
        self.k = knowledge
        self.items = {i.id: (i, a) for a in knowledge.articles.values() for i, _ in a.items()}
        self.reader = Reader(knowledge)
        self.possible = self._possible_values()

    def finding(
        self, key: str, severity: Literal["error", "warning"], code: str, message: str
    ) -> Finding:
        file, line = self.k.locations.get(key, ("?", None))
        return Finding(file, line, severity, code, message)

    def findings(self) -> Iterator[Finding]:
        yield from self._unproduced()
        yield from self._unneeded_questions()
        yield from self._unused_choices()
        yield from self._never_fire()
        yield from self._overlaps()
        yield from self._patterns()
        yield from self._slow_regexes()
        yield from self._phrase_conflicts()
        yield from self._todos()

    # -- what each fact can be ------------------------------------------------------------

    def _possible_values(self) -> dict[str, set[str] | None]:
        """Values each fact can take (None: any text); rules count only if they can fire."""
        possible: dict[str, set[str] | None] = {}
        for fact in self.k.facts.values():
            if fact.question is not None:
                possible[fact.id] = set(fact.values) if fact.values is not None else ANY
            for pattern in fact.patterns:
                for target, value in (*pattern.sets, *pattern.if_negated):
                    self._add(possible, target, {value})
                free = list(pattern.regex.groupindex) if pattern.regex is not None else []
                for target in [*free, *([pattern.reads] if pattern.reads else [])]:
                    possible[target] = ANY
        changed = True
        while changed:
            changed = False
            for rule in self.k.rules:
                if rule.sets and self._can_hold(rule.when, possible):
                    for target, value in rule.sets:
                        changed |= self._add(possible, target, {value})
        return possible

    @staticmethod
    def _add(possible: dict[str, set[str] | None], fact: str, values: set[str]) -> bool:
        if fact in possible and possible[fact] is ANY:
            return False
        known = possible.setdefault(fact, set())
        assert known is not None
        before = len(known)
        known |= values
        return len(known) > before

    def _can_hold(
        self, conditions: Iterable[Condition], possible: dict[str, set[str] | None] | None = None
    ) -> bool:
        possible = self.possible if possible is None else possible
        for c in conditions:
            if c.negated:
                continue  # "not known to be" holds while a fact is unknown
            values = possible.get(c.fact, set())
            if values is not ANY and not (values & c.values):
                return False
        return True

    # -- the checks ---------------------------------------------------------------------------

    def _users(self) -> Iterator[tuple[str, tuple[Condition, ...]]]:
        for rule in self.k.rules:
            yield f"rule:{rule.id}", rule.when
        for item_id, (item, _) in self.items.items():
            yield f"item:{item_id}", item.when

    def _unproduced(self) -> Iterator[Finding]:
        for key, conditions in self._users():
            for c in conditions:
                if c.fact not in self.possible:
                    severity: Literal["error", "warning"] = "warning" if c.negated else "error"
                    yield self.finding(
                        key,
                        severity,
                        "unproduced-fact",
                        f"{key.split(':', 1)[1]} needs fact {c.fact!r}, which no question, "
                        "pattern or rule gives",
                    )

    def _used_facts(self) -> set[str]:
        """Facts some condition reads, with the facts they are read or derived from."""
        used = {c.fact for _, conditions in self._users() for c in conditions}
        changed = True
        while changed:
            before = len(used)
            for rule in self.k.rules:
                if any(f in used for f, _ in rule.sets):
                    used |= {c.fact for c in rule.when}
            for fact in self.k.facts.values():
                if any(p for p in fact.patterns if set(p.produces) & used):
                    used.add(fact.id)
            changed = len(used) > before
        return used

    def _unneeded_questions(self) -> Iterator[Finding]:
        used = self._used_facts()
        for fact in self.k.facts.values():
            if fact.question is not None and fact.id not in used:
                yield self.finding(
                    f"fact:{fact.id}",
                    "warning",
                    "unneeded-question",
                    f"no rule or step needs the answer to {fact.id!r}",
                )

    def _unused_choices(self) -> Iterator[Finding]:
        """A choice no condition names is the "otherwise" answer; two of them in one question
        cannot be told apart, so they lead to the same advice."""
        named: dict[str, set[str]] = {}
        for _, conditions in self._users():
            for c in conditions:
                named.setdefault(c.fact, set()).update(c.values)
        for fact in self.k.facts.values():
            question = fact.question
            # A narrow question offers only the choices a waiting rule names: the others are
            # never shown, so they cannot lead anywhere.
            if question is None or question.kind == "text" or question.narrow:
                continue
            if fact.id not in named:
                continue
            # "I don't know" is meant to give the advice of whatever no condition names.
            unnamed = [
                c for c in question.choices if c.id not in named[fact.id] and c.id != UNKNOWN
            ]
            if len(unnamed) < 2:
                continue
            for choice in unnamed:
                others = ", ".join(c.id for c in unnamed if c is not choice)
                yield self.finding(
                    f"choice:{fact.id}={choice.id}",
                    "warning",
                    "unused-choice",
                    f"no condition uses choice {choice.id!r} of {fact.id!r}, so it "
                    f"gives the same advice as {others}",
                )

    def _never_fire(self) -> Iterator[Finding]:
        for rule in self.k.rules:
            if not self._can_hold(rule.when) and self._produced(rule.when):
                yield self.finding(
                    f"rule:{rule.id}",
                    "error",
                    "never-fires",
                    f"rule {rule.id} can never fire: {self._why_not(rule.when)}",
                )
        for article in self.k.articles.values():
            if not any(
                r.article == article.id and r.conclude == "applies" and self._can_hold(r.when)
                for r in self.k.rules
            ):
                yield self.finding(
                    f"article:{article.id}",
                    "error",
                    "never-applies",
                    f"article {article.id} can never apply: no rule that concludes "
                    "`applies` can fire, so none of its steps is ever shown",
                )
                continue
            for item, _ in article.items():
                reason = None
                if not self._can_hold(item.when):
                    reason = self._why_not(item.when) if self._produced(item.when) else None
                else:
                    reason = self._contradicts_ancestors(item, article)
                if reason is not None:
                    yield self.finding(
                        f"item:{item.id}",
                        "error",
                        "never-shown",
                        f"{item.kind} {item.id} can never be shown: {reason}",
                    )

    def _produced(self, conditions: Iterable[Condition]) -> bool:
        """Whether every fact the conditions read is given by something (else that is the
        finding to report, not this one)."""
        return all(c.fact in self.possible for c in conditions)

    def _why_not(self, conditions: Iterable[Condition]) -> str:
        for c in conditions:
            values = self.possible.get(c.fact, set())
            if not c.negated and values is not ANY and not (values & c.values):
                given = ", ".join(sorted(values)) or "no value"
                return (
                    f"{c.fact} is one of {', '.join(sorted(c.values))}, but it can only be {given}"
                )
        return "its conditions cannot hold together"

    def _contradicts_ancestors(self, item: Item, article: Article) -> str | None:
        parents = {i.id: p for i, p in article.items()}
        ancestor = parents[item.id]
        while ancestor is not None:
            for mine, theirs in itertools.product(item.when, ancestor.when):
                if mine.fact == theirs.fact and not _compatible(mine, theirs):
                    return (
                        f"it needs {mine.fact} {_show(mine)}, inside {ancestor.id} "
                        f"that needs {_show(theirs)}"
                    )
            ancestor = parents[ancestor.id]
        return None

    def _overlaps(self) -> Iterator[Finding]:
        applies: dict[str, list[Rule]] = {}
        for rule in self.k.rules:
            if rule.conclude == "applies" and self._can_hold(rule.when):
                applies.setdefault(rule.article, []).append(rule)
        above = self._above()
        for a, b in self._pairs(applies):
            if b in above[a] or a in above[b]:
                continue
            for ra, rb in itertools.product(applies[a], applies[b]):
                # Articles recognised from one error are meant to be both shown when the
                # person does not know what would tell them apart.
                answered = {ra.id, rb.id} <= self.k.recognising
                if answered and not _heads(ra) & _heads(rb):
                    continue  # a message and a number of different errors are made so
                if any(
                    all(_compatible(x, y, answered) for x in wa for y in wb if x.fact == y.fact)
                    for wa in self._expand(ra.when)
                    for wb in self._expand(rb.when)
                ):
                    yield self._overlap(a, b, ra, rb)
                    break

    def _overlap(self, a: str, b: str, ra: Rule, rb: Rule) -> Finding:
        if {ra.id, rb.id} <= self.k.recognising:
            # Two articles about one error that nothing the knowledge base asks tells apart
            # (or "I don't know"): the person is given both, which is all one can do.
            return self.finding(
                f"article:{b}",
                "warning",
                "shared-error",
                f"articles {a} and {b} both apply when the error of {ra.id} is recognised "
                f"and their `distinguish` facts do not tell them apart: both are shown",
            )
        return self.finding(
            f"article:{b}",
            "error",
            "overlap",
            f"articles {a} and {b} can both apply to the same facts ({ra.id}, {rb.id}) "
            f"with different advice: make their conditions exclusive, or say which "
            f"one takes_precedence_over the other",
        )

    def _pairs(self, applies: dict[str, list[Rule]]) -> Iterator[tuple[str, str]]:
        """The pairs of articles whose rules may hold together. Rules made from `errors`
        are compared only with those that wait first for the same error (at archive scale
        most pairs share nothing, and how a number and a message combine is made so);
        hand-written rules with every other."""
        order = {a: n for n, a in enumerate(applies)}

        def pair(a: str, b: str) -> tuple[str, str]:
            return (a, b) if order[a] < order[b] else (b, a)

        by_head: dict[tuple[str, str], set[str]] = {}
        for article, rules in applies.items():
            for rule in rules:
                for head in _heads(rule):
                    by_head.setdefault(head, set()).add(article)
        pairs = {pair(a, b) for group in by_head.values() for a in group for b in group if a != b}
        for a, rules in applies.items():
            if any(r.id not in self.k.recognising for r in rules):
                pairs.update(pair(a, b) for b in applies if b != a)
        yield from sorted(pairs, key=lambda p: (order[p[0]], order[p[1]]))

    def _above(self) -> dict[str, set[str]]:
        """For each article, every article it takes precedence over, directly or not."""
        articles = self.k.articles
        above = {x: set(articles[x].takes_precedence_over) for x in self.k.precedence}
        for x in self.k.precedence:  # the closure, in precedence order
            for y in list(above[x]):
                above[x] |= above.get(y, set())
        return above

    def _expand(self, when: tuple[Condition, ...], depth: int = 4) -> list[tuple[Condition, ...]]:
        """The conditions with each derived fact replaced by the conditions of the rules that
        derive its value: "msn_from_outside is no" becomes "mail_service is other or
        unknown", or "mail_service is msn and connection is msn_dialup or unknown"."""
        alternatives: list[tuple[Condition, ...]] = [()]
        for c in when:
            producers = self.k.producers.get(c.fact, [])
            derived = (
                depth > 0
                and producers
                and not c.negated
                and self.k.facts[c.fact].question is None
                and c.fact not in self.k.readers
            )
            if not derived:
                options: list[tuple[Condition, ...]] = [(c,)]
            else:
                options = [
                    expanded
                    for rule in producers
                    if any(f == c.fact and v in c.values for f, v in rule.sets)
                    for expanded in self._expand(rule.when, depth - 1)
                ]
            alternatives = [a + o for a in alternatives for o in options][:256]
        return alternatives

    def _patterns(self) -> Iterator[Finding]:
        for fact in self.k.facts.values():
            if fact.question is None or fact.question.kind != "text":
                continue
            samples = self.k.samples(fact.id)
            if not samples:
                yield self.finding(
                    f"fact:{fact.id}",
                    "warning",
                    "no-samples",
                    f"text question {fact.id!r} has no sample texts to test its patterns on",
                )
                continue
            matched = set().union(*(self.reader.matching(s) for s in samples))
            for pattern in fact.patterns:
                if pattern.id not in matched:
                    yield self.finding(
                        f"pattern:{pattern.id}",
                        "warning",
                        "pattern-matches-no-sample",
                        f"pattern {pattern.id} matches none of the {len(samples)} sample texts",
                    )

    def _slow_regexes(self) -> Iterator[Finding]:
        """A regex whose time grows with the square of the text (`[\\w.]+@...` is tried
        again from every character of a long run without an @) holds a worker for seconds
        on a long paste: each is timed on texts made to find that."""
        for fact in self.k.facts.values():
            for pattern in fact.patterns:
                if pattern.regex is None:
                    continue
                took, text = max(_timed(pattern.regex, probe) for probe in _PROBES)
                if took > SLOW_REGEX:
                    yield self.finding(
                        f"pattern:{pattern.id}",
                        "error",
                        "slow-regex",
                        f"pattern {pattern.id} takes {took:.2f} s on {len(text):,} characters "
                        f"of {text[:2]!r}...: a paste like that holds a worker as long. Let a "
                        "repeated class start only where its run starts, e.g. "
                        "(?<![\\w.+-])[\\w.+-]+@",
                    )

    def _todos(self) -> Iterator[Finding]:
        """What an import could not read as a condition, until an author settles it."""
        for item_id, (item, _) in self.items.items():
            if item.todo is not None:
                yield self.finding(
                    f"item:{item_id}",
                    "warning",
                    "todo",
                    f"{item.kind} {item_id} is shown to everyone, but the article makes it "
                    f"depend on “{item.todo}”: write its `when` and remove the `todo`",
                )

    def _phrase_conflicts(self) -> Iterator[Finding]:
        """Every label and synonym of a choice (and the language's words for yes, no and "I
        don't know") must be understood as that choice when it is the whole answer."""
        understander = Understander(self.k)
        language = self.k.language
        built_in = {c.id: c for c in (language.yes, language.no, language.unknown)}
        for fact in self.k.facts.values():
            question = fact.question
            if question is None or question.kind == "text":
                continue
            for choice in question.choices:
                words = [choice.label, *choice.synonyms]
                if choice.id in built_in:
                    words += built_in[choice.id].synonyms
                for phrase in dict.fromkeys(words):
                    answer = understander.understand(phrase, question).answer
                    if answer.value == choice.id:
                        continue
                    if answer.value is not None:
                        got = f"as {answer.value!r}"
                    elif answer.candidates:
                        got = "as any of " + ", ".join(repr(c) for c in answer.candidates)
                    else:
                        got = "as no choice"
                    yield self.finding(
                        f"choice:{fact.id}={choice.id}",
                        "warning",
                        "phrase-conflict",
                        f"{phrase!r} of choice {choice.id!r} of {fact.id!r} is understood {got}",
                    )


def _heads(rule: Rule) -> set[tuple[str, str]]:
    """What a rule waits for first: the values of its first positive condition."""
    head = next((c for c in rule.when if not c.negated), None)
    return set() if head is None else {(head.fact, value) for value in head.values}


def _compatible(x: Condition, y: Condition, answered: bool = False) -> bool:
    """Whether some value of one fact meets both conditions (`answered`: other than "I
    don't know")."""
    if x.negated and y.negated:
        return True
    if x.negated or y.negated:
        positive, negative = (y, x) if x.negated else (x, y)
        return bool(positive.values - negative.values)
    shared = x.values & y.values
    return bool(shared - {UNKNOWN} if answered else shared)


def _show(c: Condition) -> str:
    return ("not " if c.negated else "") + "/".join(sorted(c.values))


def exit_status(findings: list[Finding]) -> int:
    if any(f.severity == "error" for f in findings):
        return 2
    return 1 if findings else 0


def _timed(regex: re.Pattern[str], text: str) -> tuple[float, str]:
    started = time.perf_counter()
    regex.search(text)
    return time.perf_counter() - started, text
