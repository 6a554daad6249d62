"""The whole archive slice, when it is here (../shared/kbarchive): every article imports to
YAML that parses or is skipped with a reason, nothing escapes, and the result loads as a
knowledge base. The figures are printed (`pytest -s`)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import yaml

from advisor.importing.run import run
from advisor.knowledge.loader import load_knowledge

ROOT = Path(__file__).resolve().parent.parent
ARCHIVE = ROOT.parent / "shared" / "kbarchive" / "kb"

pytestmark = pytest.mark.skipif(not ARCHIVE.is_dir(), reason=f"no archive at {ARCHIVE}")


def test_every_article_imports_or_is_skipped_with_a_reason(tmp_path: Path) -> None:
    into = tmp_path / "kb"
    errors = io.StringIO()
    report = run([ARCHIVE], into, errors=errors)
    print("\n" + "\n".join(report.lines(into)))
    assert report.failed == [], errors.getvalue()
    assert report.found == len(list(ARCHIVE.glob("*/*/README.md")))
    assert report.imported + sum(report.skipped.values()) == report.found
    assert report.written == report.imported
    files = sorted(into.glob("Q*.yaml"))
    assert len(files) == report.imported
    steps = 0
    for path in files:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        assert data["article"]["id"] == path.stem
        assert data["errors"] and data["resolution"]["steps"], path
        steps += len(data["resolution"]["steps"])
    print(f"{len(files)} files parse; {steps} top-level steps")
    # Most articles quote no message (they are about other things than errors); of those
    # that do, nearly all have something to do.
    assert report.imported > 4000
    assert report.messages > 1.3 * report.imported
    assert report.numbers > 300
    assert sum(report.todos.values()) < report.imported / 5


def test_the_imported_archive_loads(tmp_path: Path) -> None:
    into = tmp_path / "kb"
    part = sorted(ARCHIVE.iterdir())[:40]  # a few thousand articles: enough to share errors
    report = run(part, into, errors=io.StringIO())
    knowledge = load_knowledge(into, use_cache=False)
    assert len(knowledge.articles) == report.imported
    assert set(knowledge.facts["product"].values or {}) >= {"other"}
