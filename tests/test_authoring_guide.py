"""docs/authoring.md is run as written: its article, its transcripts, its commands."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import fenced

from advisor import cli

GUIDE = Path(__file__).resolve().parent.parent / "docs" / "authoring.md"


def blocks(info: str) -> list[str]:
    return fenced(GUIDE, info)


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    [article] = [b for b in blocks("yaml") if "DEMO-MAILBOX-FULL" in b]
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "mailbox-full.yaml").write_text(article)
    transcripts = tmp_path / "transcripts"
    transcripts.mkdir()
    urgent, dont_know, unknown = [b for b in blocks("") if b.startswith("# title:")]
    (transcripts / "urgent.chat").write_text(urgent)
    (transcripts / "dont-know.chat").write_text(dont_know)
    (transcripts / "unknown.chat").write_text(unknown)
    # The second transcript the guide asks the reader to write.
    (transcripts / "can-wait.chat").write_text(
        urgent.replace("urgent", "not urgent").replace("> yes", "> no")
    )
    return tmp_path


def test_the_example_article_is_clean(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["check", str(demo / "rules")]) == 0
    assert cli.main(["check", "--explore", str(demo / "rules")]) == 0
    out = capsys.readouterr().out
    [shown] = [b for b in blocks("") if b.startswith("Explored ")]
    assert shown in out


def test_the_transcripts_fill_in_replay_and_cover_everything(
    demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules, transcripts = str(demo / "rules"), str(demo / "transcripts")
    assert cli.main(["replay", "--rules", rules, transcripts]) == 1  # nothing expected yet
    assert cli.main(["replay", "--rules", rules, "--update", transcripts]) == 0
    urgent = (demo / "transcripts" / "urgent.chat").read_text()
    assert "? Is the message urgent?" in urgent
    assert "Note: If it cannot wait, call the recipient" in urgent
    assert cli.main(["replay", "--rules", rules, transcripts]) == 0
    capsys.readouterr()
    assert cli.main(["replay", "--rules", rules, "--coverage", transcripts]) == 0
    assert "(100%)" in capsys.readouterr().out
