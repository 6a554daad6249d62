"""The examples in the README and the docstrings are run, so they stay true."""

from __future__ import annotations

import doctest
import shlex
import shutil
from pathlib import Path

import docs_shell
import pytest
from servers import Server, _env
from test_cli import advisor_command

import advisor
from advisor.dialog.reply import MESSAGE_TYPES

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


def shell_blocks() -> list[docs_shell.Block]:
    return [b for b in docs_shell.blocks(README.read_text()) if b.is_shell]


def test_every_readme_shell_example_is_run_or_says_why_not() -> None:
    run = [b for b in shell_blocks() if b.info == "console"]
    kept = [b for b in shell_blocks() if b.info != "console"]
    assert [b.line for b in kept if not b.reason] == [], "a shell example neither run nor excused"
    assert [b.line for b in run if b.reason] == [], "a `console` block is run: it needs no excuse"
    # The conversation, the API, the hand-off, the report and the exploration are run; the
    # install, the servers, the import of the archive and the transcript commands are not.
    assert (len(run), len(kept)) == (5, 5), [(b.line, b.info, b.reason) for b in shell_blocks()]
    assert sum(len(docs_shell.examples(b)) for b in run) == 9


@pytest.mark.slow
def test_readme_shell_examples_print_what_they_show(tmp_path: Path) -> None:
    """In a folder as after the install (`.venv/bin/advisor` is the advisor under test),
    with `advisor serve` answering at the address the examples use."""
    found = [e for b in shell_blocks() if b.info == "console" for e in docs_shell.examples(b)]
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    script = bin_dir / "advisor"
    script.write_text(f'#!/bin/sh\nexec {shlex.join(advisor_command())} "$@"\n')
    script.chmod(0o755)
    # In the same folder: the report example reads the conversations the API examples make.
    server = Server([], tmp_path)
    try:
        problems = docs_shell.run(found, tmp_path, _env(), {"http://127.0.0.1:8000": server.url})
    finally:
        server.stop()
    assert not problems, "\n\n".join(problems)
    assert (tmp_path / "report.html").read_text().startswith("<!DOCTYPE html>")


def test_the_shell_checker_runs_commands_in_one_shell_and_finds_differences(
    tmp_path: Path,
) -> None:
    text = """<!-- not tested: it would -->
```sh
$ make install
```

```console
$ X=1; printf 'a\\nb'
a
b
$ echo $X \\
    two
1 two
$ echo "id 4PnEy5 at 15:40"; seq 3; echo end
id ... at ...
...
end
$ echo wrong
right
```
"""
    skipped, block = docs_shell.blocks(text)
    assert skipped.reason == "it would" and skipped.is_shell
    assert block.reason is None
    found = docs_shell.examples(block)
    assert [e.line for e in found] == [7, 10, 13, 17]
    assert found[1].command == "echo $X \\\n    two"
    assert docs_shell.run(found, tmp_path, {"PATH": "/usr/bin:/bin"}, {"wrong": "right"}) == []
    [problem] = docs_shell.run(found, tmp_path, {"PATH": "/usr/bin:/bin"}, {})
    assert problem == "line 17: $ echo wrong\n--- expected\nright\n--- got\nwrong"
    assert not docs_shell.matches(["a", "..."], ["b"])
    assert not docs_shell.matches(["a...c"], ["abd"])
    assert docs_shell.matches(["  ...", "c"], ["a", "b", "c"])


def test_readme_lists_every_message_type() -> None:
    section = README.read_text().split("Message types:", 1)[1].split("\n\n", 1)[0]
    assert [t for t in MESSAGE_TYPES if f"`{t}`" not in section] == []


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
