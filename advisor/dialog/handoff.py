"""The summary a support agent takes over from: the error as the person gave it, every fact
with where it came from, the articles considered, and each step's fate."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from advisor.dialog.resolution import Shown
from advisor.inference.facts import Inference, Known
from advisor.knowledge.model import UNKNOWN, Knowledge


def handoff(
    knowledge: Knowledge,
    inference: Inference,
    answers: Sequence[Known],
    unclear: Sequence[str],
    steps: Sequence[Shown],
    done: Iterable[str] = (),
    skipped: Iterable[str] = (),
    shown: Iterable[str] = (),
) -> dict[str, Any]:
    done, skipped, seen = list(done), list(skipped), set(shown)
    typed = [a.value for a in answers if a.source == "typed" and a.value != UNKNOWN]
    return {
        "error": typed[0] if typed else None,
        # What the person wrote that answered nothing: often the best clue an agent gets.
        "unclear": list(unclear),
        "facts": [
            {
                "fact": name,
                "describe": knowledge.facts[name].describe,
                "value": k.value,
                "label": knowledge.facts[name].label(k.value),
                "source": k.source,
                "rule": k.derivation.rule if k.derivation else None,
                "said": k.derivation.said if k.derivation and k.derivation.said else None,
            }
            for name, k in inference.known.items()
        ],
        "articles": [
            {
                "id": name,
                "title": knowledge.articles[name].title,
                "status": c.status,
                "rule": c.derivation.rule,
            }
            for name, c in inference.outcomes.items()
        ],
        "steps": [
            {
                "id": s.item.id,
                "number": s.number,
                "text": s.item.text,
                "status": "done"
                if s.item.id in done
                else "skipped"
                if s.item.id in skipped
                else "shown"  # given all at once: whether it was done is not known
                if s.item.id in seen
                else "not done",
            }
            for s in steps
            if s.item.kind == "step"
        ],
    }
