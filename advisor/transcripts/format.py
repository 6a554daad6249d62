"""The transcript format (`*.chat`): parse it, write it, and match bot output against it.

A transcript is the conversation as a person reads it. After a header (`# title:` and
`# tags:`), each line is one of:

    > text          what the person sends (`>` alone sends an empty line)
    >> text         one more line of the same message (a multi-line paste)
    >$ text         what the person sends, with backslash escapes (\\x1b, \\t, \\n)
    text            a bot line, matched exactly (trailing spaces aside)
    text (re)       a bot line matching a regular expression (the whole line)
    text (glob)     a bot line matching a glob (* and ?)
    ... (optional)  a suffix of `optional` makes a line optional: `(optional)`, `(re, optional)`
    ...             any number of bot lines, none included
    ! text          no bot line of this reply matches (the suffixes apply)
    # text          a comment; blank lines are ignored too
    \\text          a bot line taken as written (for lines starting with > # ! or \\)

Bot lines are what `bot_lines` renders: the messages as the terminal prints them, then the
question as `? text` and its choices as `  [id] label`.
"""

from __future__ import annotations

import codecs
import difflib
import fnmatch
import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TextIO

from advisor.dialog.render import message_lines
from advisor.errors import AdvisorError

SUFFIX = "chat"
_MODES = re.compile(
    r"^(?P<text>.*) \((?P<modes>(?:re|glob|optional)(?:, ?(?:re|glob|optional))*)\)$"
)
_RESERVED = (">", "#", "!", "\\")


class TranscriptError(AdvisorError):
    """A transcript that cannot be read: which file, which line, and why."""

    def __init__(self, file: str, line: int | None, reason: str) -> None:
        self.file, self.line, self.reason = file, line, reason
        where = file if line is None else f"{file}:{line}"
        super().__init__(f"{where}: {reason}")


@dataclass(frozen=True)
class Expect:
    """One expected bot line (or `...`) and where it is written."""

    line: int
    source: str  # the line as written in the file
    kind: Literal["literal", "re", "glob", "any"]
    text: str = ""
    optional: bool = False
    negated: bool = False

    def matches(self, actual: str) -> bool:
        actual = actual.rstrip()
        if self.kind == "literal":
            return actual == self.text
        if self.kind == "glob":
            return fnmatch.fnmatchcase(actual, self.text)
        if self.kind == "re":
            return _regex(self.text).fullmatch(actual) is not None
        return True


@functools.lru_cache(maxsize=512)
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


@dataclass
class Turn:
    """What the person sends (from `line`), and what the bot is expected to say to it."""

    line: int
    text: str | None  # None for the opening, before the person says anything
    expect: list[Expect] = field(default_factory=list)
    end: int = 0  # the last line of the person's message (after `>>` lines)

    def __post_init__(self) -> None:
        self.end = self.end or self.line


@dataclass
class Transcript:
    path: str
    title: str
    tags: tuple[str, ...]
    turns: list[Turn]  # turns[0] is the bot's opening
    lines: list[str]  # the file, for --update


def parse_file(path: Path) -> Transcript:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TranscriptError(str(path), None, f"cannot be read: {exc}") from exc
    return parse(text, str(path))


def parse(text: str, name: str) -> Transcript:
    lines = text.splitlines()
    title, tags, start = _header(lines, name)
    turns = [Turn(line=start, text=None)]
    for number, raw in enumerate(lines[start:], start + 1):
        line = raw.rstrip()
        if not line or line.startswith("#"):
            continue
        if line.startswith(">>"):
            if turns[-1].text is None or turns[-1].expect:
                raise TranscriptError(
                    name, number, "`>>` continues a message, but no `>` line is right above it"
                )
            turns[-1].text += "\n" + line[2:].removeprefix(" ")
            turns[-1].end = number
        elif line.startswith(">$"):
            turns.append(Turn(number, _unescape(line[2:].removeprefix(" "), name, number)))
        elif line.startswith(">"):
            turns.append(Turn(number, line[1:].removeprefix(" ")))
        else:
            turns[-1].expect.append(_expect(line, number, name))
    if len(turns) == 1:
        raise TranscriptError(name, None, "no `>` line: a transcript says something to the bot")
    return Transcript(name, title, tags, turns, lines)


