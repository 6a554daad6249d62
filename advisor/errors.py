"""The exceptions advisor raises: one base class, subclasses that carry their context."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


class AdvisorError(Exception):
    """Base class of every error advisor raises on purpose."""


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in a rule file: where it is and what is wrong."""

    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.message}"


class KnowledgeBaseError(AdvisorError):
    """The knowledge base cannot be loaded; `problems` lists every reason found.

    All problems are collected before raising so an author fixes them in one pass; nothing
    of a knowledge base with problems is loaded.
    """

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(sorted(problems))
        super().__init__("\n".join(str(p) for p in self.problems))

    @property
    def first(self) -> Problem:
        return self.problems[0]


class StateError(AdvisorError):
    """A saved session state that cannot be restored with this knowledge base."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        self.field = field
        super().__init__(message if field is None else f"{field}: {message}")
