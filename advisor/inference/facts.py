"""What an inference is made of and gives: working-memory facts, and plain-data conclusions
with their provenance (which rule, on which facts)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from advisor.inference.rete import Fact
from advisor.knowledge.model import Condition

# typed: the text of a text question's answer; chosen: a choice picked by its number,
# label or id; extracted: read from what the person wrote; confirmed: read, and confirmed
# when advisor asked "Did you mean ...?"; derived: concluded by a rule.
Source = Literal["typed", "chosen", "extracted", "confirmed", "derived"]


class Value(Fact):  # type: ignore[misc]
    pass


class Outcome(Fact):  # type: ignore[misc]
    pass


class Shown(Fact):  # type: ignore[misc]
    pass


@dataclass(frozen=True)
class Derivation:
    """Which rule concluded something, and on which facts."""

    rule: str
    premises: tuple[tuple[str, str], ...] = ()
    # `not` conditions it relied on: facts not known to have these values.
    absent: tuple[Condition, ...] = ()
    said: str = ""  # for a fact read from what the person wrote: the words it was read from


@dataclass(frozen=True)
class Known:
    fact: str
    value: str
    source: Source
    derivation: Derivation | None = None


@dataclass(frozen=True)
class Conclusion:
    article: str
    status: Literal["applies", "not_applicable"]
    derivation: Derivation


@dataclass(frozen=True, order=True)
class Goal:
    """`fact` is awaited: `path` runs from the rule or pattern that needs it directly, through
    whatever needs what that gives, to an article's rule or an item."""

    fact: str
    path: tuple[str, ...]

    @property
    def waiter(self) -> str:
        return self.path[0]


@dataclass(frozen=True)
class Inference:
    """Everything one run of the engine concluded, each conclusion with its provenance."""

    known: Mapping[str, Known]
    outcomes: Mapping[str, Conclusion]
    shown: Mapping[str, Derivation]
    goals: tuple[Goal, ...]  # in knowledge-base order
    question: str | None

    @property
    def values(self) -> dict[str, str]:
        return {name: k.value for name, k in self.known.items()}
