"""RESOLUTION (or WORKAROUND) into the items of a resolution: steps, notes and warnings,
nested as the article nests them, each with an id and, where the article makes it
conditional, a `when` or a `todo`.

Ids come from the article's numbering where it numbers every item of a list ("Step 2:"
and its "3." are `step-2.3`), else from positions, so importing the same article again
gives the same ids. A note is numbered among the notes of its list (`note-2.1`); a
paragraph split from a step because it has a condition of its own is named after that
step (`warning-2.3`), and the branches of "either X (if A) or Y (if B)" after the value
they are for (`step-2.3-no`).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

from advisor.importing import conditions as cond
from advisor.importing.conditions import Conditions
from advisor.importing.layout import Block, prose
from advisor.importing.render import Inline, InlineList, literal

_STEP_HEADING = re.compile(r"^step\s+(?P<n>\d+)\s*[:.-]\s*(?P<rest>.*)$", re.IGNORECASE)
_WARNS = re.compile(r"\b(?:warning|caution)\b", re.IGNORECASE)


@dataclass
class Item:
    kind: str  # step, note or warning
    text: str
    label: str = ""  # the article's number or letter, or "" for a position
    when: dict[str, object] | None = None
    todo: str | None = None
    steps: list[Item] = field(default_factory=list)
    id: str = ""
    suffix: str = ""  # a branch of "either ... or ...": the value it is for
    extra: bool = False  # a paragraph split from the step before it
    block: int = 0  # the items one block of the article makes share a number

    def data(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id}
        if self.when:
            out["when"] = Inline(
                {f: InlineList(v) if isinstance(v, list) else v for f, v in self.when.items()}
            )
        if self.todo:
            out["todo"] = self.todo
        out[self.kind] = literal(self.text)
        if self.steps:
            out["steps"] = [s.data() for s in self.steps]
        return out


@dataclass
class Resolution:
    intro: str | None
    items: list[Item]


def resolution(
    found: list[Block], conditions: Conditions, preface: list[Block] | None = None
) -> Resolution:
    """The items of a section; `preface`: notes from before the first section (the
    article's warning about the registry), put before the steps."""
    intro = None
    # The lead-in: the first paragraph, after any notes, when it ends with a colon and
    # the list or the sub-headings it announces follow.
    notes = [*(preface or [])]
    while found and found[0].kind == "note":
        notes.append(found[0])
        found = found[1:]
    if (
        len(found) > 1
        and found[0].kind == "para"
        and found[0].text.endswith(":")
        and any(b.kind in ("item", "heading") for b in found[1:3])
    ):
        intro, found = found[0].text, found[1:]
        while found and found[0].kind == "quote":  # what the intro quotes belongs to it
            intro = _join(intro, *found[0].paragraphs())
            found = found[1:]
    items = _items([*notes, *found], conditions)
    _number(items, "")
    _unique(items, set())
    return Resolution(intro, items)


def _items(found: list[Block], conditions: Conditions) -> list[Item]:
    out: list[Item] = []
    alternative = ""  # "-or-" or "-and-" before the next item: kept as the article says it
    n = 0
    while n < len(found):
        block = found[n]
        if block.kind == "or":
            alternative, n = block.word if out else "", n + 1
            continue
        if block.kind == "quote" and out:  # a command to type, a key: part of the step
            out[-1].text = _join(out[-1].text, *block.paragraphs())
            n += 1
            continue
        made, n = _take(found, n, conditions)
        made = [item for item in made if item.text]
        if not made:
            continue
        if alternative:
            made[0].text = _join(alternative, made[0].text)
            alternative = ""
        for item in made:
            item.block = out[-1].block + 1 if out else 0
        out.extend(made)
    return out


def _take(found: list[Block], n: int, conditions: Conditions) -> tuple[list[Item], int]:
    """The items block n makes, and where the blocks after them start."""
    block = found[n]
    if block.kind == "quote":
        return [Item("step", _join(*block.paragraphs()))], n + 1
    after = _run(found, n + 1, ("item", "quote", "or"))
    if block.kind == "para" and block.text.endswith(":") and _has_item(found[n + 1 : after]):
        # A lead-in in the middle ("To do so, use one of these methods:") holds the list
        # that follows it.
        item = _item(block, conditions)
        item.steps = _items(found[n + 1 : after], conditions)
        return [item], after
    if block.kind == "note" and not block.text and not block.children:
        # "NOTE:" on a line of its own: the list that follows is what it says.
        after = _run(found, n + 1, ("item", "quote"))
        item = _item(block, conditions)
        item.text = prose(found[n + 1 : after])
        return [item], after
    return _made(block, conditions), n + 1


def _run(found: list[Block], start: int, kinds: tuple[str, ...]) -> int:
    end = start
    while end < len(found) and found[end].kind in kinds:
        end += 1
    return end


def _has_item(found: list[Block]) -> bool:
    return any(b.kind == "item" for b in found)


def _made(block: Block, conditions: Conditions) -> list[Item]:
    """The items one block makes: usually one; the branches of "either ... or ..." and the
    paragraphs split from a step because of a condition of their own come after it."""
    if block.kind == "heading":
        m = _STEP_HEADING.match(block.title)
        text = m.group("rest") if m and m.group("rest") else block.title
        found = cond.heading(conditions, text)
        item = Item("step", text, m.group("n") if m else "", found.when, found.todo)
        item.steps = _items(block.children, conditions)
        return [item]
    item = _item(block, conditions)
    extra: list[Item] = []
    children = list(block.children)
    # The paragraphs and quotes before the first sub-item go on with the item's text.
    while children and children[0].kind in ("para", "quote"):
        child = children.pop(0)
        if child.kind == "para":
            found = cond.leading(conditions, child.text, step=False)
            if found.when or found.todo:
                kind = "warning" if _WARNS.search(child.text) else "note"
                extra.append(Item(kind, child.text, when=found.when, todo=found.todo, extra=True))
                continue
        paragraphs = child.paragraphs() if child.kind == "quote" else [child.text]
        item.text = _join(item.text, *paragraphs)
    if item.kind != "step":
        if children:  # a note's own list or quote is part of what it says
            item.text = _join(item.text, prose(children))
        return [item, *extra]
    item.steps = _items(children, conditions)
    if item.when is not None:
        return [item, *extra]
    split, todo = cond.branches(conditions, item.text)
    if not split:
        item.todo = item.todo or todo
        return [item, *extra]
    variants = [
        Item(
            "step",
            b.text,
            item.label,
            b.when,
            item.todo,
            copy.deepcopy(item.steps),
            suffix=b.suffix,
        )
        for b in split
    ]
    return [*variants, *extra]


def _item(block: Block, conditions: Conditions) -> Item:
    kind = block.marker if block.kind == "note" else "step"  # a note's marker: note or warning
    label = block.marker if block.kind == "item" and block.marker != "-" else ""
    found = cond.leading(conditions, block.text, step=kind == "step")
    return Item(kind, block.text, label, found.when, found.todo)


def _number(items: list[Item], path: str) -> None:
    """Ids from the article's numbering when it numbers every step of the list, each
    once; else from positions. Notes and warnings by their place among their kind."""
    heads: dict[int, Item] = {}
    for item in items:
        heads.setdefault(item.block, item)
    labels = [h.label for h in heads.values() if h.kind == "step"]
    numbered = all(labels) and len(set(labels)) == len(labels)
    counts: dict[str, int] = {}
    position = 0
    for item in items:
        head = heads[item.block]
        if item is head and head.kind == "step":
            position += 1
        if head.kind == "step":
            base = f"{path}{head.label if numbered else position}"
            if item.extra:
                item.id = f"{item.kind}-{base}"
                continue
            item.id = f"step-{base}-{item.suffix}" if item.suffix else f"step-{base}"
            _number(item.steps, f"{item.id.removeprefix('step-')}.")
        else:
            counts[item.kind] = counts.get(item.kind, 0) + 1
            item.id = f"{item.kind}-{path}{counts[item.kind]}"


def _unique(items: list[Item], seen: set[str]) -> None:
    """Ids unique within the article: a second "1." list in the same place gets -2."""
    for item in items:
        base, n = item.id, 2
        while item.id in seen:
            item.id = f"{base}-{n}"
            n += 1
        seen.add(item.id)
        _unique(item.steps, seen)


def _join(*paragraphs: str) -> str:
    return "\n\n".join(p for p in paragraphs if p)
