"""A pytest plugin: every `*.chat` file under a `transcripts` folder is one test.

Registered through the `pytest11` entry point, so it is loaded in every pytest run of an
environment that has advisor installed: it collects nothing until a project asks for it
(`advisor_transcripts = true` in its pytest configuration, or `--advisor-transcripts`), and
imports advisor's engine only when a transcript runs. Each item replays its transcript
against a fresh session of the bundled knowledge base (or of `--advisor-rules DIR`) and
fails with the same `file:line` report and diff as `advisor replay`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from advisor.dialog.knowledgebase import KnowledgeBase

_KEY: pytest.StashKey[KnowledgeBase] = pytest.StashKey()
_SUFFIX = ".chat"  # advisor.transcripts.format.SUFFIX, without importing advisor here


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "advisor_transcripts",
        type="bool",
        default=False,
        help="collect every *.chat under a transcripts folder as an advisor transcript test",
    )
    parser.addoption(
        "--advisor-transcripts",
        action="store_true",
        default=False,
        help="collect advisor transcripts (*.chat under a transcripts folder) as tests",
    )
    parser.addoption(
        "--advisor-rules",
        metavar="DIR",
        default=None,
        help="replay transcripts against this knowledge base (default: bundled)",
    )


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.File | None:
    if file_path.suffix != _SUFFIX or "transcripts" not in file_path.parent.parts:
        return None
    config = parent.config
    if not (config.getini("advisor_transcripts") or config.getoption("advisor_transcripts")):
        return None
    return TranscriptFile.from_parent(parent, path=file_path)


class TranscriptFailure(Exception):
    pass


class TranscriptFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        yield TranscriptItem.from_parent(self, name=self.path.name)


class TranscriptItem(pytest.Item):
    def runtest(self) -> None:
        from advisor.dialog.knowledgebase import load
        from advisor.transcripts.format import parse_file
        from advisor.transcripts.replay import LocalConversation, replay

        config = self.config
        if _KEY not in config.stash:
            config.stash[_KEY] = load(config.getoption("advisor_rules"))
        result = replay(parse_file(self.path), LocalConversation(config.stash[_KEY]))
        if not result.ok:
            raise TranscriptFailure(result.report())

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        from advisor.transcripts.format import TranscriptError

        if isinstance(excinfo.value, TranscriptFailure | TranscriptError):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"transcript {self.path.name}"
