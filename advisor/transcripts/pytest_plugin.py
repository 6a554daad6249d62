"""A pytest plugin: every `*.chat` file under a `transcripts` folder is one test.

Registered through the `pytest11` entry point, so installing advisor is enough. Each item
replays its transcript against a fresh session of the bundled knowledge base (or of
`--advisor-rules DIR`) and fails with the same `file:line` report and diff as
`advisor replay`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from advisor.dialog.knowledgebase import KnowledgeBase, load
from advisor.transcripts.format import SUFFIX, TranscriptError, parse_file
from advisor.transcripts.replay import LocalConversation, Result, replay

_KEY = pytest.StashKey[KnowledgeBase]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--advisor-rules",
        metavar="DIR",
        default=None,
        help="replay transcripts against this knowledge base (default: bundled)",
    )


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.File | None:
    if file_path.suffix == f".{SUFFIX}" and "transcripts" in file_path.parent.parts:
        return TranscriptFile.from_parent(parent, path=file_path)
    return None


class TranscriptFailure(Exception):
    def __init__(self, result: Result) -> None:
        super().__init__(result.report())


class TranscriptFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        yield TranscriptItem.from_parent(self, name=self.path.name)


class TranscriptItem(pytest.Item):
    def runtest(self) -> None:
        config = self.config
        if _KEY not in config.stash:
            config.stash[_KEY] = load(config.getoption("advisor_rules"))
        result = replay(parse_file(self.path), LocalConversation(config.stash[_KEY]))
        if not result.ok:
            raise TranscriptFailure(result)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, TranscriptFailure | TranscriptError):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"transcript {self.path.name}"