def _header(lines: list[str], name: str) -> tuple[str, tuple[str, ...], int]:
    """The title, the tags, and how many lines the header (its leading `#` lines) takes."""
    size = next((i for i, line in enumerate(lines) if not line.startswith("#")), len(lines))
    fields = {}
    for line in lines[:size]:
        key, _, value = line[1:].partition(":")
        fields[key.strip()] = value.strip()
    if not fields.get("title"):
        raise TranscriptError(name, 1, "the header needs a `# title: ...` line")
    tags = tuple(t.strip() for t in fields.get("tags", "").split(",") if t.strip())
    return fields["title"], tags, size


def _expect(line: str, number: int, name: str) -> Expect:
    if line.startswith("\\"):
        return Expect(number, line, "literal", line[1:])
    negated = line.startswith("!")
    body = line[1:].removeprefix(" ") if negated else line
    if body == "...":
        if negated:
            raise TranscriptError(name, number, "`! ...` means nothing: `...` matches any lines")
        return Expect(number, line, "any")
    kind: Literal["literal", "re", "glob"] = "literal"
    optional = False
    match = _MODES.match(body)
    if match:
        modes = {m.strip() for m in match["modes"].split(",")}
        if {"re", "glob"} <= modes:
            raise TranscriptError(name, number, "a line is either (re) or (glob), not both")
        kind = "re" if "re" in modes else "glob" if "glob" in modes else "literal"
        optional = "optional" in modes
        body = match["text"]
    if kind == "re":
        try:
            _regex(body)
        except re.error as exc:
            raise TranscriptError(
                name, number, f"the regular expression does not compile: {exc}"
            ) from exc
    return Expect(number, line, kind, body, optional, negated)


def _unescape(text: str, name: str, number: int) -> str:
    try:
        return codecs.decode(text, "unicode_escape")
    except UnicodeDecodeError as exc:
        raise TranscriptError(name, number, f"bad escape in `>$` line: {exc.reason}") from exc


# -- writing --------------------------------------------------------------------------


def bot_lines(reply: Mapping[str, Any]) -> list[str]:
    """A reply (its JSON form) as transcript lines: messages, then `? question` and choices."""
    lines = [line for message in reply["messages"] for line in message_lines(message)]
    question = reply.get("question")
    if question is not None:
        lines.append(f"? {question['text']}")
        lines.extend(f"  [{c['id']}] {c['label']}" for c in question["choices"])
    return lines


def escape_bot(line: str) -> str:
    """A bot line written so that it parses back as the literal line it is."""
    line = line.rstrip()
    if not line or line.startswith(_RESERVED) or line == "..." or _MODES.match(line):
        return "\\" + line
    return line


def user_lines(text: str) -> list[str]:
    """What the person sent, as `>` lines; escaped (`>$`) when plain lines would change it."""
    lines = text.split("\n")
    plain = all(ch == "\n" or (ord(ch) >= 32 and ch != "\\") for ch in text)
    if not plain or any(line != line.rstrip() for line in lines):
        escaped = text.encode("unicode_escape").decode("ascii")
        stripped = escaped.rstrip(" ")
        return [f">$ {stripped}" + "\\x20" * (len(escaped) - len(stripped))]
    first, *rest = lines
    return [f"> {first}".rstrip(), *(f">> {line}".rstrip() for line in rest)]


class Recorder:
    """Writes a conversation as it happens, so that it replays as it was."""

    def __init__(self, stream: TextIO, title: str, tags: Iterable[str] = ("recorded",)) -> None:
        self.stream = stream
        self._write([f"# title: {title}", f"# tags: {', '.join(tags)}"])

    def bot(self, reply: Mapping[str, Any]) -> None:
        self._write([escape_bot(line) for line in bot_lines(reply)])

    def user(self, text: str) -> None:
        self._write(["", *user_lines(text)])

    def _write(self, lines: list[str]) -> None:
        self.stream.write("".join(line + "\n" for line in lines))
        self.stream.flush()


