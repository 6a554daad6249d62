"""What a person typed: made safe, shortened for echoing, and cut into words.

Words keep where they stand in the text (to quote what a fact was read from) and which
part of a sentence they are in (a negation reaches only the words after it in that part).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property

MAX_INPUT_BYTES = 64 * 1024

# CSI (colours, cursor moves), OSC (titles, links) and the other ESC sequences a terminal
# would act on; they are removed whole so that no stray "[31m" is left behind.
_ANSI = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"  # DCS, SOS, PM, APC
    r"|\x1b[@-Z\\-_]"  # two-byte sequences
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
)
# Bidirectional overrides can make echoed text read differently from what it is.
_BIDI = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))


def clean(text: str) -> str:
    """Remove terminal escapes and control characters; keep line breaks and tabs as spaces."""
    text = _ANSI.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = text.translate(_BIDI)
    return "".join(
        " " if ch == "\t" else ch
        for ch in text
        if ch == "\n" or ch == "\t" or unicodedata.category(ch) not in {"Cc", "Cs"}
    )


def too_long(text: str) -> int | None:
    """The size in bytes when `text` is over the limit, else None."""
    size = len(text.encode("utf-8", "surrogatepass"))
    return size if size > MAX_INPUT_BYTES else None


def excerpt(text: str, limit: int = 60) -> str:
    """A short one-line form of `text` for echoing it back."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


# A word, with apostrophes inside it ("don't", "MSN's"): they are dropped when comparing.
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
# Punctuation and line breaks end a part of a sentence; so do these words.
_BREAK = re.compile(r"[,;:.!?()\[\]\n]|\s-\s")
_BREAK_WORDS = frozenset("but however although though whereas".split())
# What follows these words corrects or outweighs what came before: "Norton is on, but it
# does not scan mail". Not "although": in "although X, Y" the weightier part is Y.
_CONTRAST_WORDS = frozenset("but however".split())
_SENTENCE_END = re.compile(r"[.!?\n]+")


def fold(word: str) -> str:
    """How a word is compared: lower case, without apostrophes ("Don't" -> "dont")."""
    return word.casefold().replace("'", "").replace("’", "")


@dataclass(frozen=True)
class Word:
    text: str  # folded: "dont", "msns"
    base: str  # without a possessive 's: "msn" (else the same as text)
    start: int  # where it stands in the text, for quoting
    end: int
    clause: int  # the part of the sentence it is in
    sentence: int
    asks: bool  # its sentence ends with a question mark
    contrast: int = 0  # how many words such as "but" stand before it in the text

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Words:
    """A text cut into words."""

    text: str
    items: tuple[Word, ...]

    def quote(self, first: int, last: int, limit: int = 80) -> str:
        """The words first..last as the person wrote them (for "read from ...")."""
        return excerpt(self.text[self.items[first].start : self.items[last].end], limit)

    @cached_property
    def folded(self) -> tuple[str, ...]:
        return tuple(w.text for w in self.items)

    def at(self, offset: int) -> Word | None:
        """The word at or after a character offset of the text."""
        return next((w for w in self.items if w.end > offset), None)


def split(text: str) -> Words:
    """Cut a text into words, each with its clause and whether its sentence is a question."""
    breaks = [m.start() for m in _BREAK.finditer(text)]
    questions = [
        (m.start(), m.group().startswith("?")) for m in _SENTENCE_END.finditer(text + "\n")
    ]
    items: list[Word] = []
    clause, at_break, at_end, contrast = 0, 0, 0, 0
    for m in _WORD.finditer(text):
        while at_break < len(breaks) and breaks[at_break] < m.start():
            clause, at_break = clause + 1, at_break + 1
        while questions[at_end][0] < m.start():
            at_end += 1
        folded = fold(m.group())
        if folded in _BREAK_WORDS:
            clause += 1
            contrast += folded in _CONTRAST_WORDS
            continue
        raw = m.group().casefold()
        base = fold(raw[:-2]) if raw.endswith(("'s", "’s")) else folded
        asks = questions[at_end][1]
        items.append(Word(folded, base, m.start(), m.end(), clause, at_end, asks, contrast))
    return Words(text, tuple(items))


def phrase_words(phrase: str) -> tuple[str, ...]:
    """A phrase of the knowledge base, folded the way typed words are."""
    return tuple(fold(m.group()) for m in _WORD.finditer(phrase))
