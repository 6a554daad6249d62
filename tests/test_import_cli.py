"""`advisor import`: the summary, the progress bar, one failing article, re-importing over
an author's edits, the shared file of a new knowledge base, and the guide's example."""

from __future__ import annotations

import io
import os
import re
import shlex
import shutil
from pathlib import Path

import pytest
import yaml
from conftest import fenced

from advisor import cli
from advisor.importing import convert as convert_module
from advisor.importing import run as run_module
from advisor.importing.run import run
from advisor.knowledge.loader import load_knowledge

TESTS = Path(__file__).resolve().parent
DATA = TESTS / "data" / "kb"
SEED = DATA / "seed" / "Q194068.txt"
GUIDE = TESTS.parent / "docs" / "authoring.md"


def test_import_prints_a_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    into = tmp_path / "kb"
    assert cli.main(["import", str(DATA), "--into", str(into)]) == 0
    captured = capsys.readouterr()
    out = captured.out
    assert "Imported 3 of 5 articles into" in out
    assert "(3 written, 0 unchanged, 0 kept because edited)" in out
    assert re.search(
        r"Skipped 2:\n +1  no error message quoted in SYMPTOMS or named in the title\n +1  no resolution",
        out,
    )
    assert "Errors: 7 messages, 2 with an error number;" in out
    assert (
        "Todos: 1; the 10 most common:\n       1  If you are running Windows NT 4.0 Service Pack 2"
        in out
    )
    assert captured.err == ""  # no progress bar where stderr is not a terminal
    assert sorted(p.name for p in into.iterdir()) == [
        "Q194068.yaml",
        "Q900001.yaml",
        "Q900004.yaml",
        "archive.yaml",
    ]
    knowledge = load_knowledge(into, use_cache=False)
    assert set(knowledge.articles) == {"Q194068", "Q900001", "Q900004"}


def test_a_second_import_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["import", str(DATA), "--into", str(tmp_path), "--quiet"]) == 0
    before = {p.name: p.read_text() for p in tmp_path.iterdir()}
    capsys.readouterr()
    assert cli.main(["import", str(DATA), "--into", str(tmp_path), "--quiet"]) == 0
    assert "(0 written, 3 unchanged, 0 kept because edited)" in capsys.readouterr().out
    assert {p.name: p.read_text() for p in tmp_path.iterdir()} == before


def test_the_progress_bar(tmp_path: Path) -> None:
    errors = io.StringIO()
    run([DATA], tmp_path, progress=True, errors=errors)
    assert "0/5 [" in errors.getvalue() and " articles/s" in errors.getvalue()
    quiet = io.StringIO()
    run([DATA], tmp_path, progress=False, errors=quiet)
    assert quiet.getvalue() == ""


def test_one_failing_article_is_reported_and_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = convert_module.convert

    def fails_on_one(source: convert_module.Source, conditions: object) -> object:
        if source.id == "Q900001":
            raise RuntimeError("a bug in the importer")
        return real(source, conditions)  # type: ignore[arg-type]

    monkeypatch.setattr(run_module, "convert", fails_on_one)
    errors = io.StringIO()
    report = run([DATA], tmp_path, errors=errors)
    assert [(p.name, m) for p, m in report.failed] == [
        ("README.md", "RuntimeError: a bug in the importer")
    ]
    assert "Q900001/README.md: RuntimeError: a bug in the importer" in errors.getvalue()
    assert report.imported == 2
    assert "Failed 1" in "\n".join(report.lines(tmp_path))


def test_unreadable_and_broken_files_are_skipped(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "binary.txt").write_bytes(b"\xff\xfe\x00garbage\x00")
    (folder / "empty.md").write_text("")
    broken = SEED.read_text().split("RESOLUTION")[0]  # cut off in the middle
    (folder / "cut.txt").write_text(broken)
    report = run([folder], tmp_path / "kb", errors=io.StringIO())
    assert report.failed == []
    assert report.skipped == {"not an article": 2, "no resolution or workaround steps": 1}