# -- matching ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Mismatch:
    """Where a reply departs from its expectations: the file line, and what the bot said."""

    line: int
    expected: str | None  # the expected line as written; None when the bot said more
    actual: str | None  # the bot's line; None when it said less

    def describe(self) -> str:
        if self.expected is None:
            return f"the bot said more than expected: {self.actual!r}"
        if self.actual is None:
            return f"expected {self.expected!r}, but the bot said nothing more"
        return f"expected {self.expected!r}, the bot said {self.actual!r}"


def check(turn: Turn, actual: list[str]) -> Mismatch | None:
    """None when `actual` meets the turn's expectations, else the first place it does not."""
    for e in turn.expect:
        if e.negated:
            hit = next((a for a in actual if e.matches(a)), None)
            if hit is not None:
                return Mismatch(e.line, e.source, hit)
    items = [e for e in turn.expect if not e.negated]
    furthest = [0, 0]

    @functools.cache
    def fits(i: int, j: int) -> bool:
        if (i, -j) > (furthest[0], -furthest[1]):
            furthest[:] = [i, j]
        if i == len(items):
            return j == len(actual)
        item = items[i]
        if item.kind == "any":
            return fits(i + 1, j) or (j < len(actual) and fits(i, j + 1))
        if j < len(actual) and item.matches(actual[j]) and fits(i + 1, j + 1):
            return True
        return item.optional and fits(i + 1, j)

    if fits(0, 0):
        return None
    i, j = furthest
    if i < len(items):
        return Mismatch(items[i].line, items[i].source, actual[j] if j < len(actual) else None)
    last = items[-1].line if items else turn.line
    return Mismatch(last, None, actual[j])


def diff(turn: Turn, actual: list[str], name: str) -> str:
    expected = [e.source for e in turn.expect]
    lines = difflib.unified_diff(
        expected, actual, f"{name} (expected)", "bot said", lineterm="", n=3
    )
    return "\n".join(lines)


def updated(turn: Turn, actual: list[str]) -> list[str]:
    """The turn's expectations rewritten to `actual`, keeping every pattern line.

    An alignment of least cost decides which lines stay: a matching line costs nothing, a
    literal line that differs is replaced, a missing line is added as a literal, a line
    the bot no longer says is dropped; patterns, `...`, negations and optional lines that
    do not match stay as written for the author to look at.
    """
    items = [e for e in turn.expect if not e.negated]
    keep_always = [e.source for e in turn.expect if e.negated]

    @functools.cache
    def best(i: int, j: int) -> tuple[int, tuple[str, ...]]:
        if i == len(items):
            rest = tuple(escape_bot(a) for a in actual[j:])
            return len(rest), rest
        item = items[i]
        options: list[tuple[int, tuple[str, ...]]] = []
        if item.kind == "any":
            options.append(_prepend(item.source, best(i + 1, j)))
            if j < len(actual):
                cost, rest = best(i, j + 1)
                options.append((cost, rest))  # `...` absorbs the line; written once
        if j < len(actual) and item.matches(actual[j]):
            options.append(_prepend(item.source, best(i + 1, j + 1)))
        if item.kind == "literal" and not item.optional:
            if j < len(actual):
                cost, rest = best(i + 1, j + 1)
                options.append((cost + 1, (escape_bot(actual[j]), *rest)))
            cost, rest = best(i + 1, j)
            options.append((cost + 1, rest))  # the bot no longer says it
        else:
            cost, rest = best(i + 1, j)
            extra = 0 if item.optional or item.kind == "any" else 1
            options.append((cost + extra, (item.source, *rest)))
        if j < len(actual):
            cost, rest = best(i, j + 1)
            options.append((cost + 1, (escape_bot(actual[j]), *rest)))
        return min(options, key=lambda o: o[0])

    return [*keep_always, *best(0, 0)[1]]


def _prepend(line: str, tail: tuple[int, tuple[str, ...]]) -> tuple[int, tuple[str, ...]]:
    return tail[0], (line, *tail[1])
