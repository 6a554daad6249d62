"""Read one YAML rule file into plain data, remembering the line of every value.

PyYAML's node tree carries line numbers that its constructed objects lose, so the file is
composed (parsed to nodes) and converted here. Every scalar stays a string: YAML 1.1 would
turn `0x800CCC0F` into a number and `yes` into True, which is never what an author of a
knowledge base means. The schema converts the few real numbers itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from advisor.errors import KnowledgeBaseError, Problem

Key = str | int
Path_ = tuple[Key, ...]

_NULLS = {"", "~", "null", "Null", "NULL"}


@dataclass(frozen=True)
class RuleFile:
    """The data of one file and the line where each value (by its path) starts."""

    name: str
    data: Any
    lines: dict[Path_, int]

    def line_of(self, path: Path_) -> int | None:
        """The line of the value at `path`, or of its nearest parent that has one."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(tuple(path[:end]))
            if line is not None:
                return line
        return None

    def problem(self, path: Path_, message: str) -> Problem:
        return Problem(self.name, self.line_of(path), message)


def read(path: Path, name: str | None = None) -> RuleFile:
    """Parse `path`; raise KnowledgeBaseError with file and line when it is not valid YAML."""
    shown = name or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise KnowledgeBaseError([Problem(shown, None, f"cannot be read: {exc}")]) from exc
    return parse(text, shown)


def parse(text: str, name: str) -> RuleFile:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        what = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        raise KnowledgeBaseError([Problem(name, line, f"not valid YAML: {what}")]) from exc
    except yaml.YAMLError as exc:
        raise KnowledgeBaseError([Problem(name, None, f"not valid YAML: {exc}")]) from exc
    lines: dict[Path_, int] = {}
    problems: list[Problem] = []
    data = _convert(node, (), lines, problems, name) if node is not None else None
    if problems:
        raise KnowledgeBaseError(problems)
    return RuleFile(name, data, lines)


def _convert(
    node: yaml.Node, path: Path_, lines: dict[Path_, int], problems: list[Problem], name: str
) -> Any:
    # A mapping value is placed at its key's line (set by the caller), where an author looks.
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                problems.append(Problem(name, key_node.start_mark.line + 1, "a key must be text"))
                continue
            key = str(key_node.value)
            if key in result:
                problems.append(
                    Problem(name, key_node.start_mark.line + 1, f"duplicate key {key!r}")
                )
                continue
            lines[(*path, key)] = key_node.start_mark.line + 1
            result[key] = _convert(value_node, (*path, key), lines, problems, name)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _convert(item, (*path, index), lines, problems, name)
            for index, item in enumerate(node.value)
        ]
    assert isinstance(node, yaml.ScalarNode)
    value = str(node.value)
    if node.style is None and value in _NULLS:  # plain, not quoted
        return None
    return value
