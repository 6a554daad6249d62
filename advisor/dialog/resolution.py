"""An article's resolution, tailored: which steps, notes and warnings a person sees."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from advisor.dialog.reply import Message
from advisor.knowledge.model import Article, Item, Knowledge


@dataclass(frozen=True)
class Shown:
    """An item as this person sees it: `number` is like "2.3" for steps, "" otherwise."""

    item: Item
    number: str
    level: int


def visible(article: Article, shown: Mapping[str, object]) -> Iterator[Shown]:
    """The items whose conditions hold, in order, numbered among the steps that are shown.

    `shown` holds the ids of the conditional items the engine selected; an item without
    conditions is shown with its parent.
    """
    return _walk(article.steps, shown, "", 1)


def _walk(
    items: tuple[Item, ...], shown: Mapping[str, object], prefix: str, level: int
) -> Iterator[Shown]:
    # Not a closure: a recursive one is a reference cycle, left for the garbage collector.
    count = 0
    for item in items:
        if item.when and item.id not in shown:
            continue
        number = ""
        if item.kind == "step":
            count += 1
            number = f"{prefix}{count}"
        yield Shown(item, number, level)
        yield from _walk(item.children, shown, f"{number}." if number else prefix, level + 1)


def messages(
    knowledge: Knowledge, article: Article, shown: Mapping[str, object], values: Mapping[str, str]
) -> list[Message]:
    """The resolution of `article` for a person of whom `values` are known."""
    out = []
    if article.intro:
        out.append(Message("intro", knowledge.render(article.intro, values)))
    for s in visible(article, shown):
        extra: dict[str, object] = {"id": s.item.id, "level": s.level}
        if s.number:
            extra["number"] = s.number
        out.append(Message(s.item.kind, knowledge.render(s.item.text, values), extra))
    if article.workaround:
        out.append(Message("workaround", knowledge.render(article.workaround, values)))
    if article.more_information:
        out.append(Message("more_info", knowledge.render(article.more_information, values)))
    return out
