"""`advisor check --understanding`: how well advisor understands what people type, measured
like an NLU model (as `rasa test nlu` does) on utterances labelled by hand.

Each utterance says what a person typed, at which question, every fact it states (`gives`,
complete: anything else advisor reads from it is a false reading) and, where a word could
mislead, facts it must not give (`not`). The report gives precision and recall for each
fact and lists every confusion, so an author sees which phrase to add or to take away.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from advisor.errors import KnowledgeBaseError, Problem
from advisor.knowledge.model import Knowledge, Question
from advisor.knowledge.rulefile import RuleFile, read
from advisor.language.understand import Understander

UTTERANCES = Path("transcripts") / "utterances.yaml"
CONFIRM = "confirm"  # the "Did you mean ...?" question, which every knowledge base has
ACT = "act"  # greeting, thanks, help: what the person does rather than states
PRECISION, RECALL = 0.97, 0.95  # what every fact must reach

Pair = tuple[str, str]


@dataclass(frozen=True)
class Utterance:
    say: str
    at: str
    gives: frozenset[Pair]
    never: frozenset[Pair | tuple[str, None]]  # (fact, None): no value at all
    line: int | None


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def support(self) -> int:
        return self.tp + self.fn


@dataclass
class Report:
    scores: dict[str, Score] = field(default_factory=dict)
    misses: list[tuple[Utterance, set[Pair], set[Pair]]] = field(default_factory=list)
    violations: list[tuple[Utterance, Pair]] = field(default_factory=list)
    asked: list[tuple[Utterance, Pair]] = field(default_factory=list)  # "Did you mean ...?"

    def failing(self) -> list[str]:
        return [
            f
            for f, s in sorted(self.scores.items())
            if s.precision < PRECISION or s.recall < RECALL
        ]

    @property
    def total(self) -> Score:
        return Score(
            sum(s.tp for s in self.scores.values()),
            sum(s.fp for s in self.scores.values()),
            sum(s.fn for s in self.scores.values()),
        )

    def lines(self, utterances: int) -> list[str]:
        out = [
            f"{utterances} utterances. Every fact needs precision >= {PRECISION} and "
            f"recall >= {RECALL}.",
            f"  {'fact':<22} {'support':>7} {'precision':>9} {'recall':>7}",
        ]
        for fact, s in sorted(self.scores.items()):
            flag = "  <-- below" if fact in self.failing() else ""
            out.append(f"  {fact:<22} {s.support:>7} {s.precision:>9.3f} {s.recall:>7.3f}{flag}")
        t = self.total
        out.append(f"  {'all facts':<22} {t.support:>7} {t.precision:>9.3f} {t.recall:>7.3f}")
        if self.asked:
            out.append(f"Asked to confirm ('Did you mean ...?'): {len(self.asked)}")
        if self.misses:
            out.append("Confusions (expected / understood):")
            for u, missed, extra in self.misses:
                where = f"line {u.line}" if u.line else "?"
                out.append(f"  {where} at {u.at}: {u.say[:70]!r}")
                out.append(
                    f"      expected {_pairs(missed) or '-'}; understood {_pairs(extra) or '-'}"
                )
        if self.violations:
            out.append("Facts given that must not be:")
            for u, pair in self.violations:
                out.append(f"  line {u.line}: {u.say[:70]!r} gave {pair[0]}={pair[1]}")
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "facts": {
                f: {"support": s.support, "precision": s.precision, "recall": s.recall}
                for f, s in sorted(self.scores.items())
            },
            "failing": self.failing(),
            "confusions": [
                {"line": u.line, "say": u.say, "at": u.at, "expected": sorted(m), "got": sorted(e)}
                for u, m, e in self.misses
            ],
            "violations": [
                {"line": u.line, "say": u.say, "fact": p[0], "value": p[1]}
                for u, p in self.violations
            ],
        }


def _pairs(pairs: Iterable[Pair]) -> str:
    return ", ".join(f"{f}={v}" for f, v in sorted(pairs))


def load(path: Path, knowledge: Knowledge) -> list[Utterance]:
    """The labelled utterances of a file; KnowledgeBaseError with file:line when malformed."""
    f = read(path)
    data = f.data if isinstance(f.data, dict) else {}
    items = data.get("utterances")
    if not isinstance(items, list):
        raise KnowledgeBaseError([f.problem((), "expected a mapping with a list `utterances`")])
    problems: list[Problem] = []
    utterances = []
    for index, item in enumerate(items):
        try:
            utterances.append(_utterance(f, index, item, knowledge))
        except ValueError as exc:
            problems.append(f.problem(("utterances", index), str(exc)))
    if problems:
        raise KnowledgeBaseError(problems)
    return utterances


def _utterance(f: RuleFile, index: int, item: Any, knowledge: Knowledge) -> Utterance:
    if not isinstance(item, dict) or not isinstance(item.get("say"), str):
        raise ValueError("an utterance is a mapping with `say: text`")
    unknown = set(item) - {"say", "at", "gives", "not"}
    if unknown:
        raise ValueError(f"unknown field {sorted(unknown)[0]!r}")
    at = item.get("at") or next(iter(knowledge.facts))
    if at != CONFIRM and (at not in knowledge.facts or knowledge.facts[at].question is None):
        raise ValueError(f"`at`: {at!r} is not a question")
    gives = item.get("gives") or {}
    if not isinstance(gives, dict):
        raise ValueError("`gives` is a mapping of facts to values")
    for fact in gives:
        if fact not in knowledge.facts and fact not in (ACT, CONFIRM):
            raise ValueError(f"`gives`: {fact!r} is not a fact")
    never: set[Pair | tuple[str, None]] = set()
    for entry in item.get("not") or []:
        fact, _, value = str(entry).partition("=")
        never.add((fact, value) if value else (fact, None))
    return Utterance(
        item["say"],
        at,
        frozenset((str(k), str(v)) for k, v in gives.items()),
        frozenset(never),
        f.line_of(("utterances", index)),
    )


def presupposed(knowledge: Knowledge, fact: str) -> dict[str, frozenset[str]]:
    """What is always known when a question is asked, with the values it can have then:
    the conditions before it in every rule that waits for it, and for a step's condition
    what its article needs to apply. ("Which firewall?" is asked only of people with a
    firewall, so what they answer does not also tell that they have one.)"""
    contexts: list[dict[str, frozenset[str]]] = []
    for rule in knowledge.rules:
        facts = [c.fact for c in rule.when]
        if fact in facts:
            before = rule.when[: facts.index(fact)]
            contexts.append({c.fact: c.values for c in before if not c.negated})
    for article in knowledge.articles.values():
        applies = [r for r in knowledge.rules_of(article.id) if r.conclude == "applies"]
        needs = _common([{c.fact: c.values for c in r.when if not c.negated} for r in applies])
        parents = {item.id: parent for item, parent in article.items()}
        for item, _ in article.items():
            facts = [c.fact for c in item.when]
            if fact in facts:
                before = item.when[: facts.index(fact)]
                context = {**needs, **{c.fact: c.values for c in before if not c.negated}}
                above = parents[item.id]
                while above is not None:
                    context.update({c.fact: c.values for c in above.when if not c.negated})
                    above = parents[above.id]
                contexts.append(context)
    return _common(contexts)


def _common(contexts: list[dict[str, frozenset[str]]]) -> dict[str, frozenset[str]]:
    if not contexts:
        return {}
    facts = set(contexts[0]).intersection(*contexts[1:])
    return {f: frozenset().union(*(c[f] for c in contexts)) for f in facts}


def understood(understander: Understander, u: Utterance) -> tuple[set[Pair], set[Pair]]:
    """What advisor reads from an utterance: the facts it takes (besides what the question
    presupposes), and those it would ask about first ("Did you mean ...?")."""
    knowledge = understander.knowledge
    question = _question(knowledge, u.at)
    result = understander.understand(u.say, question)
    context = presupposed(knowledge, u.at) if u.at != CONFIRM else {}
    got = {(r.fact, r.value) for r in result.new(context)}
    value = result.answer.value
    if value is not None:
        got.add((CONFIRM if u.at == CONFIRM else question.fact, value))
    elif question.kind == "text" and result.answered:
        got |= {(r.fact, r.value) for r in result.read.readings if r.fact == question.fact}
    if result.read.act is not None:
        got.add((ACT, result.read.act))
    asked = {(d.fact, d.value) for d in result.read.doubts}
    return got, asked


def _question(knowledge: Knowledge, at: str) -> Question:
    if at == CONFIRM:
        language = knowledge.language
        return Question(CONFIRM, "Did you mean ...?", "yesno", (language.yes, language.no))
    question = knowledge.facts[at].question
    assert question is not None
    return question


def evaluate(knowledge: Knowledge, utterances: list[Utterance]) -> Report:
    understander = Understander(knowledge)
    report = Report()
    for u in utterances:
        got, asked = understood(understander, u)
        context = presupposed(knowledge, u.at) if u.at != CONFIRM else {}
        u = dataclasses.replace(u, gives=frozenset(p for p in u.gives if p[0] not in context))
        for pair in asked:
            report.asked.append((u, pair))
        for fact in {f for f, _ in got | u.gives}:
            score = report.scores.setdefault(fact, Score())
            gold = {p for p in u.gives if p[0] == fact}
            mine = {p for p in got if p[0] == fact}
            score.tp += len(gold & mine)
            score.fp += len(mine - gold)
            score.fn += len(gold - mine)
        if got != u.gives:
            report.misses.append((u, set(u.gives - got), set(got - u.gives)))
        for fact, value in got:
            if (fact, value) in u.never or (fact, None) in u.never:
                report.violations.append((u, (fact, value)))
    return report


def sweep(knowledge: Knowledge, utterances: list[Utterance]) -> list[str]:
    """Precision and recall of the recognised messages at other thresholds (to choose
    `recognition` in the language file)."""
    facts = {
        fact
        for f in knowledge.facts.values()
        for p in f.patterns
        if p.kind == "message"
        for fact, _ in p.sets
    }
    lines = [f"  {'accept':>6} {'ask':>5}  fact: precision recall (asked)"]
    for accept in (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9):
        for ask in sorted({0.35, 0.45, 0.55, accept}):
            if ask > accept:
                continue
            language = dataclasses.replace(knowledge.language, accept=accept, ask=ask)
            report = evaluate(dataclasses.replace(knowledge, language=language), utterances)
            cells = []
            for fact in sorted(facts):
                s = report.scores.get(fact, Score())
                asked = sum(1 for _, (f, _) in report.asked if f == fact)
                cells.append(f"{fact}: {s.precision:.3f} {s.recall:.3f} ({asked})")
            lines.append(f"  {accept:>6} {ask:>5}  " + "; ".join(cells))
    return lines
