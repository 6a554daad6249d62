"""Shell examples of a Markdown file, run as cram and scrut run them.

A fenced block marked `console` is run: each line that starts with `$ ` is a command (a
line ending with a backslash continues on the next), and the lines up to the next command
are its output. A line `...` stands for any number of lines, and `...` within a line for
any text, so ids, times and long texts need not be spelled out. All the commands of a file
run in one shell, in order, as a reader types them into one terminal: a variable set in one
block is there in the next.

Every other shell block (`sh`, `bash`, `shell`, or any block with `$ ` commands) says why
it is not run, on the line before it: `<!-- not tested: it installs the package -->`.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

SHELLS = frozenset({"console", "sh", "bash", "shell"})
_FENCE = re.compile(r"^```([\w-]*)[^\n]*\n(.*?)^```$", re.DOTALL | re.MULTILINE)
_NOT_TESTED = re.compile(r"<!--\s*not tested:\s*(.*?)\s*-->\s*\Z", re.DOTALL)
_MARK = "@@ docs-shell @@"


@dataclass(frozen=True)
class Block:
    line: int  # of the opening fence
    info: str
    body: str
    reason: str | None  # why it is not run, from the comment before it

    @property
    def is_shell(self) -> bool:
        return self.info in SHELLS or any(ln.startswith("$ ") for ln in self.body.splitlines())


@dataclass(frozen=True)
class Example:
    line: int  # of the command
    command: str
    expected: tuple[str, ...]


def blocks(text: str) -> list[Block]:
    """The fenced blocks of a Markdown text, each with the reason it is not run, if given."""
    found = []
    for match in _FENCE.finditer(text):
        before = text[: match.start()].rstrip("\n")
        comment = _NOT_TESTED.search(before.rsplit("\n", 1)[-1])
        line = text.count("\n", 0, match.start()) + 1
        found.append(Block(line, match[1], match[2], comment[1] if comment else None))
    return found


def examples(block: Block) -> list[Example]:
    """The commands of a `console` block, each with the output it shows."""
    found: list[Example] = []
    lines = block.body.rstrip("\n").split("\n")
    n = 0
    while n < len(lines):
        if not lines[n].startswith("$ "):
            raise ValueError(f"line {block.line + 1 + n}: output before any command")
        start, command = n, [lines[n][2:]]
        while command[-1].endswith("\\") and n + 1 < len(lines):
            n += 1
            command.append(lines[n])
        n += 1
        output = []
        while n < len(lines) and not lines[n].startswith("$ "):
            output.append(lines[n])
            n += 1
        found.append(Example(block.line + 1 + start, "\n".join(command), tuple(output)))
    return found


def matches(expected: tuple[str, ...] | list[str], actual: list[str]) -> bool:
    """Lines match exactly (trailing spaces aside), with the two wildcards above."""
    if not expected:
        return not actual
    head, rest = expected[0], expected[1:]
    if head.strip() == "...":
        return any(matches(rest, actual[i:]) for i in range(len(actual) + 1))
    if not actual:
        return False
    pattern = ".*".join(re.escape(piece) for piece in head.rstrip().split("..."))
    return re.fullmatch(pattern, actual[0].rstrip(), re.DOTALL) is not None and matches(
        rest, actual[1:]
    )


def run(
    found: list[Example], cwd: Path, env: Mapping[str, str], replace: Mapping[str, str]
) -> list[str]:
    """Run the examples in one bash, in order; what differs, as `line: ...` reports.

    `replace` changes the commands only (the address of a server started for them)."""
    script = ["exec 2>&1"]
    for example in found:
        command = example.command
        for old, new in replace.items():
            command = command.replace(old, new)
        # The mark starts a line of its own, also after output with no final newline.
        script += [f"printf '\\n{_MARK}\\n'", command]
    done = subprocess.run(
        ["bash", "-c", "\n".join(script)],
        cwd=cwd,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    outputs = done.stdout.split(f"\n{_MARK}\n")[1:]
    if len(outputs) != len(found):
        return [f"the shell stopped after {len(outputs)} of {len(found)} commands:\n{done.stdout}"]
    problems = []
    for example, output in zip(found, outputs, strict=True):
        actual = output.rstrip("\n").split("\n") if output.strip("\n") else []
        expected = list(example.expected)
        while expected and not expected[-1].strip():
            expected.pop()
        if not matches(expected, actual):
            problems.append(
                f"line {example.line}: $ {example.command}\n--- expected\n"
                + "\n".join(expected)
                + "\n--- got\n"
                + "\n".join(actual)
            )
    return problems
