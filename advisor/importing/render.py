"""An imported article as a YAML rule file that reads like one written by hand, and the
mark that tells, on the next import, whether an author has edited it since.

Long texts are folded block scalars, short ones plain where YAML allows; a string YAML
would read as something else (`yes`, `0x800CCC0F`, a date) is quoted, so the file means
the same to `yaml.safe_load` as to advisor. Conditions and id lists are written inline.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import yaml

WIDTH = 96
FOLD = 76  # characters: a longer text is written as a folded block
_MARK = re.compile(r"^# advisor-import: sha256=(?P<hash>[0-9a-f]{64})\n", re.MULTILINE)


class Inline(dict[str, Any]):
    """A mapping written on one line: `when: {network_adapter: "no"}`."""


class InlineList(list[Any]):
    """A list written on one line: `product: [the-microsoft-network]`."""


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        # Lists indented under their key, as the hand-written rule files have them.
        super().increase_indent(flow, False)


def _text(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    # An id or a URL has no space to fold at: it stays on its line.
    if (len(text) > FOLD and " " in text) or "\n" in text:
        return dumper.represent_scalar("tag:yaml.org,2002:str", text.rstrip("\n") + "\n", style=">")
    return dumper.represent_scalar("tag:yaml.org,2002:str", text)


def _inline(dumper: yaml.SafeDumper, data: Inline) -> yaml.MappingNode:
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=True)


def _inline_list(dumper: yaml.SafeDumper, data: InlineList) -> yaml.SequenceNode:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True)


_Dumper.add_representer(str, _text)
_Dumper.add_representer(Inline, _inline)
_Dumper.add_representer(InlineList, _inline_list)


def literal(text: str) -> str:
    """A text shown as written: advisor reads `{server}` in a resolution's texts as a fact's
    value, so an article's own braces (code, GUIDs) are doubled."""
    return text.replace("{", "{{").replace("}", "}}")


def dump(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, width=WIDTH, sort_keys=False, allow_unicode=True)


def document(header: list[str], data: Any, body: str | None = None) -> str:
    """The file: comment lines, the mark of what was written, and the YAML."""
    text = "".join(f"# {line}\n" if line else "#\n" for line in header)
    text += body if body is not None else dump(data)
    return mark(text)


def mark(text: str) -> str:
    """The text with a mark of its own hash after its leading comment lines."""
    lines = text.splitlines(keepends=True)
    at = next((n for n, line in enumerate(lines) if not line.startswith("#")), len(lines))
    lines.insert(at, f"# advisor-import: sha256={_hash(text)}\n")
    return "".join(lines)


def untouched(path: Path) -> bool | None:
    """Whether a file is still as the importer wrote it: True, False when edited since, None
    when the importer did not write it (it has no mark)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    found = _MARK.search(text)
    if found is None:
        return None
    return found.group("hash") == _hash(text[: found.start()] + text[found.end() :])


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
