"""Error numbers in what a person typed.

Outlook Express numbers its errors 0x800CCC0F, 0x8004210B and so on: eight hex digits that
start with 8. People type them with or without the 0x, in any case, in pieces ("0x800 ccc
0f"), with a letter for a digit ("0x800CCCOF"), or with a digit missing. A number is read
as written when it has eight digits: another error is another error, so 0x800CCC0E is not
taken for 0x800CCC0F. A number with a digit too many or too few is read as the one known
number it is a typo of; one with two digits swapped only makes advisor ask.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

DIGITS = 8
_CANDIDATE = re.compile(
    r"(?<![0-9a-z])(?P<prefix>[0o]\s*x\s*)?(?P<body>8[0-9a-z]*(?:(?:\s|-)+[0-9a-z]+){0,3})",
    re.IGNORECASE,
)
_PARTS = re.compile(r"(?:\s|-)+")
_HEX = frozenset("0123456789ABCDEF")


@dataclass(frozen=True)
class NumberFound:
    value: str  # canonical: 0x800CCC0F
    start: int  # where it was typed
    end: int
    sure: bool = True  # False: it only looks like a known number; ask first


def canonical(code: str) -> str:
    return f"0x{code.upper()}"


def find(
    text: str, confusions: Mapping[str, str], known: Collection[str] = ()
) -> Iterator[NumberFound]:
    """The error numbers in a text, each as a known number where it is clearly a typo of one."""
    known_codes = {k.upper().removeprefix("0X") for k in known}
    for m in _CANDIDATE.finditer(text):
        code, end = _code(m, confusions)
        if code is None or not _looks_like_a_number(code, bool(m["prefix"])):
            continue
        start = m.start()
        if len(code) == DIGITS:
            swapped = _swapped(code, known_codes) if code not in known_codes else None
            if swapped is not None:
                yield NumberFound(canonical(swapped), start, end, sure=False)
            else:
                yield NumberFound(canonical(code), start, end)
            continue
        near = [k for k in known_codes if Levenshtein.distance(code, k, score_cutoff=1) <= 1]
        if len(near) == 1:
            yield NumberFound(canonical(near[0]), start, end)


def _code(m: re.Match[str], confusions: Mapping[str, str]) -> tuple[str | None, int]:
    """The digits of a candidate (pieces joined until there are eight), and where it ends."""
    code = ""
    end = m.start("body")
    offset = m.start("body")
    for piece, at in _pieces(m["body"]):
        mapped = "".join(confusions.get(ch.casefold(), ch.upper()) for ch in piece)
        if not set(mapped) <= _HEX or len(code) >= DIGITS:
            break
        # A later piece is a word, not digits, when it is one letter ("a", "I") or has no
        # hex digit of its own ("oil").
        if code and (len(piece) < 2 or not set(piece.upper()) & _HEX):
            break
        code += mapped
        end = offset + at + len(piece)
    if not DIGITS - 1 <= len(code) <= DIGITS + 1:
        return None, end
    return code, end


def _pieces(body: str) -> Iterator[tuple[str, int]]:
    at = 0
    for separator in _PARTS.finditer(body):
        yield body[at : separator.start()], at
        at = separator.end()
    yield body[at:], at


def _looks_like_a_number(code: str, prefixed: bool) -> bool:
    # Without 0x, a run of plain digits is more often a phone number or a date than an
    # error: only an error's own beginning (800...) or a hex letter makes it one.
    return prefixed or not code.isdecimal() or code.startswith("800")


def _swapped(code: str, known: Collection[str]) -> str | None:
    for i in range(len(code) - 1):
        candidate = code[:i] + code[i + 1] + code[i] + code[i + 2 :]
        if candidate != code and candidate in known:
            return candidate
    return None
