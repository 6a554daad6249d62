"""One archive file into its parts: the KB id, the title, the header, the "applies to"
lines and the sections.

An archive file is a Jekyll page: front matter, a `## Q123456: title` heading, and the
article's plain text between `{% raw %}` and `{% endraw %}`, every line indented by one
tab. The text starts with a tab-indented header (Article, Product(s), Version(s),
Operating System(s), Keyword(s), Last Modified), then "The information in this article
applies to:" between two lines of dashes, then sections whose titles are underlined with
`=`, and ends with "Additional query words" and a block of keywords, which are not
content.
"""

from __future__ import annotations

import datetime
import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


class NotAnArticle(ValueError):
    """The file is not a Knowledge Base article in the archive's format."""


@dataclass(frozen=True)
class Section:
    title: str  # as printed, upper case: SYMPTOMS, CAUSE, RESOLUTION, ...
    lines: tuple[str, ...]  # without the article's own tab, right-stripped


@dataclass(frozen=True)
class Source:
    path: str
    id: str  # Q194068
    title: str
    header: Mapping[str, str]  # "Product(s)" -> "The Microsoft Network"
    applies_to: tuple[tuple[int, str], ...]  # (indent, text) of each "- " line, tidied
    sections: tuple[Section, ...] = field(default=())

    @property
    def modified(self) -> datetime.date | None:
        return _date(self.header.get("Last Modified", ""))

    def section(self, *titles: str) -> Section | None:
        """The first section with one of these titles (RESOLUTION, WORKAROUND, ...)."""
        for title in titles:
            for s in self.sections:
                if s.title == title:
                    return s
        return None


HEADER_FIELDS = (
    "Article",
    "Product(s)",
    "Version(s)",
    "Operating System(s)",
    "Keyword(s)",
    "Last Modified",
)
_HEADER = re.compile(r"^\s*(" + "|".join(re.escape(f) for f in HEADER_FIELDS) + r"):[ \t]*(.*)$")
_DASHES = re.compile(r"^\s*-{10,}\s*$")
_UNDERLINE = re.compile(r"^\s*=+\s*$")
_KB_ID = re.compile(r"\bQ\d{4,7}\b")
# Bytes the archive's conversion left as `<A0>`: a no-break space, and a soft hyphen.
# Other `<XX>` are text (NetBIOS names such as DOMAIN<1C>, placeholders such as <CD>).
_JUNK = {"<A0>": " ", "<AD>": ""}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_ENTITY = re.compile(r"&(?:#\d{1,4}|#x[0-9a-fA-F]{1,4}|quot|amp|lt|gt|apos|nbsp);")
_MONTHS = "JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split()


def read(path: str | Path) -> Source:
    """Read one article file; NotAnArticle when it is not one. Bytes that are not UTF-8
    are replaced rather than fatal: one odd byte must not lose an article."""
    text = Path(path).read_bytes().decode("utf-8", errors="replace")
    return parse(text, str(path))


def parse(text: str, path: str = "<text>") -> Source:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    heading = re.search(r"^##\s+(.*)$", text, re.MULTILINE)
    front = re.search(r'^title:\s*"?(.*?)"?\s*$', text, re.MULTILINE)
    named = heading or front
    title_line = unescape(named.group(1)) if named is not None else ""
    lines = [clean(line) for line in _body(text).split("\n")]
    lines = _without_trailer(lines)
    header, start = _header(lines)
    found = _KB_ID.search(header.get("Article", "")) or _KB_ID.search(title_line)
    if found is None:
        raise NotAnArticle("no `Article: Q...` header")
    title = re.sub(r"^\s*Q\d+\s*:\s*", "", title_line).strip()
    applies_to, start = _applies_to(lines, start)
    sections = _sections(lines[start:])
    if not sections:
        raise NotAnArticle("no text after the header")
    return Source(path, found.group(), title or found.group(), header, applies_to, sections)


def clean(line: str) -> str:
    """A line without the article's one tab of indentation, junk bytes or control codes."""
    if line.startswith("\t"):
        line = line[1:]
    line = line.expandtabs(8)
    for junk, by in _JUNK.items():
        line = line.replace(junk, by)
    return unescape(_CONTROL.sub("", line)).rstrip()


