"""Explanations in words, generated from the engine's provenance and the knowledge base.

`why` answers "why are you asking this?" from the goals that wait for the question's fact;
`how` answers "how did you conclude that?" by walking the premises of derivations back to
what the person said. Nothing here is written for a particular article or question.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from advisor.inference.facts import Derivation, Inference, Known
from advisor.inference.partition import ROUTE
from advisor.knowledge.model import Condition, Item, Knowledge, Pattern
from advisor.language.text import excerpt

SOURCES = {
    "typed": "you typed it",
    "chosen": "you chose it",
    "extracted": "read from what you wrote",
    "confirmed": "read from what you wrote, and you confirmed it",
    "derived": "concluded from other facts",
}


@dataclass(frozen=True)
class Explanation:
    """A heading and the reasons under it, for a terminal or as JSON."""

    title: str
    reasons: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n".join([self.title, *(f"- {r}" for r in self.reasons)])

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, "reasons": list(self.reasons)}


class Explainer:
    """Puts one inference into words."""

    def __init__(self, knowledge: Knowledge, inference: Inference) -> None:
        self.k = knowledge
        self.inf = inference

    # -- pieces --------------------------------------------------------------------------

    def value(self, fact: str, value: str) -> str:
        return f"{self.k.facts[fact].describe}: {excerpt(self.k.facts[fact].label(value), 80)}"

    def condition(self, c: Condition) -> str:
        fact = self.k.facts[c.fact]
        order = list(fact.values or ())
        ordered = sorted(c.values, key=lambda v: order.index(v) if v in order else len(order))
        labels = [fact.label(v) for v in ordered]
        said = " or ".join(excerpt(label, 60) for label in labels)
        return f"{self.k.facts[c.fact].describe}: {'not ' if c.negated else ''}{said}"

    def conditions(self, conditions: tuple[Condition, ...]) -> str:
        return "; ".join(self.condition(c) for c in conditions)

    def item_name(self, item: Item) -> str:
        return f"the {item.kind} “{excerpt(item.text, 50)}”"

    def rule_sentence(self, rule_id: str) -> str:
        """What a rule, pattern or item does, in one sentence."""
        if rule_id.startswith(f"{ROUTE}:"):
            fact = self.k.facts[rule_id.split(":", 1)[1]]
            return f"{fact.describe} decides which articles to consider"
        rule = self.k.by_id[rule_id]
        if isinstance(rule, Pattern):
            made = ", ".join(self.k.facts[f].describe for f in rule.produces)
            return f"I read {made} from {self.k.facts[rule.source].describe} (pattern {rule_id})"
        if isinstance(rule, Item):
            return f"{self.item_name(rule)} is shown when {self.conditions(rule.when)} ({rule_id})"
        when = self.conditions(rule.when)
        if rule.conclude is not None:
            verdict = "applies" if rule.conclude == "applies" else "does not apply"
            return f"article {rule.article} {verdict} when {when} (rule {rule_id})"
        sets = "; ".join(self.value(f, v) for f, v in rule.sets)
        return f"{sets} when {when} (rule {rule_id})"

    # -- why --------------------------------------------------------------------------------

    def why(self, fact: str) -> Explanation:
        """The rules and patterns waiting for `fact`, then what waits for what they give, and
        so on up to the articles and steps they decide."""
        question = self.k.facts[fact].question
        asked = question.text if question is not None else self.k.facts[fact].describe
        paths = [g.path for g in self.inf.goals if g.fact == fact]
        reasons: list[str] = []
        seen: set[str] = set()
        for depth in range(max(map(len, paths), default=0)):
            level = [p[depth] for p in paths if len(p) > depth and p[depth] not in seen]
            level = list(dict.fromkeys(level))
            seen.update(level)
            patterns = {r: p for r in level if isinstance(p := self.k.by_id.get(r), Pattern)}
            if patterns:
                read = dict.fromkeys(f for p in patterns.values() for f in p.produces)
                names = ", ".join(self.k.facts[f].describe for f in read)
                reasons.append(f"I read {names} from your answer ({_plural('pattern', patterns)})")
            reasons.extend(self.rule_sentence(r) for r in level if r not in patterns)
        title = f"Why I ask “{asked}”:"
        return Explanation(title, tuple(reasons) or ("no rule needs the answer any more",))

    # -- how --------------------------------------------------------------------------------

    def how_fact(self, fact: str) -> list[str]:
        """How a known fact came to be known, back to what the person said."""
        lines: list[str] = []
        self._trace_fact(fact, lines, set())
        return lines

    def _trace_fact(self, fact: str, lines: list[str], seen: set[str]) -> None:
        if fact in seen or fact not in self.inf.known:
            return
        seen.add(fact)
        known: Known = self.inf.known[fact]
        source = self.source(known)
        if known.derivation is not None and known.source == "derived":
            source = f"by rule {known.derivation.rule}"
        lines.append(f"{self.value(fact, known.value)} — {source}")
        if known.derivation is not None and known.source == "derived":
            self._trace(known.derivation, lines, seen)

    def _trace(self, d: Derivation, lines: list[str], seen: set[str]) -> None:
        for fact, _ in d.premises:
            self._trace_fact(fact, lines, seen)
        for c in d.absent:
            lines.append(f"{self.condition(c)} — nothing says otherwise")

    def how_article(self, article: str) -> Explanation:
        conclusion = self.inf.outcomes[article]
        title = self.k.articles[article].title
        verdict = "applies" if conclusion.status == "applies" else "does not apply"
        lines = [self.rule_sentence(conclusion.derivation.rule)]
        self._trace(conclusion.derivation, lines, set())
        return Explanation(
            f"How I concluded that article {article} (“{title}”) {verdict}:", tuple(lines)
        )

    def how_item(self, item_id: str, number: str = "") -> Explanation:
        item = self._item(item_id)
        article = item_id.split("/", 1)[0]
        lines: list[str] = []
        for anc in self._ancestry(item_id):
            derivation = self.inf.shown.get(anc.id)
            if derivation is not None:
                lines.append(self.rule_sentence(anc.id))
                self._trace(derivation, lines, set())
        if article in self.inf.outcomes:
            lines.append(f"it is a step of article {article}, which applies:")
            lines.extend(self.how_article(article).reasons)
        name = f"step {number}" if number else self.item_name(item)
        return Explanation(f"Why {name} is part of your steps:", tuple(dict.fromkeys(lines)))

    def _item(self, item_id: str) -> Item:
        item = self.k.by_id[item_id]
        assert isinstance(item, Item), item_id
        return item

    def _ancestry(self, item_id: str) -> list[Item]:
        article = self.k.articles[item_id.split("/", 1)[0]]
        parents = {item.id: parent for item, parent in article.items()}
        chain = []
        current: Item | None = self._item(item_id)
        while current is not None:
            chain.append(current)
            current = parents[current.id]
        return list(reversed(chain))

    # -- facts ------------------------------------------------------------------------------

    def facts(self) -> Explanation:
        lines = []
        for fact, known in self.inf.known.items():
            source = self.source(known)
            if known.derivation is not None and known.source == "derived":
                source += f" ({known.derivation.rule})"
            lines.append(f"{self.value(fact, known.value)} — {source}")
        return Explanation("What I know so far:", tuple(lines) or ("nothing yet",))

    def source(self, known: Known) -> str:
        """Where a fact came from, with the words it was read from and the pattern."""
        source = SOURCES[known.source]
        d = known.derivation
        if d is None or known.source == "derived":
            return source
        said = f": “{excerpt(d.said, 60)}”" if d.said else ""
        by = f" (pattern {d.rule})" if d.rule in self.k.by_id else ""
        return f"{source}{said}{by}"


def _plural(word: str, ids: Collection[str]) -> str:
    return f"{word}{'s' if len(ids) > 1 else ''} {', '.join(ids)}"
