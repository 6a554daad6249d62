"""Where the checked knowledge base is cached: the user's cache folder or ADVISOR_CACHE_DIR,
never the rules folder (for an installed advisor, inside site-packages)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import advisor
from advisor.knowledge import cache, loader
from advisor.knowledge.loader import bundled_rules
from benchmarks import synthetic


def files_under(folder: Path) -> dict[Path, int]:
    return {p: p.stat().st_mtime_ns for p in folder.rglob("*")}


def pickles(root: Path) -> list[Path]:
    return sorted(root.rglob("knowledge-*.pickle"))


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    folder = tmp_path / "site-packages" / "advisor" / "rules"
    shutil.copytree(bundled_rules(), folder, ignore=shutil.ignore_patterns(".*"))
    return folder


def test_loading_writes_nothing_under_the_rules_folder(
    rules: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(cache.OVERRIDE, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))  # platformdirs' on Linux
    before = files_under(rules)
    advisor.load(rules)
    advisor.load(rules)
    assert files_under(rules) == before
    (stored,) = pickles(tmp_path / "xdg" / "advisor")
    assert stored.parent == cache.folder(rules)


def test_the_cache_goes_where_the_override_says_and_is_read_from_there(
    rules: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(cache.OVERRIDE, str(tmp_path / "mine"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    first = loader.load_knowledge(rules)
    (stored,) = pickles(tmp_path / "mine")
    assert stored.parent == cache.folder(rules)
    assert not (tmp_path / "xdg").exists()

    def unread(paths: object) -> None:
        raise AssertionError("the rule files were read again")

    monkeypatch.setattr(loader, "_load", unread)
    assert loader.load_knowledge(rules) == first


def test_two_folders_of_rules_keep_caches_of_their_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(cache.OVERRIDE, str(tmp_path / "cache"))
    # The same file names, sizes and times in both: only the folder tells them apart.
    one = synthetic.write(10, tmp_path / "one")
    two = tmp_path / "two"
    shutil.copytree(one, two)
    article = next(two.glob("0x*-3.yaml"))
    article.write_text(article.read_text().replace("Cause", "Kause"))
    shutil.copystat(next(one.glob(article.name)), article)
    first, second = loader.load_knowledge(one), loader.load_knowledge(two)
    assert first != second
    assert loader.load_knowledge(one) == first
    assert loader.load_knowledge(two) == second
    assert cache.folder(one) != cache.folder(two)
    assert len(pickles(tmp_path / "cache")) == 2


def test_the_cache_of_a_folder_that_is_gone_is_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(cache.OVERRIDE, str(tmp_path / "cache"))
    gone = synthetic.write(10, tmp_path / "gone")
    loader.load_knowledge(gone)
    unrelated = tmp_path / "cache" / "not-advisor's"
    unrelated.mkdir()
    shutil.rmtree(gone)
    kept = synthetic.write(10, tmp_path / "kept")
    loader.load_knowledge(kept)
    assert pickles(tmp_path / "cache") == pickles(cache.folder(kept))
    assert unrelated.is_dir()  # only what advisor wrote is removed
