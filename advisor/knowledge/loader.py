"""Rule files in, a checked `Knowledge` out.

Loading is all or nothing: every file is read and checked, every problem is collected with
its file and line, and a `KnowledgeBaseError` lists them; only a clean knowledge base is
returned.
"""

from __future__ import annotations

import dataclasses
import re
import string
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from advisor.errors import KnowledgeBaseError, Problem
from advisor.knowledge import cache, errors, schema
from advisor.knowledge.model import (
    UNKNOWN,
    Article,
    Choice,
    Condition,
    Fact,
    Item,
    Knowledge,
    Language,
    Pattern,
    Question,
    Rule,
    words,
)
from advisor.knowledge.rulefile import RuleFile, read


def bundled_rules() -> Path:
    """The knowledge base shipped with advisor.

    An installed wheel carries it inside the package; a source checkout (or an editable
    install) has it at the top of the repository.
    """
    here = Path(__file__).resolve().parents[1]  # the advisor package
    inside = here / "rules"
    return inside if inside.is_dir() else here.parent / "rules"


def load_knowledge(path: str | Path | None = None, *, use_cache: bool = True) -> Knowledge:
    """Read and check every `*.yaml` file of a folder (or one file); all or nothing.

    A folder's checked knowledge is kept in the user's cache folder (see `cache.py`) and
    read from there while no rule file changes.
    """
    root = Path(path) if path is not None else bundled_rules()
    if root.is_dir():
        paths = sorted(root.glob("*.yaml"))
        if not paths:
            raise KnowledgeBaseError([Problem(str(root), None, "no *.yaml rule files here")])
        if use_cache:
            return cache.cached(paths, lambda: _load(paths))
    elif root.is_file():
        paths = [root]
    else:
        raise KnowledgeBaseError([Problem(str(root), None, "no such file or folder")])
    return _load(paths)


LANGUAGE_FILE = "language.yaml"


def _load(paths: list[Path]) -> Knowledge:
    files: list[RuleFile] = []
    problems: list[Problem] = []
    for p in paths:
        try:
            files.append(read(p))
        except KnowledgeBaseError as exc:
            problems.extend(exc.problems)
    if not any(_kind(f) == "language" for f in files):
        # A knowledge base without a language file of its own speaks the bundled one.
        try:
            files.append(read(bundled_rules() / LANGUAGE_FILE))
        except KnowledgeBaseError as exc:
            problems.extend(exc.problems)
    try:
        knowledge = build(files)
    except KnowledgeBaseError as exc:
        problems.extend(exc.problems)
    if problems:
        raise KnowledgeBaseError(problems)
    return knowledge


def _kind(f: RuleFile) -> str:
    """ "language", "shared" or "article" (what a rule file holds, by its heading)."""
    data = f.data if isinstance(f.data, dict) else {}
    return next((k for k in ("language", "shared") if k in data), "article")


def build(files: list[RuleFile]) -> Knowledge:
    builder = _Builder()
    # The language comes first (questions take its yes, no and "I don't know"), then shared
    # facts: the order of facts breaks ties between questions, and the questions of a
    # symptom come before those of one article.
    order = {"language": 0, "shared": 1, "article": 2}
    for f in sorted(files, key=lambda f: order[_kind(f)]):
        builder.add_file(f)
    if builder.problems:
        # A file that does not fit the format is left out, and every reference to what it
        # defines would be reported too: its own problems are what to fix first.
        raise KnowledgeBaseError(builder.problems)
    return builder.finish([f.name for f in files])


_Where = tuple[RuleFile, tuple[str | int, ...]]


