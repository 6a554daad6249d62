"""`advisor import PATH... --into DIR`: import every article found, report what happened.

One article that cannot be read or converted is reported with its path and skipped; the
import goes on. A file an author has edited since it was imported is not overwritten: the
new import goes beside it as `Q123456.yaml.new`.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from tqdm import tqdm

from advisor.importing import base, render
from advisor.importing.conditions import Conditions
from advisor.importing.convert import NOT_AN_ARTICLE, Imported, Skipped, convert
from advisor.importing.source import NotAnArticle, read

SUFFIXES = (".md", ".txt")  # the archive's README.md, a seed's .txt
TOP_TODOS = 10


@dataclass
class Report:
    found: int = 0
    written: int = 0  # new or updated files
    unchanged: int = 0
    kept: list[Path] = field(default_factory=list)  # edited by an author: written as .new
    skipped: Counter[str] = field(default_factory=Counter)
    failed: list[tuple[Path, str]] = field(default_factory=list)
    todos: Counter[str] = field(default_factory=Counter)
    messages: int = 0
    numbers: int = 0
    items: int = 0
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def imported(self) -> int:
        return self.written + self.unchanged + len(self.kept)

    def lines(self, into: Path) -> list[str]:
        out = [
            f"Imported {self.imported} of {self.found} articles into {into} in "
            f"{self.seconds:.1f} s ({self.written} written, {self.unchanged} unchanged, "
            f"{len(self.kept)} kept because edited)."
        ]
        skipped = sum(self.skipped.values())
        out.append(f"Skipped {skipped}" + (":" if skipped else "."))
        out += [f"  {n:6}  {reason}" for reason, n in self.skipped.most_common()]
        if self.failed:
            out.append(f"Failed {len(self.failed)} (an error in the importer; reported above):")
            out += [f"  {path}: {message}" for path, message in self.failed[:20]]
        out.append(
            f"Errors: {self.messages} messages, {self.numbers} with an error number; "
            f"{self.items} steps, notes and warnings."
        )
        todos = sum(self.todos.values())
        out.append(f"Todos: {todos}" + (f"; the {TOP_TODOS} most common:" if todos else "."))
        out += [f"  {n:6}  {phrase}" for phrase, n in self.todos.most_common(TOP_TODOS)]
        if self.kept:
            out.append("Kept because edited (the new import is beside each, as .new):")
            out += [f"  {path}" for path in self.kept]
            out.append("  (compare with: diff -u FILE FILE.new)")
        out += [f"Note: {note}" for note in self.notes]
        return out


def articles(paths: Iterable[str | Path]) -> Iterator[Path]:
    """The article files at `paths`: files as given, folders searched throughout."""
    for path in map(Path, paths):
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.suffix in SUFFIXES and p.is_file())
        else:
            yield path


def run(
    paths: Iterable[str | Path], into: str | Path, *, progress: bool = False, errors: TextIO
) -> Report:
    start = time.perf_counter()
    folder = Path(into)
    target = base.target(folder)
    folder.mkdir(parents=True, exist_ok=True)
    conditions = Conditions(target.knowledge)
    report = Report(notes=list(target.notes))
    files = list(articles(paths))
    report.found = len(files)
    named: dict[str, dict[str, str]] = {}
    done: set[str] = set()
    # A knowledge base of one's own may not ask for the product, version or system: then
    # `distinguish` names only the facts it has, so that it still loads.
    asked = None if target.ours else set(target.knowledge.facts)
    left_out: set[str] = set()
    bar = tqdm(files, disable=not progress, file=errors, unit=" articles", leave=False)
    for path in bar:
        try:
            imported = convert(read(path), conditions)
        except NotAnArticle:
            report.skipped[NOT_AN_ARTICLE] += 1
            continue
        except Skipped as exc:
            report.skipped[exc.reason] += 1
            continue
        except Exception as exc:  # one article must not stop the import of the others
            report.failed.append((path, f"{type(exc).__name__}: {exc}"))
            bar.write(f"advisor: {path}: {type(exc).__name__}: {exc}", file=errors)
            continue
        if imported.id in done:
            report.skipped["the same article again (imported from another file)"] += 1
            continue
        done.add(imported.id)
        if asked is not None:
            left_out |= imported.keep_only(asked)
        _write(folder / f"{imported.id}.yaml", imported, report)
        for fact, ids in imported.named.items():
            for ident, label in ids.items():
                named.setdefault(fact, {}).setdefault(ident, label)
    bar.close()
    if left_out:
        report.notes.append(
            f"`distinguish` leaves out {', '.join(sorted(left_out))}: the knowledge base in "
            f"{folder} does not ask for them (add a choice question for each, and import again)"
        )
    if report.imported:
        written = base.write_choices(target, named)
        if written.kept and written.path is not None:
            report.notes.append(
                f"{written.path.with_suffix('')} was edited: the choices the imported articles "
                f"need are added in {written.path}"
            )
        if written.note:
            report.notes.append(written.note)
    report.seconds = time.perf_counter() - start
    return report


def _write(path: Path, imported: Imported, report: Report) -> None:
    text = imported.text()
    report.messages += imported.messages
    report.numbers += imported.numbers
    report.items += imported.items
    report.todos.update(imported.todos)
    if path.exists():
        current = path.read_text(encoding="utf-8", errors="replace")
        if current == text:
            report.unchanged += 1
            return
        if render.untouched(path) is not True:
            # Edited by an author (or written by one): the new import goes beside it.
            new = path.with_name(path.name + ".new")
            new.write_text(text, encoding="utf-8")
            report.kept.append(new)
            return
    path.write_text(text, encoding="utf-8")
    report.written += 1
