"""A checked knowledge base kept on disk, so that a large one starts fast.

The cache sits beside the rule files (in `.advisor-cache/`), or in the user's cache folder
when that is not writable. Its name is a fingerprint of advisor's version and of every rule
file's name, size and modification time, so editing, adding or removing a file makes the
next load read and check the files again. It holds only what loading the files produced;
anyone who can write it can also write the rule files.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from advisor.knowledge.model import Knowledge
from advisor.version import __version__

FOLDER = ".advisor-cache"


def cached(paths: Sequence[Path], load: Callable[[], Knowledge]) -> Knowledge:
    """The knowledge of `paths` from the cache when it is there and fresh, else `load()`d
    and stored for next time."""
    digest = hashlib.sha256(f"{__version__} {sys.version_info[:2]}".encode())
    for path in paths:
        stat = path.stat()
        digest.update(f"\0{path.name}\0{stat.st_size}\0{stat.st_mtime_ns}".encode())
    name = f"knowledge-{digest.hexdigest()[:32]}.pickle"
    for folder in _folders(paths[0].parent):
        with contextlib.suppress(OSError, pickle.PickleError, EOFError, AttributeError):
            with (folder / name).open("rb") as stream:
                knowledge = pickle.load(stream)
            if isinstance(knowledge, Knowledge):
                return knowledge
    knowledge = load()
    for folder in _folders(paths[0].parent):
        if _store(folder, name, knowledge):
            break
    return knowledge


def _folders(rules: Path) -> list[Path]:
    home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "advisor"
    where = hashlib.sha256(str(rules.resolve()).encode()).hexdigest()[:16]
    return [rules / FOLDER, home / where]


def _store(folder: Path, name: str, knowledge: Knowledge) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, delete=False, suffix=".tmp") as stream:
            pickle.dump(knowledge, stream, protocol=pickle.HIGHEST_PROTOCOL)
        Path(stream.name).replace(folder / name)  # readers never see half a file
    except OSError:
        return False
    for old in folder.glob("knowledge-*.pickle"):
        if old.name != name:
            with contextlib.suppress(OSError):
                old.unlink()
    return True
