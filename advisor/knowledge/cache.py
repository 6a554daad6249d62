"""A checked knowledge base kept on disk, so that a large one starts fast.

The cache is in the user's cache folder (`platformdirs.user_cache_dir("advisor")`, e.g.
`~/.cache/advisor/` on Linux), or in the folder `ADVISOR_CACHE_DIR` names; never beside the
rule files, which for an installed advisor are inside site-packages (and would outlive `pip
uninstall` there). Each folder of rules has a subfolder of its own, so two knowledge bases
never take each other's, and a subfolder whose rules folder is gone is removed when another
is written (tests and benchmarks make many short-lived ones).

A cached file's name is a fingerprint of advisor's version and of every rule file's name,
size and modification time, so editing, adding or removing a file makes the next load read
and check the files again. A cached file is a pickle, which runs what it reads: the user's
cache folder is writable by that user only, and `ADVISOR_CACHE_DIR` must be alike.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import shutil
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import platformdirs

from advisor.knowledge.model import Knowledge
from advisor.version import __version__

OVERRIDE = "ADVISOR_CACHE_DIR"
# In each subfolder: the rules folder it is the cache of, to know when it can go.
SOURCE = "rules-folder"


def cached(paths: Sequence[Path], load: Callable[[], Knowledge]) -> Knowledge:
    """The knowledge of `paths` from the cache when it is there and fresh, else `load()`d
    and stored for next time."""
    digest = hashlib.sha256(f"{__version__} {sys.version_info[:2]}".encode())
    for path in paths:
        stat = path.stat()
        digest.update(f"\0{path.name}\0{stat.st_size}\0{stat.st_mtime_ns}".encode())
    name = f"knowledge-{digest.hexdigest()[:32]}.pickle"
    rules = paths[0].parent.resolve()
    where = folder(rules)
    with contextlib.suppress(OSError, pickle.PickleError, EOFError, AttributeError):
        with (where / name).open("rb") as stream:
            knowledge = pickle.load(stream)
        if isinstance(knowledge, Knowledge):
            return knowledge
    knowledge = load()
    with contextlib.suppress(OSError):  # a cache that cannot be written only costs time
        _store(where, rules, name, knowledge)
        _forget_gone(where.parent)
    return knowledge


def folder(rules: Path) -> Path:
    """Where the knowledge of the rule files in `rules` is cached."""
    root = os.environ.get(OVERRIDE) or platformdirs.user_cache_dir("advisor")
    return Path(root) / hashlib.sha256(str(rules.resolve()).encode()).hexdigest()[:16]


def _store(where: Path, rules: Path, name: str, knowledge: Knowledge) -> None:
    where.mkdir(parents=True, exist_ok=True)
    (where / SOURCE).write_text(str(rules), encoding="utf-8")
    with tempfile.NamedTemporaryFile(dir=where, delete=False, suffix=".tmp") as stream:
        pickle.dump(knowledge, stream, protocol=pickle.HIGHEST_PROTOCOL)
    Path(stream.name).replace(where / name)  # readers never see half a file
    for old in where.glob("knowledge-*.pickle"):
        if old.name != name:
            with contextlib.suppress(OSError):
                old.unlink()


def _forget_gone(root: Path) -> None:
    for sub in root.iterdir():
        with contextlib.suppress(OSError):
            if not Path((sub / SOURCE).read_text(encoding="utf-8")).is_dir():
                shutil.rmtree(sub)
