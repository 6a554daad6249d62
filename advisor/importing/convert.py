"""One article, read from its file, into the data of an advisor rule file.

An article is imported when SYMPTOMS quotes an error message, or its title names one ("Err
Msg: ..."): recognising the article needs an error to recognise. And RESOLUTION or
WORKAROUND must give something to do.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from advisor.importing import layout, messages, products, render
from advisor.importing.conditions import Conditions
from advisor.importing.resolution import Item, resolution
from advisor.importing.source import Source

NO_MESSAGE = "no error message quoted in SYMPTOMS or named in the title"
NO_STEPS = "no resolution or workaround steps"
NOT_AN_ARTICLE = "not an article"
# What the resolution's `more_information` gathers, in the article's order.
_ASIDE = ("RESOLUTION", "WORKAROUND", "SYMPTOMS", "CAUSE", "")


class Skipped(Exception):
    """The article is not imported, for `reason`."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Imported:
    id: str
    data: dict[str, Any]
    named: dict[str, dict[str, str]]  # product, version, system -> id -> label
    todos: list[str] = field(default_factory=list)
    messages: int = 0
    numbers: int = 0
    items: int = 0

    def header(self) -> list[str]:
        return [
            f"Imported by advisor from Microsoft Knowledge Base article {self.id}.",
            "Review each `todo`, then run `advisor check`.",
        ]

    def text(self) -> str:
        return render.document(self.header(), self.data)

    def keep_only(self, facts: set[str]) -> set[str]:
        """Leave out of `distinguish` the facts not in `facts`; return those left out."""
        distinguish = self.data["article"].get("distinguish", {})
        gone = set(distinguish) - facts
        for fact in gone:
            del distinguish[fact]
            self.named.pop(fact, None)
        if not distinguish:
            self.data["article"].pop("distinguish", None)
        return gone


def convert(source: Source, conditions: Conditions) -> Imported:
    symptoms_section = source.section("SYMPTOMS")
    if symptoms_section is None:
        raise Skipped(NO_MESSAGE)
    symptoms = messages.symptoms(layout.blocks(symptoms_section.lines))
    if not symptoms.messages:
        titled = messages.from_title(source.title)
        if titled is None:
            raise Skipped(NO_MESSAGE)
        symptoms = dataclasses.replace(symptoms, messages=(titled,))

    # The registry warning some articles open with belongs before their steps.
    preface = [
        b
        for s in source.sections
        if s.title == ""
        for b in layout.blocks(s.lines)
        if b.kind == "note"
    ]
    fix = source.section("RESOLUTION")
    workaround = source.section("WORKAROUND")
    found = resolution(layout.blocks(fix.lines), conditions, preface) if fix else None
    aside = None
    if found is not None and _does(found.items) and workaround is not None:
        aside = layout.prose(layout.blocks(workaround.lines)) or None
    elif workaround is not None:
        found = resolution(layout.blocks(workaround.lines), conditions, preface)
    if found is None or not _does(found.items):
        raise Skipped(NO_STEPS)

    applies = products.applies(source.applies_to, source.header)
    article: dict[str, Any] = {
        "id": source.id,
        "title": source.title,
        "source": _source(source),
    }
    if source.modified is not None:
        article["modified"] = source.modified.isoformat()
    if applies.lines:
        article["applies_to"] = applies.lines
    if applies.distinguish:
        article["distinguish"] = {
            f: render.InlineList(ids) for f, ids in applies.distinguish.items()
        }
    errors = []
    for n, message in enumerate(symptoms.messages, 1):
        error: dict[str, Any] = {"id": f"message-{n}", "message": message.text}
        if message.number:
            error["number"] = message.number
        errors.append(error)

    res: dict[str, Any] = {}
    if symptoms.prose:
        res["symptoms"] = symptoms.prose
    cause = source.section("CAUSE")
    if cause is not None and (text := layout.prose(layout.blocks(cause.lines))):
        res["cause"] = text
    if found.intro:
        res["intro"] = found.intro
    res["steps"] = [item.data() for item in found.items]
    if aside:
        res["workaround"] = aside
    more = "\n\n".join(
        text
        for s in source.sections
        if s.title not in _ASIDE and (text := layout.prose(layout.blocks(s.lines)))
    )
    if more:
        res["more_information"] = more

    res = {k: v if k == "steps" else render.literal(v) for k, v in res.items()}
    data = {"format": 1, "article": article, "errors": errors, "resolution": res}
    imported = Imported(source.id, data, applies.named, messages=len(errors))
    imported.numbers = sum(1 for e in errors if "number" in e)
    _count(found.items, imported)
    return imported


def _does(items: list[Item]) -> bool:
    """Whether a resolution has something to do: a step, not only notes."""
    return any(i.kind == "step" for i in items)


def _source(source: Source) -> str:
    modified = source.header.get("Last Modified", "").strip()
    where = f"Microsoft Knowledge Base article {source.id}"
    return f"{where} (last modified {modified})" if modified else where


def _count(items: list[Item], imported: Imported) -> None:
    for item in items:
        imported.items += 1
        if item.todo:
            imported.todos.append(item.todo)
        _count(item.steps, imported)
