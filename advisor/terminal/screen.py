"""Text fitted to the terminal's width, broken only between words.

A terminal breaks a long line at its last column, inside a word, and prompt_toolkit cuts
its toolbars there; what advisor prints is wrapped here first, at the width of the moment
(a window can be resized between two lines).
"""

from __future__ import annotations

import re
import textwrap

from prompt_toolkit.application import get_app_session

# The start of a list item ("  - ", "  2. ", "  1.3    ") whose wrapped lines hang under
# its text rather than under its number.
_ITEM = re.compile(r"\s*(?:(?:[-•]|\d+(?:\.\d+)*\.?)\s+)?")


def columns() -> int:
    """The width of the terminal being written to, now."""
    return get_app_session().output.get_size().columns


def wrap(text: str, width: int) -> list[str]:
    """`text`'s lines, each broken between words into lines of at most `width` characters
    (within a word only when a word alone is longer)."""
    lines: list[str] = []
    for line in text.split("\n"):
        if not line.strip():
            lines.append(line)
            continue
        item = _ITEM.match(line)
        hang = " " * (item.end() if item else 0)
        if len(hang) > width // 2:  # a deep hang would leave too little room for words
            hang = " " * (len(line) - len(line.lstrip()))
        lines += textwrap.wrap(line, width, subsequent_indent=hang, break_on_hyphens=False)
    return lines
