"""Coverage of the knowledge, not of the code: which rules, patterns, questions, choices,
steps, notes and warnings the recorded conversations reach."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from advisor.dialog.reply import Reply
from advisor.dialog.session import Session
from advisor.knowledge.model import Knowledge


@dataclass(frozen=True, order=True)
class Element:
    """One piece of knowledge a conversation can reach, e.g. ("choice", "windows=win98")."""

    kind: str
    id: str

    def __str__(self) -> str:
        return f"{self.kind:<8} {self.id}"


def elements(knowledge: Knowledge) -> list[Element]:
    """Every piece of the knowledge base, in the order of the files."""
    found: list[Element] = []
    for fact in knowledge.facts.values():
        if fact.question is not None:
            found.append(Element("question", fact.id))
            found.extend(Element("choice", f"{fact.id}={c.id}") for c in fact.question.choices)
        found.extend(Element("pattern", p.id) for p in fact.patterns)
    found.extend(Element("rule", r.id) for r in knowledge.rules)
    for article in knowledge.articles.values():
        found.extend(Element(item.kind, item.id) for item, _ in article.items())
    return found


def reached(
    session: Session, replies: Iterable[Reply], matched: Iterable[str] = ()
) -> set[Element]:
    """What one conversation reached: asked, answered, fired, or shown to the person; and
    the patterns that `matched` what the person wrote."""
    got: set[Element] = {Element("pattern", p) for p in matched}
    for reply in replies:
        if reply.question is not None:
            got.add(Element("question", reply.question.id))
        for m in reply.messages:
            if m.type in {"step", "note", "warning"}:
                got.add(Element(m.type, str(m.extra["id"])))
    questions = session.knowledge.facts
    got.update(
        Element("choice", f"{a.fact}={a.value}")
        for a in session.answers
        if (q := questions[a.fact].question) is not None and q.choices
    )
    inference = session.inference
    derivations = [k.derivation for k in inference.known.values() if k.derivation is not None]
    derivations += [c.derivation for c in inference.outcomes.values()]
    patterns = {p.id for f in session.knowledge.facts.values() for p in f.patterns}
    for d in derivations:
        got.add(Element("pattern" if d.rule in patterns else "rule", d.rule))
    return got


def report(knowledge: Knowledge, reach: Mapping[str, set[Element]]) -> tuple[list[str], bool]:
    """Lines listing each element with the transcripts that reach it; True when all are reached."""
    everything = elements(knowledge)
    by_element: dict[Element, list[str]] = {e: [] for e in everything}
    for name, got in reach.items():
        for e in got:
            if e in by_element:
                by_element[e].append(name)
    missing = [e for e in everything if not by_element[e]]
    covered = len(everything) - len(missing)
    percent = 100 * covered // max(1, len(everything))
    lines = [f"Knowledge coverage: {covered} of {len(everything)} reached ({percent}%)"]
    for e in everything:
        names = sorted(by_element[e])
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        lines.append(f"  {'ok' if names else '--'}  {e}  {shown or 'NOT REACHED'}")
    if missing:
        lines.append("Not reached by any transcript:")
        lines.extend(f"  {e}" for e in missing)
    return lines, not missing