def unescape(text: str) -> str:
    """HTML entities the archive's pages carry (`&quot;`, `&lt;`, `&#92;`), and only with
    their semicolon: `&reg=2` in a URL is not the registered sign."""
    return _ENTITY.sub(lambda m: html.unescape(m.group()), text)


def _body(text: str) -> str:
    start, end = text.find("{% raw %}"), text.rfind("{% endraw %}")
    if start >= 0:
        return text[start + len("{% raw %}") : end if end > start else len(text)]
    # Without the markers: everything after the front matter.
    parts = re.split(r"^---\s*$", text, maxsplit=2, flags=re.MULTILINE)
    return parts[2] if len(parts) == 3 and not parts[0].strip() else text


def _without_trailer(lines: list[str]) -> list[str]:
    """Lines before "Additional query words" and the keyword block: index terms, not text."""
    for n in range(len(lines) - 1, -1, -1):
        if lines[n].lstrip().startswith("Additional query words"):
            return lines[:n]
    for n in range(len(lines) - 1, -1, -1):
        if re.fullmatch(r"\s*={20,}", lines[n]) and any(
            s.lstrip().startswith("Keywords") for s in lines[n + 1 : n + 3]
        ):
            return lines[:n]
    return lines


def _header(lines: list[str]) -> tuple[dict[str, str], int]:
    header: dict[str, str] = {}
    end = 0  # after the last header line, when no line of dashes closes the header
    for n, line in enumerate(lines[:40]):
        m = _HEADER.match(line)
        if m:
            header.setdefault(m.group(1), " ".join(m.group(2).split()))
            end = n + 1
        elif _DASHES.match(line) and header:
            return header, n
    return header, end


def _applies_to(lines: list[str], start: int) -> tuple[tuple[tuple[int, str], ...], int]:
    """The "applies to" lines, and where the text after them starts."""
    for n in range(start, min(len(lines), start + 6)):
        if "applies to" in lines[n].lower():
            break
    else:
        return (), start
    found: list[tuple[int, str]] = []
    end = n + 1
    while end < len(lines) and not _DASHES.match(lines[end]) and not _title_at(lines, end):
        line = lines[end]
        text = line.strip()
        if text.startswith("- "):
            found.append((len(line) - len(line.lstrip()), tidy(text[2:]).rstrip(" .")))
        elif text and found:  # a wrapped line goes on with the line before it
            indent, before = found[-1]
            found[-1] = (indent, f"{before} {tidy(text)}".rstrip(" ."))
        end += 1
    return tuple(found), end + 1 if end < len(lines) and _DASHES.match(lines[end]) else end


def _title_at(lines: list[str], n: int) -> bool:
    """Whether line n is a section title (the line after it underlines it with `=`)."""
    title = lines[n].strip()
    if not title or n + 1 >= len(lines) or not _UNDERLINE.match(lines[n + 1]):
        return False
    if "   " in title:  # a table's column headings, underlined
        return False
    return len(lines[n + 1].strip()) >= 3 and abs(len(lines[n + 1].strip()) - len(title)) <= 3


def _sections(lines: list[str]) -> tuple[Section, ...]:
    sections: list[Section] = []
    title, start, n = "", 0, 0
    while n < len(lines):
        if _title_at(lines, n):
            sections.append(Section(title, tuple(lines[start:n])))
            title, start, n = lines[n].strip().upper(), n + 2, n + 2
            continue
        n += 1
    sections.append(Section(title, tuple(lines[start:])))
    # The text before the first title is kept only when there is some.
    return tuple(s for s in sections if s.title or any(line.strip() for line in s.lines))


def tidy(text: str) -> str:
    return " ".join(text.split())


def _date(text: str) -> datetime.date | None:
    m = re.fullmatch(r"\s*(\d{1,2})-([A-Za-z]{3})-(\d{4})\s*", text)
    if m is None or m.group(2).upper() not in _MONTHS:
        return None
    try:
        return datetime.date(
            int(m.group(3)), _MONTHS.index(m.group(2).upper()) + 1, int(m.group(1))
        )
    except ValueError:
        return None
