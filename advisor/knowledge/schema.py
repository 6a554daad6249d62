"""The format of a rule file, as pydantic models.

This module only says what shape a file must have; `knowledge.py` checks what the shapes
refer to (facts, choices, ids) and builds the model the engine uses.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
Id = Annotated[str, Field(pattern=ID_PATTERN)]


def tidy(text: str) -> str:
    """Collapse the line breaks YAML keeps in block text; a blank line stays a paragraph."""
    paragraphs = re.split(r"\n\s*\n", text.strip())
    return "\n\n".join(" ".join(p.split()) for p in paragraphs)


def _text(value: Any) -> Any:
    return tidy(value) if isinstance(value, str) else value


Text = Annotated[str, BeforeValidator(_text), Field(min_length=1)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ConditionSpec(_Model):
    """A condition on one fact: a value, a list of values (any of them), or {not: ...}."""

    values: list[Id] = Field(min_length=1)
    negated: bool = False


def _condition(value: Any) -> Any:
    negated = isinstance(value, dict) and set(value) == {"not"}
    inner = value["not"] if negated else value
    if isinstance(inner, str):
        inner = [inner]
    if not (isinstance(inner, list) and inner and all(isinstance(v, str) for v in inner)):
        raise ValueError("a condition is a value, a list of values, or {not: value or list}")
    return {"values": inner, "negated": negated}


When = dict[Id, Annotated[ConditionSpec, BeforeValidator(_condition)]]


# Every question understands these answers without being told; a question may list them
# among its choices to give them another label or more synonyms.
BUILT_IN = ("yes", "no", "unknown")


class ChoiceSpec(_Model):
    id: Id
    label: Text | None = None  # required, except for a built-in answer
    synonyms: list[Text] = []

    @model_validator(mode="after")
    def _labelled(self) -> ChoiceSpec:
        if self.label is None and self.id not in BUILT_IN:
            raise ValueError(f"choice {self.id!r} needs a `label`")
        return self


class QuestionSpec(_Model):
    text: Text
    kind: Literal["text", "choice", "yesno"]
    choices: list[ChoiceSpec] = []
    # How a person finds the answer: said when they do not know it, before taking "unknown".
    find_out: Text | None = None
    # Offer only the choices that some rule still waiting for the answer names (a question
    # of many products shows the two that tell the articles left apart).
    narrow: bool = False
    # The knowledge base's articles as the choices, each labelled by what it describes:
    # the question that tells apart articles about one error that nothing else does.
    choices_from: Literal["articles"] | None = None
    # What people type to a text question: `advisor check` tests the patterns on them and
    # `advisor check --explore` answers with them.
    samples: list[Text] = []

    @model_validator(mode="after")
    def _choices_fit_kind(self) -> QuestionSpec:
        own = [c for c in self.choices if c.id not in BUILT_IN]
        if self.choices_from is not None:
            if self.kind != "choice" or own:
                raise ValueError("`choices_from` belongs to a choice question without choices")
        elif self.kind == "choice" and len(own) < 2:
            raise ValueError("a choice question needs at least two choices of its own")
        if self.kind == "text" and any(c.id != "unknown" for c in self.choices):
            raise ValueError("a text question has no choices (it may relabel `unknown`)")
        if self.kind == "yesno" and own:
            raise ValueError("a yes/no question's choices are yes, no and unknown")
        if self.kind == "choice" and any(c.id in ("yes", "no") for c in self.choices):
            raise ValueError("`yes` and `no` belong to yes/no questions")
        if self.kind != "text" and self.samples:
            raise ValueError("only a text question has samples")
        if self.narrow and self.kind != "choice":
            raise ValueError("only a choice question can `narrow` its choices")
        return self


MATCHERS = ("regex", "phrases", "message", "number")


class PatternSpec(_Model):
    """How facts are read from what a person writes (see `advisor.knowledge.model.Pattern`)."""

    id: Id
    regex: str | None = None
    phrases: list[Text] | None = None
    message: list[Text] | None = None
    number: Id | None = None  # the fact an error number is read into
    # A list of values: the words may mean any of them, and the person is asked which
    # ("dial-up" is MSN's own or another company's).
    set_: dict[Id, Id | list[Id]] = Field(default={}, alias="set")
    if_negated: dict[Id, Id] = {}
    # A reading by it answers the text question it is written under, as an error number or
    # message does: a pasted window's "Server Response:" names an error too.
    answers: bool = False

    @model_validator(mode="after")
    def _one_matcher(self) -> PatternSpec:
        given = [m for m in MATCHERS if getattr(self, m) is not None]
        if len(given) != 1:
            raise ValueError("a pattern has exactly one of `regex`, `phrases`, `message`, `number`")
        if self.if_negated and self.phrases is None:
            raise ValueError("`if_negated` belongs to a phrases pattern")
        if self.regex is not None:
            try:
                compiled = re.compile(self.regex)
            except re.error as exc:
                raise ValueError(f"regex does not compile: {exc}") from exc
            if not self.set_ and not compiled.groupindex:
                raise ValueError("a regex needs named groups (?P<fact>...) or a `set`")
        elif self.number is not None:
            if self.set_:
                raise ValueError("a number pattern sets the fact it reads, and no `set`")
        elif self.message is not None and not self.set_:
            raise ValueError("a message pattern needs a `set`")
        # A phrases pattern without `set` names words that say nothing ("send/receive"): the
        # shorter phrases inside them are then not read.
        return self


class FactSpec(_Model):
    describe: Text
    question: QuestionSpec | None = None
    values: dict[Id, Text] | None = None
    extract: list[PatternSpec] = []

    @model_validator(mode="after")
    def _consistent(self) -> FactSpec:
        if self.values is not None and self.question is not None:
            raise ValueError("a fact with a question takes its values from the choices")
        return self


class RuleSpec(_Model):
    id: Id
    when: When = Field(min_length=1)
    set_: dict[Id, Id] | None = Field(default=None, alias="set")
    conclude: Literal["applies", "not_applicable"] | None = None
    because: Text | None = None

    @model_validator(mode="after")
    def _one_result(self) -> RuleSpec:
        if (self.set_ is None) == (self.conclude is None):
            raise ValueError("a rule has either `set` or `conclude`, not both or neither")
        if self.conclude == "not_applicable" and self.because is None:
            raise ValueError("a rule that concludes not_applicable must say `because`")
        if self.because is not None and self.conclude != "not_applicable":
            raise ValueError("`because` belongs to a rule that concludes not_applicable")
        return self


class ItemSpec(_Model):
    id: Id
    step: Text | None = None
    note: Text | None = None
    warning: Text | None = None
    when: When = {}
    # What made the item conditional and could not be read as a condition (an import):
    # `advisor check` lists it until an author writes the `when` and removes the `todo`.
    todo: Text | None = None
    steps: list[ItemSpec] = []

    @model_validator(mode="after")
    def _one_kind(self) -> ItemSpec:
        kinds = [k for k in ("step", "note", "warning") if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError("an item has exactly one of `step`, `note` or `warning`")
        if self.steps and kinds[0] != "step":
            raise ValueError("only a step can have sub-steps")
        return self

    @property
    def kind(self) -> str:
        return "step" if self.step is not None else "note" if self.note is not None else "warning"

    @property
    def text(self) -> str:
        return self.step or self.note or self.warning or ""


class ResolutionSpec(_Model):
    symptoms: Text | None = None  # what the person sees, in the article's words
    cause: Text | None = None
    intro: Text | None = None
    steps: list[ItemSpec] = Field(min_length=1)
    workaround: Text | None = None
    more_information: Text | None = None


class ArticleSpec(_Model):
    id: Id
    title: Text
    source: Text
    modified: Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$")] | None = None
    applies_to: list[Text] = []
    # Facts that tell this article apart from others that recognise one of the same errors
    # (the product, its version, the operating system): asked only where they differ.
    distinguish: dict[Id, list[Id]] = {}
    # Where this article and another can both apply to the same facts, this one is given.
    takes_precedence_over: list[Id] = []
    # Texts this article is about, by the text fact they answer (the error as people paste it).
    samples: dict[Id, list[Text]] = {}


class SharedSpec(_Model):
    id: Id
    title: Text
    source: Text


ERROR_NUMBER = r"^0[xX][0-9A-Fa-f]{8}$"


class ErrorSpec(_Model):
    """An error message the article is about, as the program prints it, and its number."""

    id: Id
    message: Text | None = None
    number: Annotated[str, Field(pattern=ERROR_NUMBER)] | None = None
    when: When = {}  # what else must hold for the article to apply to this error

    @model_validator(mode="after")
    def _something(self) -> ErrorSpec:
        if self.message is None and self.number is None:
            raise ValueError("an error has a `message`, a `number` or both")
        return self


class ArticleFileSpec(_Model):
    """One article: the facts it needs, its rules and its resolution."""

    format: Literal["1"]
    article: ArticleSpec
    facts: dict[Id, FactSpec] = {}
    # The article applies when one of its errors is recognised (see `advisor.knowledge.errors`).
    errors: list[ErrorSpec] = []
    rules: list[RuleSpec] = []
    resolution: ResolutionSpec

    @model_validator(mode="after")
    def _applies_somehow(self) -> ArticleFileSpec:
        if not self.rules and not self.errors:
            raise ValueError("an article needs `rules`, `errors` or both")
        return self


class SharedFileSpec(_Model):
    """Facts, questions and derived facts that several articles use (a symptom's triage)."""

    format: Literal["1"]
    shared: SharedSpec
    facts: dict[Id, FactSpec] = {}
    rules: list[RuleSpec] = []


class AnswerSpec(_Model):
    label: Text
    phrases: list[Text] = Field(min_length=1)


class AnswersSpec(_Model):
    yes: AnswerSpec
    no: AnswerSpec
    unknown: AnswerSpec


class RecognitionSpec(_Model):
    accept: float = Field(gt=0, le=1)
    ask: float = Field(gt=0, le=1)

    @model_validator(mode="after")
    def _ordered(self) -> RecognitionSpec:
        if self.ask > self.accept:
            raise ValueError("`ask` is a lower score than `accept`")
        return self


class NegationsSpec(_Model):
    reaching: list[Text] = Field(min_length=1)  # up to three words ahead
    next: list[Text] = []  # only the word right after
    past: list[Text] = []  # what the person had, not what they have


class LanguageFileSpec(_Model):
    """The everyday words every knowledge base understands (see `model.Language`)."""

    format: Literal["1"]
    language: SharedSpec
    answers: AnswersSpec
    negations: NegationsSpec
    optional: list[Text] = []
    joining: list[Text] = []
    doubting: list[Text] = []
    correcting: list[Text] = []
    working: list[Text] = []
    asking: list[Text] = []
    filler: list[Text] = []
    weak: list[Text] = []
    greetings: list[Text] = []
    thanks: list[Text] = []
    help: list[Text] = []
    confusions: dict[
        Annotated[str, Field(min_length=1, max_length=1)],
        Annotated[str, Field(pattern=r"^[0-9a-fA-F]$")],
    ] = {}
    recognition: RecognitionSpec
