"""The floor: the same decision by plain dictionaries, with no rule engine at all.

From the answers (as a session holds them, the facts read from text included), it derives
facts to a fixpoint, finds the article whose conditions hold, and picks the next question
the way advisor does (the first unknown condition of each live article, the one most
articles wait for). It keeps no provenance and explains nothing; it is how fast the decision
itself can be.
"""

from __future__ import annotations

from collections.abc import Sequence

from advisor.inference.facts import Known
from advisor.knowledge.model import Condition, Knowledge, Rule


class Floor:
    def __init__(self, knowledge: Knowledge) -> None:
        self.k = knowledge
        by_head: dict[tuple[str, str], list[Rule]] = {}
        self.derivations = [r for r in knowledge.rules if r.conclude is None]
        for rule in knowledge.rules:
            if rule.conclude == "applies":
                head = next(c for c in rule.when if not c.negated)
                for value in head.values:
                    by_head.setdefault((head.fact, value), []).append(rule)
        self.by_head = by_head
        self.heads = {f for f, _ in by_head}

    def infer(self, answers: Sequence[Known]) -> tuple[str | None, str | None]:
        """(the article that applies, the next question)."""
        values = {a.fact: a.value for a in answers}
        changed = True
        while changed:
            changed = False
            for rule in self.derivations:
                if all(_holds(c, values) for c in rule.when):
                    for fact, value in rule.sets:
                        if fact not in values:
                            values[fact], changed = value, True
        candidates = [
            r for f in self.heads if f in values for r in self.by_head.get((f, values[f]), ())
        ]
        waiting: dict[str, int] = {}
        for rule in candidates:
            unknown = next((c for c in rule.when if not c.negated and c.fact not in values), None)
            if unknown is None and all(_holds(c, values) for c in rule.when):
                return rule.article, None
            if unknown is not None and not any(
                c.fact in values and not _holds(c, values) for c in rule.when
            ):
                waiting[unknown.fact] = waiting.get(unknown.fact, 0) + 1
        question = max(waiting, key=lambda f: (waiting[f], -self.k.facts[f].order), default=None)
        return None, question


def _holds(c: Condition, values: dict[str, str]) -> bool:
    return c.holds(values.get(c.fact))