class _Builder:
    """Collects files into a Knowledge, recording every problem instead of stopping."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.specs: list[tuple[RuleFile, schema.ArticleFileSpec | schema.SharedFileSpec]] = []
        self.locations: dict[str, tuple[str, int | None]] = {}
        self.fact_where: dict[str, _Where] = {}
        self.facts: dict[str, Fact] = {}
        self.article_where: dict[str, _Where] = {}
        self.rule_where: dict[str, _Where] = {}
        self.language: Language | None = None
        self.generated: set[str] = set()  # the patterns made from articles' `errors`
        self.situation: str | None = None  # the fact whose choices are the articles

    def problem(self, where: _Where, message: str) -> None:
        self.problems.append(where[0].problem(where[1], message))

    def locate(self, key: str, where: _Where) -> None:
        self.locations[key] = (where[0].name, where[0].line_of(where[1]))

    def add_file(self, f: RuleFile) -> None:
        if not isinstance(f.data, dict):
            self.problem(
                (f, ()),
                "a rule file is a mapping: an article (format, article, facts, "
                "rules, resolution), shared facts (format, shared, facts, rules) or a "
                "language (format, language, answers, ...)",
            )
            return
        if _kind(f) == "language":
            self._language(f)
            return
        model = schema.SharedFileSpec if "shared" in f.data else schema.ArticleFileSpec
        try:
            spec = model.model_validate(f.data)
        except ValidationError as exc:
            for error in exc.errors():
                self.problems.append(_schema_problem(f, error))
            return
        self.specs.append((f, spec))
        head = "article" if isinstance(spec, schema.ArticleFileSpec) else "shared"
        owner = spec.article.id if isinstance(spec, schema.ArticleFileSpec) else spec.shared.id
        self._unique(self.article_where, owner, (f, (head, "id")), "article or shared")
        self.locate(f"article:{owner}", (f, (head, "id")))
        for name, fact in spec.facts.items():
            if self._unique(self.fact_where, name, (f, ("facts", name)), "fact"):
                self.facts[name] = self._fact(f, name, fact, len(self.facts))

    def _language(self, f: RuleFile) -> None:
        try:
            spec = schema.LanguageFileSpec.model_validate(f.data)
        except ValidationError as exc:
            self.problems.extend(_schema_problem(f, error) for error in exc.errors())
            return
        if self.language is not None:
            self.problem((f, ("language",)), f"a second language file ({self.language.file})")
            return
        answers = spec.answers
        self.language = Language(
            yes=Choice("yes", answers.yes.label, tuple(answers.yes.phrases)),
            no=Choice("no", answers.no.label, tuple(answers.no.phrases)),
            unknown=Choice(UNKNOWN, answers.unknown.label, tuple(answers.unknown.phrases)),
            negations=tuple(spec.negations.reaching),
            tight_negations=tuple(spec.negations.next),
            past=tuple(spec.negations.past),
            optional=frozenset(words(w) for w in spec.optional),
            joining=frozenset(words(w) for w in spec.joining),
            doubting=frozenset(words(w) for w in spec.doubting),
            correcting=tuple(spec.correcting),
            working=tuple(spec.working),
            asking=frozenset(words(w) for w in spec.asking),
            filler=frozenset(words(w) for w in spec.filler),
            weak=frozenset(words(w) for w in spec.weak),
            greetings=tuple(spec.greetings),
            thanks=tuple(spec.thanks),
            help=tuple(spec.help),
            confusions={k.casefold(): v.upper() for k, v in spec.confusions.items()},
            accept=spec.recognition.accept,
            ask=spec.recognition.ask,
            file=f.name,
        )

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
        where: _Where = (f, ("facts", name))
        if spec.question is not None:
            question = self._question(f, name, spec.question)
            values = {c.id: c.label for c in question.choices} if question.choices else None
        self.locate(f"fact:{name}", where)
        for index, p in enumerate(spec.extract):
            self.locate(f"pattern:{name}/{p.id}", (f, (*where[1], "extract", index)))
        patterns = tuple(_pattern(name, p) for p in spec.extract)
        samples = tuple(spec.question.samples) if spec.question is not None else ()
        return Fact(name, spec.describe, order, question, values, patterns, samples)

    def _question(self, f: RuleFile, name: str, q: schema.QuestionSpec) -> Question:
        """A question with its built-in answers: yes and no for a yes/no question, and
        "I don't know" for every question, labelled by the language unless it says more."""
        path = ("facts", name, "question")
        listed = {c.id: (index, c) for index, c in enumerate(q.choices)}

        def built_in(choice_id: str) -> Choice:
            # The language's phrases stay the language's; a question may relabel the answer
            # and add synonyms of its own.
            default = getattr(self.language, choice_id).label if self.language else choice_id
            spec = listed[choice_id][1] if choice_id in listed else None
            if spec is None:
                return Choice(choice_id, default)
            return Choice(choice_id, spec.label or default, tuple(spec.synonyms))

        choices = [
            Choice(c.id, c.label or "", tuple(c.synonyms))
            for c in q.choices
            if c.id not in schema.BUILT_IN
        ]
        if q.kind == "yesno":
            choices = [built_in("yes"), built_in("no")]
        unknown = built_in(UNKNOWN)
        if q.kind != "text":
            choices.append(unknown)
        self._choices_distinct(f, (*path, "choices"), choices)
        if q.choices_from == "articles":
            self.situation = name
        for c in [*choices, unknown]:
            at = (*path, "choices", listed[c.id][0]) if c.id in listed else path
            self.locate(f"choice:{name}={c.id}", (f, at))
        dont_know = unknown if q.kind == "text" else None
        return Question(name, q.text, q.kind, tuple(choices), dont_know, q.find_out, q.narrow)

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
                owner = owner_of.setdefault(words(word) or word.casefold(), choice)
                if owner is not choice:
                    self.problem(
                        where, f"{word!r} of choice {choice.id!r} already names choice {owner.id!r}"
                    )

    def finish(self, names: list[str]) -> Knowledge:
        articles: dict[str, Article] = {}
        rules: list[Rule] = []
        # The errors come first: they give the message values that rules may name.
        recognised = self._errors()
        for f, spec in self.specs:
            if isinstance(spec, schema.SharedFileSpec):
                rules.extend(self._rules(f, spec.shared.id, spec.rules, shared=True))
                continue
            article, article_rules = self._article(f, spec, recognised)
            articles[article.id] = article
            rules.extend(article_rules)
        self._check_patterns()
        self._check_articles(articles)
        rules = self._stratify(rules)
        if self.language is None:
            self.problems.append(Problem(names[0] if names else "?", None, "no language file"))
        if self.problems or self.language is None:
            raise KnowledgeBaseError(self.problems)
        return Knowledge(
            self.facts,
            articles,
            tuple(rules),
            self.language,
            tuple(names),
            self.locations,
            frozenset(r.id for r in recognised.rules),
        )

    def _check_articles(self, articles: dict[str, Article]) -> None:
        """Precedence names real articles without a cycle; samples answer text questions."""
        for article in articles.values():
            where = self.article_where[article.id]
            for other in article.takes_precedence_over:
                if other not in articles or other == article.id:
                    self.problem(where, f"takes_precedence_over: {other!r} is not another article")
            for fact in article.samples:
                spec = self.facts.get(fact)
                if spec is None or spec.question is None or spec.question.kind != "text":
                    self.problem(where, f"samples: {fact!r} is not a fact asked by a text question")
        for article in articles.values():
            if article.id in _above(article.id, articles):
                self.problem(self.article_where[article.id], "takes_precedence_over makes a circle")

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
                if pattern.id in self.generated:
                    continue  # made by the loader from an article's `errors`: checked there
                where = (f, (*path, "extract", index))
                if pattern.id in seen:
                    self.problem(where, f"duplicate pattern id {pattern.id.split('/')[-1]!r}")
                seen.add(pattern.id)
                for target, value in (*pattern.sets, *pattern.if_negated):
                    self._check_value(where, target, value)
                if pattern.regex is not None:
                    for group in pattern.regex.groupindex:
                        self._check_free(where, group)
                if pattern.reads is not None:
                    self._check_free(where, pattern.reads)
                if pattern.answers and (fact.question is None or fact.question.kind != "text"):
                    self.problem(where, "`answers` belongs to a pattern under a text question")

    def _check_free(self, where: _Where, name: str) -> None:
        fact = self.facts.get(name)
        if fact is None:
            self.problem(where, f"unknown fact {name!r}")
        elif fact.values is not None:
            self.problem(where, f"fact {name!r} has fixed values; text cannot fill it")

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

    def _rules(
        self, f: RuleFile, owner: str, specs: list[schema.RuleSpec], shared: bool = False
    ) -> list[Rule]:
        rules, seen = [], set()
        for index, r in enumerate(specs):
            where: _Where = (f, ("rules", index))
            self.rule_where[f"{owner}/{r.id}"] = where
            self.locate(f"rule:{owner}/{r.id}", where)
            if r.id in seen:
                self.problem(where, f"duplicate rule id {r.id!r}")
            seen.add(r.id)
            if shared and r.conclude is not None:
                self.problem(
                    where, "a rule of shared facts can only `set` facts; articles conclude"
                )
            for name, value in (r.set_ or {}).items():
                self._check_value((f, ("rules", index, "set", name)), name, value)
            if r.because is not None:
                self._template((f, ("rules", index, "because")), r.because)
            rules.append(
                Rule(
                    id=f"{owner}/{r.id}",
                    article=owner,
                    when=self._conditions(f, ("rules", index, "when"), r.when),
                    sets=tuple((r.set_ or {}).items()),
                    conclude=r.conclude,
                    because=r.because,
                )
            )
        return rules

    def _errors(self) -> errors.Compiled:
        """Every article's `errors`, as patterns and message values in place, and rules."""
        quoted = [
            errors.Quoted(spec.article.id, e, (f, ("errors", n)))
            for f, spec in self.specs
            if isinstance(spec, schema.ArticleFileSpec)
            for n, e in enumerate(spec.errors)
        ]
        if not quoted or not self._can_recognise(quoted):
            return errors.Compiled()
        distinguish = {
            spec.article.id: {k: tuple(v) for k, v in spec.article.distinguish.items()}
            for _, spec in self.specs
            if isinstance(spec, schema.ArticleFileSpec)
        }

        def conditions(q: errors.Quoted) -> tuple[Condition, ...]:
            f, path = q.where
            return self._conditions(f, (*path, "when"), q.error.when)

        filler = self.language.filler if self.language is not None else frozenset()
        if self.situation is not None:
            self._article_choices(self.situation)
        compiled = errors.compile_errors(
            quoted, distinguish, conditions, filler, situation=self.situation
        )
        text, message = self.facts[errors.ERROR_TEXT], self.facts[errors.ERROR_MESSAGE]
        self.generated = {p.id for p in compiled.patterns}
        self.facts[errors.ERROR_TEXT] = dataclasses.replace(
            text, patterns=(*text.patterns, *compiled.patterns)
        )
        values = {**(message.values or {}), **compiled.values}
        self.facts[errors.ERROR_MESSAGE] = dataclasses.replace(message, values=values)
        for pattern in compiled.patterns:
            self.locate(f"pattern:{pattern.id}", compiled.where[pattern.id])
        for rule in compiled.rules:
            where = compiled.where[rule.id]
            self.rule_where[rule.id] = where
            self.locate(f"rule:{rule.id}", where)
        return compiled

    def _article_choices(self, name: str) -> None:
        """The choices of a question `choices_from: articles`: every article about errors,
        labelled by the first sentence of its symptoms (else its title)."""
        fact = self.facts[name]
        assert fact.question is not None
        choices = [
            Choice(
                spec.article.id,
                errors.describe(spec.article.id, spec.article.title, spec.resolution.symptoms),
            )
            for _, spec in self.specs
            if isinstance(spec, schema.ArticleFileSpec) and spec.errors
        ]
        choices += list(fact.question.choices)  # "I don't know" comes last
        question = dataclasses.replace(fact.question, choices=tuple(choices))
        values = {c.id: c.label for c in choices}
        self.facts[name] = dataclasses.replace(fact, question=question, values=values)

    def _can_recognise(self, quoted: list[errors.Quoted]) -> bool:
        """Whether the facts that `errors` need are there; each missing one is a problem."""
        first = quoted[0].where
        needed = {errors.ERROR_TEXT: "a text question", errors.ERROR_MESSAGE: "a fact"}
        if any(q.error.number is not None for q in quoted):
            needed[errors.ERROR_NUMBER] = "a fact read by a `number` pattern"
        ok = True
        for name, what in needed.items():
            fact = self.facts.get(name)
            missing = fact is None
            if name == errors.ERROR_TEXT and fact is not None:
                missing = fact.question is None or fact.question.kind != "text"
            if name == errors.ERROR_NUMBER and not missing:
                missing = not any(p.reads == name for f in self.facts.values() for p in f.patterns)
            if missing:
                ok = False
                self.problem(
                    first, f"`errors` need {name!r}, {what}, in a shared file (docs/authoring.md)"
                )
        return ok

    def _article(
        self, f: RuleFile, spec: schema.ArticleFileSpec, recognised: errors.Compiled
    ) -> tuple[Article, list[Rule]]:
        a = spec.article
        rules = self._rules(f, a.id, spec.rules)
        rules += [r for r in recognised.rules if r.article == a.id]
        if not any(r.conclude == "applies" for r in rules):
            self.problem(
                (f, ("rules",)), "no rule concludes `applies`: the article can never apply"
            )
        for fact, values in a.distinguish.items():
            for value in values:
                self._check_value((f, ("article", "distinguish", fact)), fact, value)
        res = spec.resolution
        item_ids: set[str] = set()
        steps = tuple(
            self._item(f, ("resolution", "steps", i), s, a.id, item_ids)
            for i, s in enumerate(res.steps)
        )
        for key in ("symptoms", "cause", "intro", "workaround", "more_information"):
            text = getattr(res, key)
            if text is not None:
                self._template((f, ("resolution", key)), text)
        samples = {fact: tuple(texts) for fact, texts in a.samples.items()}
        quoted = recognised.samples.get(a.id)
        if quoted:
            samples[errors.ERROR_TEXT] = (*samples.get(errors.ERROR_TEXT, ()), *quoted)
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
            takes_precedence_over=tuple(a.takes_precedence_over),
            samples=samples,
            modified=a.modified,
            symptoms=res.symptoms,
            workaround=res.workaround,
            distinguish={k: tuple(v) for k, v in a.distinguish.items()},
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
        self.locate(f"item:{article}/{spec.id}", (f, path))
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
            todo=spec.todo,
        )


def _pattern(fact: str, p: schema.PatternSpec) -> Pattern:
    kind = next(m for m in schema.MATCHERS if getattr(p, m) is not None)
    return Pattern(
        id=f"{fact}/{p.id}",
        source=fact,
        kind=kind,  # type: ignore[arg-type]
        sets=tuple(
            (fact, value)
            for fact, values in p.set_.items()
            for value in ([values] if isinstance(values, str) else values)
        ),
        regex=re.compile(p.regex, re.IGNORECASE) if p.regex is not None else None,
        phrases=tuple(p.phrases or p.message or ()),
        if_negated=tuple(p.if_negated.items()),
        reads=p.number,
        answers=p.answers,
    )


def _above(name: str, articles: dict[str, Article]) -> set[str]:
    """Every article that `name` takes precedence over, directly or through others."""
    found: set[str] = set()
    todo = [name]
    while todo:
        for other in articles[todo.pop()].takes_precedence_over:
            if other in articles and other not in found:
                found.add(other)
                todo.append(other)
    return found


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
