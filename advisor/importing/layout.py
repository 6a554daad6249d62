"""A section's lines into blocks: paragraphs, numbered items, quoted text, notes, headings.

The articles were written for an 80-column screen, so their layout is their structure:

- a paragraph's lines are wrapped at column 80; a line that ends a sentence well before the
  end of the line (the next word would have fitted) ends a paragraph even without a blank
  line ("and then click Properties." / "If using Windows 98 you will be prompted ...");
- an item starts with "1.", "a." or "-" and its wrapped lines are indented a little
  deeper than its marker; items indented deeper than another item are its sub-items;
- text indented deeper than the text around it is quoted: an error message, a command to
  type, a registry key, a file list;
- a line underlined with dashes is a sub-heading ("Step 1: Configure Mail Servers");
- "NOTE:", "WARNING:", "CAUTION:", "IMPORTANT:" start a note or warning, and "-or-" on a
  line of its own separates alternatives.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

WIDTH = 80  # the articles' screen width
SLACK = 3  # room left at the end of a line that shows it was broken on purpose

Kind = Literal["para", "quote", "item", "note", "or", "heading"]

_MARKER = re.compile(
    r"^(?:(?P<number>\d{1,2})[.)]|(?P<letter>[a-z])[.)]|(?P<bullet>[-*]))\s+(?=\S)"
)
_OR = re.compile(r"^-*\s*(?:or|and)\s*-*$", re.IGNORECASE)
_NOTE = re.compile(
    r"^(?P<word>IMPORTANT NOTE|NOTES|NOTE|Notes|Note|TIP|Tip|WARNING|Warning|CAUTION|Caution"
    r"|IMPORTANT|Important)(?:\s*[:!]+\s*|\s+-\s+|(?<=[A-Z]{3})\s+(?=[A-Z\"'(])|(?<=Note)\s+(?=[A-Z]))"
)
_UNDERLINE = re.compile(r"^\s*-{3,}\s*$")
_SENTENCE_END = re.compile(r"[.!?:][\"')]*$")


@dataclass
class Line:
    indent: int
    text: str  # without its indentation
    width: int  # the whole line's length, indentation included


@dataclass
class Block:
    kind: Kind
    indent: int
    lines: list[Line] = field(default_factory=list)
    marker: str = ""  # an item's "1", "a" or "-"; a note's kind, "note" or "warning"
    children: list[Block] = field(default_factory=list)
    broken: bool = False  # starts at a line break, not after a blank line
    title: str = ""  # a heading's
    word: str = ""  # how a note or an item starts in the article: "NOTE:", "1."

    @property
    def text(self) -> str:
        """The block's words on one line (an item's without its marker)."""
        return " ".join(" ".join(line.text for line in self.lines).split())

    def paragraphs(self) -> list[str]:
        """Quoted text as its lines were meant: wrapped lines joined, lines that were broken
        on purpose (a file list, a dialog's lines) kept apart."""
        out: list[str] = []
        for before, line in zip([None, *self.lines], self.lines, strict=False):
            if before is None or _deliberate(before, line, quoted=True):
                out.append(line.text)
            else:
                out[-1] = f"{out[-1]} {line.text}"
        return [" ".join(p.split()) for p in out]

    @property
    def body_indent(self) -> int:
        """Where an item's wrapped lines start: deeper text is quoted in it."""
        if len(self.lines) > 1:
            return self.lines[1].indent
        return self.indent + 2


def blocks(lines: list[str] | tuple[str, ...]) -> list[Block]:
    """The blocks of a section, sub-headings holding the blocks under them."""
    out: list[Block] = []
    start = 0
    heading: Block | None = None
    for n in range(len(lines)):
        if _heading_at(lines, n):
            _close(out, heading, lines[start:n])
            heading = Block("heading", _indent(lines[n]), title=" ".join(lines[n].split()))
            start = n + 2
    _close(out, heading, lines[start:])
    return out


def _close(out: list[Block], heading: Block | None, lines: list[str] | tuple[str, ...]) -> None:
    tree = _tree(_units(lines))
    if heading is None:
        out.extend(tree)
    else:
        heading.children = tree
        out.append(heading)


def _heading_at(lines: list[str] | tuple[str, ...], n: int) -> bool:
    title = lines[n].strip()
    if not title or n + 1 >= len(lines) or not _UNDERLINE.match(lines[n + 1]):
        return False
    if "   " in title or _UNDERLINE.match(lines[n]):  # a table's column headings
        return False
    return abs(len(lines[n + 1].strip()) - len(title)) <= 3


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _units(lines: list[str] | tuple[str, ...]) -> list[Block]:
    """Paragraph-sized pieces: each starts after a blank line, at an item's marker, at a
    note's word, at a change of indentation or at a deliberate line break."""
    units: list[Block] = []
    current: Block | None = None
    blank = True
    for raw in lines:
        if not raw.strip():
            current, blank = None, True
            continue
        line = Line(_indent(raw), raw.strip(), len(raw))
        if _OR.match(line.text):
            word = "-and-" if "and" in line.text.lower() else "-or-"
            units.append(Block("or", line.indent, [line], broken=not blank, word=word))
            current, blank = None, True
            continue
        marker, note = _MARKER.match(line.text), _NOTE.match(line.text)
        if current is None or marker or note or _starts(current, line):
            current = _unit(line, marker, note, broken=not blank)
            units.append(current)
        else:
            current.lines.append(line)
        blank = False
    # "-or-" stands at the level of what follows it, however it is indented.
    for n, unit in enumerate(units):
        if unit.kind == "or" and n + 1 < len(units):
            unit.indent = units[n + 1].indent
    return units


def _unit(
    line: Line, marker: re.Match[str] | None, note: re.Match[str] | None, broken: bool
) -> Block:
    if marker is not None:
        label = marker.group("number") or marker.group("letter") or "-"
        first = Line(line.indent, line.text[marker.end() :], line.width)
        word = marker.group().strip()
        return Block("item", line.indent, [first], marker=label, broken=broken, word=word)
    if note is not None:
        # CAUTION and IMPORTANT warn as WARNING does.
        kind = "note" if note.group("word").upper() in ("NOTE", "NOTES", "TIP") else "warning"
        first = Line(line.indent, line.text[note.end() :], line.width)
        word = note.group().strip()
        return Block("note", line.indent, [first], marker=kind, broken=broken, word=word)
    return Block("para", line.indent, [line], broken=broken)


def _starts(current: Block, line: Line) -> bool:
    """Whether `line` starts a new piece rather than going on with `current`."""
    before = current.lines[-1]
    if len(current.lines) == 1:
        if line.indent < current.indent:
            return True
        if line.indent > current.indent:
            # Wrapped text (an item's, a hanging indent), unless a quote starts after a colon:
            # an item's text is indented a little, a quote deeper.
            limit = current.indent + 4 if current.kind == "item" else current.indent
            if before.text.endswith(":") and line.indent > limit:
                return True
            return _deliberate(before, line)
        if current.kind == "item":  # an item's own text is indented deeper than its marker
            return True
    elif line.indent != current.lines[1].indent:
        return True
    return _deliberate(before, line)


def _deliberate(before: Line, line: Line, quoted: bool = False) -> bool:
    """Whether the break between two lines was made on purpose: the first word of the
    second line would have fitted on the first. In prose, only where a sentence ends and
    the next begins with a capital."""
    word = line.text.split(maxsplit=1)[0]
    fits = before.width + 1 + len(word) + SLACK <= WIDTH
    if quoted:
        return fits
    return fits and bool(_SENTENCE_END.search(before.text)) and line.text[:1].isupper()


def _tree(units: list[Block]) -> list[Block]:
    """Units into a tree by indentation: what is indented deeper than an item is in it."""
    top: list[Block] = []
    base = min((u.indent for u in units), default=0)
    stack: list[Block] = []
    for unit in units:
        while stack and unit.indent <= stack[-1].indent:
            stack.pop()
        parent = stack[-1] if stack else None
        siblings = parent.children if parent is not None else top
        if unit.kind == "para" and _quoted(unit, parent, siblings, base):
            unit.kind = "quote"
        siblings.append(unit)
        if unit.kind in ("item", "note"):
            stack.append(unit)
    return top


def _quoted(unit: Block, parent: Block | None, siblings: list[Block], base: int) -> bool:
    """Whether a paragraph is quoted: indented deeper than the text it is in, or as deep as
    an item's text right after a line that ends with a colon."""
    body = parent.body_indent if parent is not None else base
    if unit.indent > body:
        return True
    if parent is None or unit.indent < body:
        return False
    before = siblings[-1] if siblings else parent
    return before.kind in ("item", "para", "note", "quote") and before.text.endswith(":")


def prose(found: list[Block]) -> str:
    """Blocks as text, one paragraph each: items and notes keep their "1." and "NOTE:",
    quoted text its deliberate line breaks."""
    return "\n\n".join(p for block in found for p in _prose(block) if p)


def _prose(block: Block) -> list[str]:
    if block.kind == "heading":
        own = [block.title]
    elif block.kind == "quote":
        own = block.paragraphs()
    elif block.kind == "or":
        own = [block.word]
    else:
        own = [f"{block.word} {block.text}".strip()]
    return own + [p for child in block.children for p in _prose(child)]
