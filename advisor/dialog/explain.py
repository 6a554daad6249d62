"""Explanations in words, generated from the engine's provenance and the knowledge base.

`why` answers "why are you asking this?" from the goals that wait for the question's fact;
`how` answers "how did you conclude that?" by walking the premises of derivations back to
what the person said. Nothing here is written for a particular article or question.

Both come in two forms from the same data: for the person (the facts' descriptions, what
the rules give and decide), and, with `ids`, for a knowledge author (every rule, pattern
and item by id, with its exact conditions).
"""

from __future__ import annotations

import textwrap
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from advisor.dialog import wording
from advisor.inference.facts import Derivation, Inference, Known
from advisor.inference.partition import ROUTE
from advisor.knowledge.model import Condition, Item, Knowledge, Pattern, Rule
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
    """Puts one inference into words: for the person, or with `ids` for an author."""

    def __init__(self, knowledge: Knowledge, inference: Inference, ids: bool = False) -> None:
        self.k = knowledge
        self.inf = inference
        self.ids = ids

    # -- pieces --------------------------------------------------------------------------

    def value(self, fact: str, value: str) -> str:
        return f"{self.k.facts[fact].describe}: {_cut(self.k.facts[fact].label(value), 80)}"

    def labels(self, c: Condition) -> list[str]:
        """The labels of a condition's values, in the order of the fact's values."""
        fact = self.k.facts[c.fact]
        order = list(fact.values or ())
        # Values the fact does not list (error numbers) in their own order, so it is stable.
        ordered = sorted(c.values, key=lambda v: (order.index(v) if v in order else len(order), v))
        return [fact.label(v) for v in ordered]

    def condition(self, c: Condition) -> str:
        said = " or ".join(_cut(label, 60) for label in self.labels(c))
        return f"{self.k.facts[c.fact].describe}: {'not ' if c.negated else ''}{said}"

    def conditions(self, conditions: tuple[Condition, ...]) -> str:
        return "; ".join(self.condition(c) for c in conditions)

    def item_name(self, item: Item) -> str:
        return f"the {item.kind} “{_cut(item.text, 80)}”"

    def _by(self, rule_id: str, kind: str = "") -> str:
        """The id of what did it, for an author only."""
        if not self.ids:
            return ""
        return f" ({kind} {rule_id})" if kind else f" ({rule_id})"

    def rule_sentence(self, rule_id: str) -> str:
        """What a rule, pattern or item does, in one sentence."""
        if rule_id.startswith(f"{ROUTE}:"):
            fact = self.k.facts[rule_id.split(":", 1)[1]]
            return f"{fact.describe} decides which articles to consider"
        rule = self.k.by_id[rule_id]
        if isinstance(rule, Pattern):
            made = ", ".join(self.k.facts[f].describe for f in rule.produces)
            read = f"I read {made} from {self.k.facts[rule.source].describe}"
            return read + self._by(rule_id, "pattern")
        if isinstance(rule, Item):
            shown = f"{self.item_name(rule)} is shown when {self.conditions(rule.when)}"
            return shown + self._by(rule_id)
        when = self.conditions(rule.when)
        if rule.conclude is not None:
            verdict = "applies" if rule.conclude == "applies" else "does not apply"
            return f"article {rule.article} {verdict} when {when}" + self._by(rule_id, "rule")
        sets = "; ".join(self.value(f, v) for f, v in rule.sets)
        return f"{sets} when {when}" + self._by(rule_id, "rule")

    # -- why --------------------------------------------------------------------------------

    def why(self, fact: str) -> Explanation:
        """What waits for `fact`: the rules and patterns that need it, what waits for what
        they give, and so on up to the articles and steps they decide."""
        paths = [g.path for g in self.inf.goals if g.fact == fact]
        # Breadth first: what needs the answer itself, then what needs what that gives.
        waiting = list(
            dict.fromkeys(
                p[depth]
                for depth in range(max(map(len, paths), default=0))
                for p in paths
                if len(p) > depth
            )
        )
        if self.ids:
            return self._why_for_authors(fact, waiting)
        direct = {p[0] for p in paths}
        reasons = [
            *self._reads(waiting),
            *self._tells(waiting),
            *self._chooses(fact, waiting, direct),
            *self._decides(waiting, direct),
        ]
        title = wording.WHY_ASK.format(describe=self.k.facts[fact].describe)
        return Explanation(title, tuple(reasons) or (wording.WHY_NOTHING,))

    def _why_for_authors(self, fact: str, waiting: list[str]) -> Explanation:
        question = self.k.facts[fact].question
        asked = question.text if question is not None else self.k.facts[fact].describe
        patterns = {r: p for r in waiting if isinstance(p := self.k.by_id.get(r), Pattern)}
        reasons: list[str] = []
        if patterns:
            read = dict.fromkeys(f for p in patterns.values() for f in p.produces)
            names = ", ".join(self.k.facts[f].describe for f in read)
            reasons.append(f"I read {names} from your answer ({_plural('pattern', patterns)})")
        reasons.extend(self.rule_sentence(r) for r in waiting if r not in patterns)
        title = f"Why I ask “{asked}”:"
        return Explanation(title, tuple(reasons) or ("no rule needs the answer any more",))

    def _reads(self, waiting: list[str]) -> list[str]:
        """The facts the patterns waiting for a text answer read from it."""
        read = dict.fromkeys(
            self.k.facts[f].describe
            for r in waiting
            if isinstance(p := self.k.by_id.get(r), Pattern)
            for f in p.produces
        )
        return [wording.WHY_READS.format(facts=wording.options(list(read)))] if read else []

    def _tells(self, waiting: list[str]) -> list[str]:
        """The facts the rules waiting for the answer derive, each with the values they can
        take (each said once, however many rules give it)."""
        told: dict[str, dict[str, None]] = {}
        for rule in self._rules(waiting):
            for fact, value in rule.sets:
                told.setdefault(fact, {})[self.k.facts[fact].label(value)] = None
        return [
            wording.WHY_TELLS_ONE_OF.format(describe=self.k.facts[f].describe, values="; ".join(v))
            if len(v) > 1
            else wording.WHY_TELLS.format(describe=self.k.facts[f].describe)
            for f, v in told.items()
        ]

    def _chooses(self, fact: str, waiting: list[str], direct: set[str]) -> list[str]:
        """The steps, notes and warnings the answer itself chooses, each with the answers
        that show it."""
        reasons = []
        for item in self._items(waiting):
            if item.id in direct:
                c = next(c for c in item.when if c.fact == fact and not c.negated)
                values = wording.options(self.labels(c))
                reasons.append(wording.WHY_CHOOSES.format(values=values, item=self.item_name(item)))
        return reasons

    def _decides(self, waiting: list[str], direct: set[str]) -> list[str]:
        """What the answer decides further on: steps, articles, which articles to consider."""
        reasons = []
        later = [self.item_name(i) for i in self._items(waiting) if i.id not in direct]
        if later:
            reasons.append(wording.WHY_STEPS.format(items="; ".join(later)))
        articles = dict.fromkeys(r.article for r in self._rules(waiting) if r.conclude)
        titles = [f"“{self.k.articles[a].title}”" for a in articles]
        if len(titles) == 1:
            reasons.append(wording.WHY_ARTICLE.format(article=titles[0]))
        elif titles:
            reasons.append(wording.WHY_ARTICLES.format(articles="; ".join(titles)))
        for r in waiting:
            if r.startswith(f"{ROUTE}:"):
                describe = self.k.facts[r.split(":", 1)[1]].describe
                reasons.append(
                    wording.WHY_ROUTE.format(describe=describe[:1].upper() + describe[1:])
                )
        return reasons

    def _rules(self, waiting: list[str]) -> list[Rule]:
        return [r for r in map(self.k.by_id.get, waiting) if isinstance(r, Rule)]

    def _items(self, waiting: list[str]) -> list[Item]:
        return [i for i in map(self.k.by_id.get, waiting) if isinstance(i, Item)]

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
        derived = known.derivation if known.source == "derived" else None
        if derived is not None and self.ids:
            source = f"by rule {derived.rule}"
        lines.append(f"{self.value(fact, known.value)} — {source}")
        if derived is not None:
            self._trace(derived, lines, seen)

    def _trace(self, d: Derivation, lines: list[str], seen: set[str]) -> None:
        for fact, _ in d.premises:
            self._trace_fact(fact, lines, seen)
        for c in d.absent:
            lines.append(f"{self.condition(c)} — nothing says otherwise")

    def how_article(self, article: str) -> Explanation:
        conclusion = self.inf.outcomes[article]
        title = self.k.articles[article].title
        verdict = "applies" if conclusion.status == "applies" else "does not apply"
        # The person reads the facts the rule used; an author also the rule and its conditions.
        lines = [self.rule_sentence(conclusion.derivation.rule)] if self.ids else []
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
                source += self._by(known.derivation.rule)
            lines.append(f"{self.value(fact, known.value)} — {source}")
        return Explanation("What I know so far:", tuple(lines) or ("nothing yet",))

    def source(self, known: Known) -> str:
        """Where a fact came from, with the words it was read from (and, for an author, the
        pattern)."""
        source = SOURCES[known.source]
        d = known.derivation
        if d is None or known.source == "derived":
            return source
        said = f": “{excerpt(d.said, 60)}”" if d.said else ""
        by = self._by(d.rule, "pattern") if d.rule in self.k.by_id else ""
        return f"{source}{said}{by}"


def _cut(text: str, limit: int) -> str:
    """`text` on one line, cut at a word when longer than `limit` (within the word when the
    first one is that long)."""
    short = textwrap.shorten(text, limit, placeholder="…")
    return excerpt(text, limit) if short == "…" else short


def _plural(word: str, ids: Collection[str]) -> str:
    return f"{word}{'s' if len(ids) > 1 else ''} {', '.join(ids)}"
