"""A loaded knowledge base: it makes sessions, and restores saved ones."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from advisor.engine import EnginePool, Inference, Known
from advisor.errors import StateError
from advisor.knowledge import Knowledge
from advisor.loader import load_knowledge
from advisor.session import STATE_FORMAT, Session
from advisor.understand import clean, too_long


class KnowledgeBase:
    def __init__(self, knowledge: Knowledge) -> None:
        self.knowledge = knowledge
        self._pool: EnginePool | None = None

    @property
    def pool(self) -> EnginePool:
        # Compiling the rules is deferred to the first conversation so that loading (and
        # checking) a knowledge base stays cheap.
        if self._pool is None:
            self._pool = EnginePool(self.knowledge)
        return self._pool

    def infer(self, answers: list[Known]) -> Inference:
        return self.pool.infer(answers)

    def new_session(self) -> Session:
        return Session(self)

    def restore(self, state: Mapping[str, Any]) -> Session:
        """A session from `Session.to_state()`; StateError when it does not fit this base."""
        if not isinstance(state, Mapping):
            raise StateError("a saved state is a mapping")
        if state.get("format") != STATE_FORMAT:
            raise StateError(f"unsupported format {state.get('format')!r}", field="format")
        answers = state.get("answers")
        if not isinstance(answers, list):
            raise StateError("must be a list", field="answers")
        asking = state.get("asking")
        if asking is not None and not self._askable(asking):
            raise StateError(f"{asking!r} is not a question of this knowledge base", field="asking")
        return Session(
            self,
            [self._answer(a, i) for i, a in enumerate(answers)],
            started=bool(state.get("started", True)),
            asking=asking,
            ended=bool(state.get("ended", False)),
        )

    def _askable(self, fact: Any) -> bool:
        spec = self.knowledge.facts.get(fact) if isinstance(fact, str) else None
        return spec is not None and spec.question is not None

    def _answer(self, data: Any, index: int) -> Known:
        where = f"answers[{index}]"
        if not isinstance(data, Mapping):
            raise StateError("must be a mapping", field=where)
        fact, value = data.get("fact"), data.get("value")
        if not isinstance(fact, str) or not self._askable(fact):
            raise StateError(f"{fact!r} is not a question of this knowledge base", field=where)
        if not isinstance(value, str) or too_long(value):
            raise StateError("the value must be text within the size limit", field=where)
        spec = self.knowledge.facts[fact]
        if spec.values is None:
            return Known(fact, clean(value), "typed")
        if value not in spec.values:
            raise StateError(f"{value!r} is not a choice of {fact!r}", field=where)
        return Known(fact, value, "chosen")


def load(path: str | Path | None = None) -> KnowledgeBase:
    """Load the bundled knowledge base, or the rule files at `path` (a folder or a file)."""
    return KnowledgeBase(load_knowledge(path))
