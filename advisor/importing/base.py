"""The knowledge an import works with: the target knowledge base, whose language reads
the articles' conditions, and for a new one the shared file `archive.yaml`, written from
the template `base.yaml` with the products, versions and operating systems of the
imported articles as choices.

Nothing an author wrote is overwritten: `archive.yaml` is rewritten only while it is as
the importer wrote it; once edited, the importer writes `archive.yaml.new` beside it with
the author's version plus the new choices. The same goes for the file of a knowledge base
of one's own that asks for the product, version or operating system.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from advisor.errors import KnowledgeBaseError
from advisor.importing import render
from advisor.knowledge.loader import load_knowledge
from advisor.knowledge.model import Knowledge, words

ARCHIVE = "archive.yaml"
NAMED = ("product", "version", "system")  # the facts `distinguish` names values of


def template() -> str:
    return resources.files("advisor.importing").joinpath("base.yaml").read_text(encoding="utf-8")


@dataclass
class Target:
    """The knowledge base an import writes into."""

    folder: Path
    knowledge: Knowledge
    ours: bool  # a knowledge base the importer started (it writes archive.yaml)
    notes: list[str] = field(default_factory=list)  # what the person should know


def target(folder: Path) -> Target:
    """The knowledge base in `folder`, or the importer's base when there is none yet (or
    when it does not load: then the notes say so)."""
    files = sorted(folder.glob("*.yaml")) if folder.is_dir() else []
    archive = folder / ARCHIVE
    ours = not files or (archive.exists() and render.untouched(archive) is not None)
    # The facts are in the files an author wrote or edited, and in archive.yaml: articles
    # as the importer wrote them add none, and thousands of them take long to load.
    own = [p for p in files if p.name == ARCHIVE or render.untouched(p) is not True]
    if own:
        try:
            return Target(folder, _load(own), ours)
        except KnowledgeBaseError as exc:
            note = (
                f"the knowledge base in {folder} does not load ({len(exc.problems)} problems, "
                "see `advisor check`): conditions were read with the importer's base facts"
            )
            return Target(folder, _base_knowledge(), ours, [note])
    return Target(folder, _base_knowledge(), ours)


def _load(paths: list[Path]) -> Knowledge:
    with tempfile.TemporaryDirectory() as folder:
        for path in paths:
            shutil.copy(path, Path(folder) / path.name)
        return load_knowledge(folder, use_cache=False)


def _base_knowledge() -> Knowledge:
    """The template's facts, for reading conditions: the product, version and system
    questions wait for their choices, and nothing else needs them to read a phrase."""
    data = yaml.safe_load(template())
    for name in NAMED:
        data["facts"].pop(name, None)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / ARCHIVE
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        return load_knowledge(path, use_cache=False)


@dataclass
class Written:
    path: Path | None  # the file written (or .new beside it), None when nothing changed
    kept: bool = False  # the file was edited by an author: `path` is the .new beside it
    note: str | None = None


def write_choices(t: Target, named: dict[str, dict[str, str]]) -> Written:
    """Give the knowledge base a choice for every id the imported articles' `distinguish`
    names."""
    if t.ours:
        return _write_archive(t.folder / ARCHIVE, named)
    return _extend_own(t.folder, named)


def _write_archive(path: Path, named: dict[str, dict[str, str]]) -> Written:
    state = render.untouched(path) if path.exists() else True
    present = _choices(yaml.safe_load(path.read_text(encoding="utf-8"))) if path.exists() else {}
    if state:
        merged = {f: {**_from(present.get(f, [])), **named.get(f, {})} for f in NAMED}
        text = render.mark(_filled(merged))
        if path.exists() and path.read_text(encoding="utf-8") == text:
            return Written(None)
        path.write_text(text, encoding="utf-8")
        return Written(path)
    return _extended(path, named)


def _extend_own(folder: Path, named: dict[str, dict[str, str]]) -> Written:
    """Add choices to the author's own product/version/system questions, in a .new file."""
    wanted = [f for f in NAMED if named.get(f)]
    holders: dict[str, Path] = {}
    for path in sorted(folder.glob("*.yaml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError):
            continue
        for fact in wanted:
            if fact in _choices(data):
                holders.setdefault(fact, path)
    missing = [f for f in wanted if f not in holders]
    written = Written(None)
    for path in dict.fromkeys(holders.values()):
        written = _extended(path, named)
    if missing:
        written.note = (
            f"the articles' `distinguish` names {', '.join(missing)}, which the knowledge base "
            f"in {folder} does not ask: add a choice question for each, or remove `distinguish`"
        )
    return written


def _extended(path: Path, named: dict[str, dict[str, str]]) -> Written:
    """The author's file with the missing choices added, written beside it as .new."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    added = False
    for fact, choices in _choices(data).items():
        have = {c.get("id") for c in choices}
        new = _entries({k: v for k, v in named.get(fact, {}).items() if k not in have}, choices)
        if new:
            at = next((n for n, c in enumerate(choices) if c.get("id") == "other"), len(choices))
            choices[at:at] = new
            added = True
    if not added:
        return Written(None)
    out = path.with_name(path.name + ".new")
    header = f"{path.name} with the choices the imported articles need added; merge by hand."
    out.write_text(f"# {header}\n" + render.dump(data), encoding="utf-8")
    return Written(out, kept=True)


def _choices(data: Any) -> dict[str, list[dict[str, Any]]]:
    """The choice lists of the product, version and system questions in a file's data."""
    facts = data.get("facts") if isinstance(data, dict) else None
    found = {}
    for name in NAMED:
        fact = facts.get(name) if isinstance(facts, dict) else None
        question = fact.get("question") if isinstance(fact, dict) else None
        choices = question.get("choices") if isinstance(question, dict) else None
        if isinstance(choices, list):
            found[name] = choices
    return found


def _from(choices: list[dict[str, Any]]) -> dict[str, str]:
    return {
        str(c["id"]): str(c.get("label", c["id"])).strip()
        for c in choices
        if isinstance(c, dict) and "id" in c and c["id"] != "other"
    }


def _filled(named: dict[str, dict[str, str]]) -> str:
    """The template with each named fact's choices before its "other" choice."""
    text = template()
    present = _choices(yaml.safe_load(text))
    for fact in NAMED:
        if not named.get(fact):  # no article names one: the question would have no choices
            text = re.sub(rf"^  {fact}:\n(?:(?:    .*)?\n)*", "", text, count=1, flags=re.M)
            continue
        block = re.search(
            rf"^  {fact}:\n(?:    .*\n|\n)*?        - id: other\n", text, re.MULTILINE
        )
        if block is None:
            continue
        entries = render.dump(_entries(named[fact], present.get(fact, [])))
        lines = "".join(f"        {line}\n" for line in entries.splitlines())
        at = block.end() - len("        - id: other\n")
        text = text[:at] + lines + text[at:]
    return text


def _entries(named: dict[str, str], present: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """New choices, with labels and synonyms that name no other choice of the question
    (the loader refuses a word that names two choices): on a clash the label gets its id,
    and a synonym is left out."""
    owner: dict[str, str] = {}
    for choice in present:
        if isinstance(choice, dict) and "id" in choice:
            for word in (choice["id"], choice.get("label", ""), *(choice.get("synonyms") or [])):
                owner.setdefault(words(str(word)), str(choice["id"]))

    def free(word: str, ident: str) -> bool:
        return owner.setdefault(words(word), ident) == ident

    out = []
    for ident, label in sorted(named.items()):
        if not free(ident, ident):
            continue
        if not free(label, ident):
            label = f"{label} ({ident})"
            free(label, ident)
        entry: dict[str, Any] = {"id": ident, "label": label}
        bare = re.sub(r"^(?:MSPRESS\s+)?Microsoft\s+", "", label)
        if bare != label and free(bare, ident):
            entry["synonyms"] = render.InlineList([bare])
        out.append(entry)
    return out
