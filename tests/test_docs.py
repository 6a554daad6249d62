"""The examples in the README and the docstrings are run, so they stay true."""

from __future__ import annotations

import doctest
import fnmatch
import re
import shutil
from pathlib import Path

import pytest
from conftest import fenced
from test_cli import chat

import advisor

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def test_readme_python_examples() -> None:
    result = doctest.testfile(str(README), module_relative=False, optionflags=FLAGS)
    assert result.attempted > 10
    assert result.failed == 0


def test_package_docstring_examples() -> None:
    result = doctest.testmod(advisor, optionflags=FLAGS)
    assert result.attempted > 0 and result.failed == 0


def block_after(marker: str) -> list[str]:
    text = README.read_text()
    start = text.index(marker)
    body = text[start:].split("```", 2)[1]
    return body.split("\n")[1:-1]


def matches(expected: list[str], actual: list[str]) -> bool:
    """Lines match exactly; a line `...` stands for any lines, a trailing `...` for any end."""
    if not expected:
        return not actual
    head, rest = expected[0], expected[1:]
    if head.strip() == "...":
        return any(matches(rest, actual[i:]) for i in range(len(actual) + 1))
    if not actual:
        return False
    pattern = head[:-3] + "*" if head.endswith("...") else head
    ok = fnmatch.fnmatchcase(actual[0], pattern) if head.endswith("...") else actual[0] == head
    return ok and matches(rest, actual[1:])


@pytest.mark.slow
def test_readme_conversation_is_what_advisor_prints(tmp_path: Path) -> None:
    lines = block_after("## A conversation")
    command = lines[0]
    assert command.startswith("$ printf '")
    answers = re.search(r"printf '(.*)'", command).group(1).encode().decode("unicode_escape")
    out = chat(answers, cwd=tmp_path).stdout.rstrip("\n").split("\n")
    assert matches(lines[1:], out), "\n".join(out)


def test_readme_error_example_is_real(tmp_path: Path) -> None:
    [line] = [ln for ln in README.read_text().splitlines() if ln.startswith("rules/Q194068.yaml:")]
    where, message = line.split(": ", 1)
    number = int(where.split(":")[1])
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    path = rules / "Q194068.yaml"
    text = path.read_text().splitlines()
    text[number - 1] = text[number - 1].replace("win98,", "win99,", 1)
    path.write_text("\n".join(text) + "\n")
    with pytest.raises(advisor.KnowledgeBaseError) as info:
        advisor.load(rules)
    assert [(p.line, p.message) for p in info.value.problems] == [(number, message)]


def test_readme_transcript_example_replays(tmp_path: Path) -> None:
    from advisor.transcripts.format import parse
    from advisor.transcripts.replay import LocalConversation, replay

    example = "\n".join(block_after("## Transcripts")) + "\n"
    result = replay(parse(example, "README.md"), LocalConversation(advisor.load()))
    assert result.ok, result.report()
    assert any(e.negated for t in parse(example, "README.md").turns for e in t.expect)


@pytest.mark.slow
def test_readme_exploration_figures_hold(capsys: pytest.CaptureFixture[str]) -> None:
    from advisor import cli

    [shown] = [b for b in fenced(README) if b.startswith("$ advisor check --explore")]
    assert cli.main(["check", "--explore"]) == 0
    assert shown == "$ advisor check --explore\n" + capsys.readouterr().out