def test_reimport_keeps_an_edited_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    into = tmp_path / "kb"
    articles = tmp_path / "articles"
    shutil.copytree(DATA / "900", articles)
    cli.main(["import", str(articles), "--into", str(into), "--quiet"])
    edited = into / "Q900001.yaml"
    edited.write_text(
        edited.read_text().replace(
            "todo: If you are", "when: {windows: winnt}\n          # todo: If you are"
        )
    )
    # The articles change (a new edition of the archive): both files would be rewritten.
    for qid in ("Q900001", "Q900004"):
        path = articles / qid / "README.md"
        path.write_text(path.read_text().replace("Last Modified: ", "Last Modified: 1"))
    capsys.readouterr()
    assert cli.main(["import", str(articles), "--into", str(into), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "(1 written, 0 unchanged, 1 kept because edited)" in out
    assert f"Kept because edited (the new import is beside each, as .new):\n  {edited}.new" in out
    assert "# todo: If you are" in edited.read_text()  # the author's edit is still there
    assert "todo: If you are" in (into / "Q900001.yaml.new").read_text()
    assert "last modified 101-MAR-2002" in (into / "Q900004.yaml").read_text()


def test_reimport_keeps_choices_an_author_added(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    into = tmp_path / "kb"
    cli.main(["import", str(DATA / "900" / "Q900004"), "--into", str(into), "--quiet"])
    archive = into / "archive.yaml"
    choices = yaml.safe_load(archive.read_text())["facts"]["product"]["question"]["choices"]
    assert [c["id"] for c in choices] == ["example-mail-client", "other"]
    # An untouched archive.yaml gets the new articles' choices, and keeps the old ones.
    cli.main(["import", str(DATA / "900" / "Q900001"), "--into", str(into), "--quiet"])
    choices = yaml.safe_load(archive.read_text())["facts"]["product"]["question"]["choices"]
    assert [c["id"] for c in choices] == [
        "example-mail-client",
        "internet-explorer",
        "outlook-express",
        "other",
    ]
    # An author adds a product: the file is theirs now.
    text = archive.read_text().replace(
        "        - id: other\n          label: Another program",
        "        - id: thunderbird\n          label: Mozilla Thunderbird\n"
        "        - id: other\n          label: Another program",
    )
    archive.write_text(text)
    capsys.readouterr()
    cli.main(["import", str(DATA / "seed"), "--into", str(into), "--quiet"])
    assert archive.read_text() == text
    merged = yaml.safe_load((into / "archive.yaml.new").read_text())
    ids = [c["id"] for c in merged["facts"]["product"]["question"]["choices"]]
    assert "thunderbird" in ids and "the-microsoft-network" in ids and ids[-1] == "other"
    assert "archive.yaml was edited" in capsys.readouterr().out


def test_import_into_a_knowledge_base_of_ones_own(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(TESTS.parent / "rules", rules)
    assert cli.main(["import", str(SEED), "--into", str(rules), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert not (rules / "archive.yaml").exists()  # it has facts of its own
    new = rules / "Q194068.yaml.new"  # the hand-written file stays as it is
    assert new.exists() and "Kept because edited" in out
    # It does not ask for the product, version or system: `distinguish` leaves them out.
    assert "`distinguish` leaves out product, version:" in out
    assert "distinguish" not in new.read_text()
    steps = new.read_text()
    # Its own facts read the conditions: its `windows` and `network_adapter`.
    assert "when: {network_adapter: 'no'}" in steps
    assert re.search(r"when: \{windows: \[win98, .*unknown\]\}", steps)


def test_a_missing_path_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["import", str(tmp_path / "nothing"), "--into", str(tmp_path / "kb")]) == 2
    assert "no such file or folder" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert cli.main(["import", str(tmp_path / "empty"), "--into", str(tmp_path / "kb")]) == 2


def guide_section() -> str:
    text = GUIDE.read_text()
    start = text.index("## Start from an existing article")
    end = text.find("\n## ", start + 1)
    return text[start : end if end > 0 else len(text)]


def test_the_guide_section_runs_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    section = guide_section()
    [commands] = [b for b in fenced(GUIDE, "sh") if b in section]
    archive = tmp_path / "kbarchive" / "kb" / "194" / "Q194068"
    archive.mkdir(parents=True)
    shutil.copy(SEED, archive / "README.md")
    monkeypatch.chdir(tmp_path)
    # What `advisor chat --record` would write: the person's side of a conversation.
    (tmp_path / "transcripts").mkdir()
    (tmp_path / "transcripts" / "msn-no-card.chat").write_text(
        "# title: MSN mail, no network card\n# tags: Q194068\n\n"
        "> Error Number: 0x800CCC0F\n\n> Windows 98\n\n> no\n"
    )
    ran = []
    for line in commands.splitlines():
        words = shlex.split(line.split("#")[0])
        if not words or words[1] in ("chat",):  # a conversation needs a person
            continue
        assert words[0] == "advisor"
        status = cli.main(words[1:])
        ran.append((words[1], status))
    assert ran[0] == ("import", 0)
    assert ran[1][0] == "check" and ran[1][1] in (0, 1)  # warnings are not errors
    assert ran[2:] == [("replay", 0), ("replay", 1)]  # filled in; coverage shows the gaps
    out = capsys.readouterr().out
    assert "Imported 1 of 1 articles" in out
    [example] = [b for b in fenced(GUIDE, "yaml") if b in section]
    imported = (tmp_path / "imported" / "Q194068.yaml").read_text()
    for line in example.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            assert line.strip() in imported, line
    assert os.path.exists(tmp_path / "imported" / "archive.yaml")
    transcript = (tmp_path / "transcripts" / "msn-no-card.chat").read_text()
    assert "3. On the Configuration tab, click TCP/IP, and then click Properties." in transcript
