"""The knowledge base as a validated, typed model: rule files in, `Knowledge` out.

Loading is all or nothing: every file is read and checked, every problem is collected with
its file and line, and a `KnowledgeBaseError` lists them; only a clean knowledge base is
returned. Nothing here knows about experta or about conversations.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import string
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError

from advisor import schema
from advisor.errors import KnowledgeBaseError, Problem
from advisor.rulefile import RuleFile, read

YES_NO = (
    ("yes", "Yes", ("y", "yeah", "yep", "i do", "it does", "true")),
    ("no", "No", ("n", "nope", "i do not", "i don't", "it does not", "false", "none")),
)

# Words that carry no meaning in an error message, dropped before phrases are compared so
# that "server unexpectedly terminated connection" still matches the full wording.
_FILLER = frozenset("a an the has have had was were is been by your my our".split())


@functools.lru_cache(maxsize=64)
def normalise(text: str) -> str:
    """Lower case, words only, filler words dropped: the form phrases are compared in."""
    words = re.findall(r"[^\W_]+", text.casefold())
    return " ".join(w for w in words if w not in _FILLER)


@dataclass(frozen=True)
class Choice:
    id: str
    label: str
    synonyms: tuple[str, ...] = ()


@dataclass(frozen=True)
class Question:
    fact: str
    text: str
    kind: Literal["text", "choice", "yesno"]
    choices: tuple[Choice, ...] = ()

    @property
    def id(self) -> str:
        """A question is named after the fact it asks for."""
        return self.fact


@dataclass(frozen=True)
class Condition:
    """`fact` is one of `values`; negated: it is not known to be one of them."""

    fact: str
    values: frozenset[str]
    negated: bool = False

    def holds(self, value: str | None) -> bool:
        inside = value is not None and value in self.values
        return not inside if self.negated else inside

    def fails(self, value: str | None) -> bool:
        """True once the value known so far rules the condition out for good."""
        if value is None:
            return False
        return not self.holds(value)


@dataclass(frozen=True)
class Pattern:
    """Turns free text given for `source` into facts."""

    id: str
    source: str
    sets: tuple[tuple[str, str], ...]
    regex: re.Pattern[str] | None = None
    phrases: tuple[str, ...] = ()

    @property
    def produces(self) -> tuple[str, ...]:
        groups = tuple(self.regex.groupindex) if self.regex is not None else ()
        return tuple(dict.fromkeys([*(f for f, _ in self.sets), *groups]))

    def matches(self, text: str) -> bool:
        if self.regex is not None:
            return self.regex.search(text) is not None
        norm = normalise(text)
        return any(re.search(rf"(?<!\w){re.escape(p)}(?!\w)", norm) for p in self.phrases)

    def extract(self, text: str) -> list[tuple[str, str]]:
        """The facts this pattern reads from `text` (empty when it does not match)."""
        found = list(self.sets)
        if self.regex is not None:
            match = self.regex.search(text)
            if match is None:
                return []
            for name, value in match.groupdict().items():
                if value and value.strip():
                    found.append((name, " ".join(value.split())))
        elif not self.matches(text):
            return []
        return found


@dataclass(frozen=True)
class Fact:
    id: str
    describe: str
    order: int
    question: Question | None = None
    values: Mapping[str, str] | None = None  # id -> label; None for free values
    patterns: tuple[Pattern, ...] = ()

    def label(self, value: str) -> str:
        if self.values is None:
            return value
        return self.values.get(value, value)


@dataclass(frozen=True)
class Rule:
    id: str
    article: str
    when: tuple[Condition, ...]
    sets: tuple[tuple[str, str], ...] = ()
    conclude: Literal["applies", "not_applicable"] | None = None
    because: str | None = None
    # How many layers of `not` conditions on derived facts lie below this rule: a rule runs
    # only after every rule that could still make one of its `not` conditions false.
    stratum: int = 0


@dataclass(frozen=True)
class Item:
    id: str
    kind: Literal["step", "note", "warning"]
    text: str
    when: tuple[Condition, ...] = ()
    children: tuple[Item, ...] = ()


@dataclass(frozen=True)
class Article:
    id: str
    title: str
    source: str
    file: str
    cause: str
    steps: tuple[Item, ...]
    applies_to: tuple[str, ...] = ()
    intro: str | None = None
    more_information: str | None = None

    def items(self) -> Iterator[tuple[Item, Item | None]]:
        """Every item with its parent, parents first."""

        def walk(
            items: tuple[Item, ...], parent: Item | None
        ) -> Iterator[tuple[Item, Item | None]]:
            for item in items:
                yield item, parent
                yield from walk(item.children, item)

        return walk(self.steps, None)


@dataclass(frozen=True)
class Knowledge:
    """A whole validated knowledge base."""

    facts: Mapping[str, Fact]
    articles: Mapping[str, Article]
    rules: tuple[Rule, ...]
    files: tuple[str, ...] = ()

    @functools.cached_property
    def rank(self) -> dict[str, int]:
        """Every pattern, rule and item id, numbered in the order of the files."""
        ids = [p.id for f in self.facts.values() for p in f.patterns]
        ids += [r.id for r in self.rules]
        ids += [i.id for a in self.articles.values() for i, _ in a.items()]
        return {name: n for n, name in enumerate(ids)}

    def render(self, template: str, values: Mapping[str, str]) -> str:
        """Fill `{fact}` placeholders with what is known, in words."""
        pieces = []
        for literal, name, _, _ in string.Formatter().parse(template):
            pieces.append(literal)
            if name is not None:
                value = values.get(name)
                pieces.append("unknown" if value is None else self.facts[name].label(value))
        return "".join(pieces)


def bundled_rules() -> Path:
    """The knowledge base shipped with advisor.

    An installed wheel carries it inside the package; a source checkout (or an editable
    install) has it at the top of the repository.
    """
    here = Path(__file__).resolve().parent
    inside = here / "rules"
    return inside if inside.is_dir() else here.parent / "rules"


def load_knowledge(path: str | Path | None = None) -> Knowledge:
    """Read and check every `*.yaml` file of a folder (or one file); all or nothing."""
    root = Path(path) if path is not None else bundled_rules()
    if root.is_dir():
        paths = sorted(root.glob("*.yaml"))
        if not paths:
            raise KnowledgeBaseError([Problem(str(root), None, "no *.yaml rule files here")])
    elif root.is_file():
        paths = [root]
    else:
        raise KnowledgeBaseError([Problem(str(root), None, "no such file or folder")])
    files: list[RuleFile] = []
    problems: list[Problem] = []
    for p in paths:
        try:
            files.append(read(p))
        except KnowledgeBaseError as exc:
            problems.extend(exc.problems)
    try:
        knowledge = build(files)
    except KnowledgeBaseError as exc:
        problems.extend(exc.problems)
    if problems:
        raise KnowledgeBaseError(problems)
    return knowledge


def build(files: list[RuleFile]) -> Knowledge:
    builder = _Builder()
    for f in files:
        builder.add_file(f)
    return builder.finish([f.name for f in files])


_Where = tuple[RuleFile, tuple[str | int, ...]]


class _Builder:
    """Collects files into a Knowledge, recording every problem instead of stopping."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.specs: list[tuple[RuleFile, schema.RuleFileSpec]] = []
        self.fact_where: dict[str, _Where] = {}
        self.facts: dict[str, Fact] = {}
        self.article_where: dict[str, _Where] = {}
        self.rule_where: dict[str, _Where] = {}

    def problem(self, where: _Where, message: str) -> None:
        self.problems.append(where[0].problem(where[1], message))

    def add_file(self, f: RuleFile) -> None:
        if not isinstance(f.data, dict):
            self.problem(
                (f, ()),
                "a rule file is a mapping with format, article, facts, rules and resolution",
            )
            return
        try:
            spec = schema.RuleFileSpec.model_validate(f.data)
        except ValidationError as exc:
            for error in exc.errors():
                self.problems.append(_schema_problem(f, error))
            return
        self.specs.append((f, spec))
        self._unique(self.article_where, spec.article.id, (f, ("article", "id")), "article")
        for name, fact in spec.facts.items():
            if self._unique(self.fact_where, name, (f, ("facts", name)), "fact"):
                self.facts[name] = self._fact(f, name, fact, len(self.facts))

    def _unique(self, seen: dict[str, _Where], key: str, where: _Where, what: str) -> bool:
        if key in seen:
            first = seen[key]
            line = first[0].line_of(first[1])
            self.problem(
                where, f"duplicate {what} id {key!r} (first defined in {first[0].name}:{line})"
            )
            return False
        seen[key] = where
        return True

    def _fact(self, f: RuleFile, name: str, spec: schema.FactSpec, order: int) -> Fact:
        question = None
        values: dict[str, str] | None = dict(spec.values) if spec.values is not None else None
        if spec.question is not None:
            q = spec.question
            choices = [Choice(c.id, c.label, tuple(c.synonyms)) for c in q.choices]
            if q.kind == "yesno":
                choices = [Choice(*yn) for yn in YES_NO] + choices
            self._choices_distinct(f, ("facts", name, "question", "choices"), choices)
            question = Question(name, q.text, q.kind, tuple(choices))
            values = {c.id: c.label for c in choices} if q.kind != "text" else None
        patterns = tuple(
            Pattern(
                id=f"{name}/{p.id}",
                source=name,
                sets=tuple(p.set_.items()),
                regex=re.compile(p.regex, re.IGNORECASE) if p.regex is not None else None,
                phrases=tuple(normalise(ph) for ph in p.phrases or ()),
            )
            for p in spec.extract
        )
        return Fact(name, spec.describe, order, question, values, patterns)

    def _choices_distinct(self, f: RuleFile, path: tuple[str, ...], choices: list[Choice]) -> None:
        """Ids are unique, and no word (label, synonym) may name two choices."""
        ids: set[str] = set()
        owner_of: dict[str, Choice] = {}
        for index, choice in enumerate(choices):
            where: _Where = (f, (*path, index))
            if choice.id in ids:
                self.problem(where, f"duplicate choice id {choice.id!r}")
                continue
            ids.add(choice.id)
            for word in (choice.id, choice.label, *choice.synonyms):
                owner = owner_of.setdefault(normalise(word) or word.casefold(), choice)
                if owner is not choice:
                    self.problem(
                        where, f"{word!r} of choice {choice.id!r} already names choice {owner.id!r}"
                    )

    def finish(self, names: list[str]) -> Knowledge:
        articles: dict[str, Article] = {}
        rules: list[Rule] = []
        for f, spec in self.specs:
            article, article_rules = self._article(f, spec)
            articles[article.id] = article
            rules.extend(article_rules)
        self._check_patterns()
        rules = self._stratify(rules)
        if self.problems:
            raise KnowledgeBaseError(self.problems)
        return Knowledge(self.facts, articles, tuple(rules), tuple(names))

    def _stratify(self, rules: list[Rule]) -> list[Rule]:
        producers: dict[str, list[Rule]] = {}
        for rule in rules:
            for name, _ in rule.sets:
                producers.setdefault(name, []).append(rule)
        stratum = {rule.id: 0 for rule in rules}
        for _ in range(len(rules) + 1):
            changed = False
            for rule in rules:
                for c in rule.when:
                    below = max((stratum[p.id] for p in producers.get(c.fact, ())), default=0)
                    needed = below + 1 if c.negated and c.fact in producers else below
                    if needed > stratum[rule.id]:
                        stratum[rule.id], changed = needed, True
            if not changed:
                return [dataclasses.replace(r, stratum=stratum[r.id]) for r in rules]
        for rule in rules:
            if stratum[rule.id] > len(rules):
                self.problem(
                    self.rule_where[rule.id],
                    "this rule depends on its own `not` condition through other rules",
                )
        return rules

    def _check_patterns(self) -> None:
        for name, fact in self.facts.items():
            f, path = self.fact_where[name]
            seen: set[str] = set()
            for index, pattern in enumerate(fact.patterns):
                where = (f, (*path, "extract", index))
                if pattern.id in seen:
                    self.problem(where, f"duplicate pattern id {pattern.id.split('/')[-1]!r}")
                seen.add(pattern.id)
                for target, value in pattern.sets:
                    self._check_value(where, target, value)
                if pattern.regex is not None:
                    for group in pattern.regex.groupindex:
                        self._check_free(where, group)

    def _check_free(self, where: _Where, name: str) -> None:
        fact = self.facts.get(name)
        if fact is None:
            self.problem(where, f"unknown fact {name!r}")
        elif fact.values is not None:
            self.problem(where, f"fact {name!r} has fixed values; a regex group cannot fill it")

    def _check_value(self, where: _Where, name: str, value: str) -> None:
        fact = self.facts.get(name)
        if fact is None:
            self.problem(where, f"unknown fact {name!r}")
        elif fact.values is not None and value not in fact.values:
            known = ", ".join(fact.values)
            self.problem(where, f"{value!r} is not a value of fact {name!r} (it has: {known})")

    def _conditions(
        self, f: RuleFile, path: tuple[str | int, ...], when: schema.When
    ) -> tuple[Condition, ...]:
        conditions = []
        for name, spec in when.items():
            for value in spec.values:
                self._check_value((f, (*path, name)), name, value)
            conditions.append(Condition(name, frozenset(spec.values), spec.negated))
        return tuple(conditions)

    def _template(self, where: _Where, text: str) -> None:
        try:
            parsed = list(string.Formatter().parse(text))
        except ValueError as exc:
            self.problem(where, f"bad placeholder in text: {exc} (write {{{{ and }}}} for braces)")
            return
        for _, name, spec, conversion in parsed:
            if name is None:
                continue
            if spec or conversion or name not in self.facts:
                self.problem(where, f"placeholder {{{name}}} must name a fact, e.g. {{server}}")

    def _article(self, f: RuleFile, spec: schema.RuleFileSpec) -> tuple[Article, list[Rule]]:
        a = spec.article
        rules, seen = [], set()
        for index, r in enumerate(spec.rules):
            where: _Where = (f, ("rules", index))
            self.rule_where[f"{a.id}/{r.id}"] = where
            if r.id in seen:
                self.problem(where, f"duplicate rule id {r.id!r}")
            seen.add(r.id)
            for name, value in (r.set_ or {}).items():
                self._check_value((f, ("rules", index, "set", name)), name, value)
            if r.because is not None:
                self._template((f, ("rules", index, "because")), r.because)
            rules.append(
                Rule(
                    id=f"{a.id}/{r.id}",
                    article=a.id,
                    when=self._conditions(f, ("rules", index, "when"), r.when),
                    sets=tuple((r.set_ or {}).items()),
                    conclude=r.conclude,
                    because=r.because,
                )
            )
        if not any(r.conclude == "applies" for r in rules):
            self.problem(
                (f, ("rules",)), "no rule concludes `applies`: the article can never apply"
            )
        res = spec.resolution
        item_ids: set[str] = set()
        steps = tuple(
            self._item(f, ("resolution", "steps", i), s, a.id, item_ids)
            for i, s in enumerate(res.steps)
        )
        for key in ("cause", "intro", "more_information"):
            text = getattr(res, key)
            if text is not None:
                self._template((f, ("resolution", key)), text)
        article = Article(
            id=a.id,
            title=a.title,
            source=a.source,
            file=f.name,
            cause=res.cause,
            steps=steps,
            applies_to=tuple(a.applies_to),
            intro=res.intro,
            more_information=res.more_information,
        )
        return article, rules

    def _item(
        self,
        f: RuleFile,
        path: tuple[str | int, ...],
        spec: schema.ItemSpec,
        article: str,
        seen: set[str],
    ) -> Item:
        if spec.id in seen:
            self.problem((f, path), f"duplicate item id {spec.id!r}")
        seen.add(spec.id)
        self._template((f, (*path, spec.kind)), spec.text)
        children = tuple(
            self._item(f, (*path, "steps", i), child, article, seen)
            for i, child in enumerate(spec.steps)
        )
        return Item(
            id=f"{article}/{spec.id}",
            kind=spec.kind,  # type: ignore[arg-type]
            text=spec.text,
            when=self._conditions(f, (*path, "when"), spec.when),
            children=children,
        )


_SCHEMA_MESSAGES = {
    "missing": "missing field {field!r}",
    "extra_forbidden": "unknown field {field!r}",
    "string_pattern_mismatch": (
        "{input!r} is not an id: use letters, digits, '.', '_' and '-', "
        "starting with a letter or digit"
    ),
}


def _schema_problem(f: RuleFile, error: Any) -> Problem:
    path = tuple(error["loc"])
    field_name = path[-1] if path else ""
    template = _SCHEMA_MESSAGES.get(error["type"])
    message = (
        template.format(field=field_name, input=error.get("input")) if template else error["msg"]
    )
    message = message.removeprefix("Value error, ")
    where = ".".join(str(p) for p in path)
    # A missing field has no line of its own: point at the mapping that lacks it.
    line_path = path[:-1] if error["type"] == "missing" else path
    return Problem(f.name, f.line_of(line_path), f"{where}: {message}" if where else message)
