"""What a person typed, made safe and matched to the choices of a question."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from advisor.knowledge.model import Choice, Question, normalise

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


@dataclass(frozen=True)
class ChoiceMatch:
    """The outcome of matching an answer: one choice, several, or none."""

    choice: Choice | None
    exact: bool = True
    candidates: tuple[Choice, ...] = ()


def match_choice(question: Question, text: str) -> ChoiceMatch:
    """Match an answer by id, label, synonym or number, then by the words it contains.

    A whole-answer match is exact. Otherwise the answer may contain a label or synonym
    ("I have Windows 98 SE"); the longest phrase found wins over phrases inside it, and
    when phrases of different choices remain the answer is ambiguous.
    """
    choices = question.choices
    said = normalise(text)
    bare = text.strip().casefold()
    for choice in choices:
        for phrase in _phrases(choice):
            if (normalise(phrase) or phrase.casefold()) in {said, bare}:
                return ChoiceMatch(choice)
    if said.isdecimal():  # after the phrases: "98" is a name, not the 98th choice
        number = int(said)
        return ChoiceMatch(choices[number - 1] if 1 <= number <= len(choices) else None)
    found: list[tuple[tuple[int, int], Choice]] = []
    for choice in choices:
        for phrase in _phrases(choice):
            words = normalise(phrase)
            if not _containable(words):
                continue
            for m in re.finditer(rf"(?<!\w){re.escape(words)}(?!\w)", said):
                found.append(((m.start(), m.end()), choice))
    kept = {
        choice.id: choice
        for span, choice in found
        if not any(o[0] <= span[0] and span[1] <= o[1] and o != span for o, _ in found)
    }
    if len(kept) == 1:
        return ChoiceMatch(next(iter(kept.values())), exact=False)
    return ChoiceMatch(None, candidates=tuple(kept.values()))


def _phrases(choice: Choice) -> tuple[str, ...]:
    return (choice.id, choice.label, *choice.synonyms)


# Short everyday words occur in too many sentences ("tell me", "I think so") to be taken
# as an answer ("Me", "y") unless they are the whole answer.
_EVERYDAY = frozenset("a an i me my y n it is do so to on in or of at us we be he".split())


def _containable(words: str) -> bool:
    return bool(words) and words not in _EVERYDAY
