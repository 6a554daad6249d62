"""An article's `errors`, compiled into the patterns and rules that recognise them.

An article that lists the error messages it is about (as the program prints them, with the
number they carry) needs no hand-written rule to apply: it applies when one of its errors
is recognised in what the person typed. The knowledge base answers the error question with
three facts: `error_text` (the question, a text), `error_message` (which message it is) and
`error_number` (read by a `number` pattern).

Many articles quote the same message, and many messages carry the same number. A wording
becomes one pattern, however many articles quote it (and however they space or mark it).
An article recognised by a number alone does not apply when the message recognised is
another article's with that number.
Where several articles share an error, the facts of their `distinguish` that differ between
them become conditions, so the question that tells them apart is asked; "I don't know"
keeps them all.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from advisor.knowledge import schema
from advisor.knowledge.model import UNKNOWN, Condition, Pattern, Rule, words
from advisor.knowledge.rulefile import RuleFile

ERROR_TEXT, ERROR_MESSAGE, ERROR_NUMBER = "error_text", "error_message", "error_number"
_PLACEHOLDER = re.compile(r"<[^<>]*>")
SAMPLE_NAME = "sample"  # stands for a placeholder's name, file or number in a sample text
LABEL = 110  # the most characters of an article's description as a choice


@dataclass(frozen=True)
class Quoted:
    """One error of one article, where it is written (for reports)."""

    article: str
    error: schema.ErrorSpec
    where: tuple[RuleFile, tuple[str | int, ...]]  # where it is written


@dataclass
class Compiled:
    patterns: list[Pattern] = field(default_factory=list)
    values: dict[str, str] = field(default_factory=dict)  # error_message value -> its text
    rules: list[Rule] = field(default_factory=list)
    # where each rule and pattern comes from, by id
    where: dict[str, tuple[RuleFile, tuple[str | int, ...]]] = field(default_factory=dict)
    samples: dict[str, list[str]] = field(default_factory=dict)  # article -> its messages


def compile_errors(
    quoted: Iterable[Quoted],
    distinguish: Mapping[str, Mapping[str, tuple[str, ...]]],
    conditions: Callable[[Quoted], tuple[Condition, ...]],
    filler: frozenset[str] = frozenset(),
    situation: str | None = None,
) -> Compiled:
    """The patterns, message values and rules for every article's errors.

    `distinguish` gives each article's distinguishing facts; `conditions` turns an error's
    own `when` into conditions (checked by the loader); `filler` are the words that carry no
    meaning in a message (the language's); `situation` is the fact whose choices are the
    articles, asked where nothing else tells two articles apart.
    """
    quoted = list(quoted)
    out = Compiled()
    key_of: dict[str, str] = {}  # a wording, as `_same` compares them -> its value
    message_of: dict[int, str] = {}
    for n, q in enumerate(quoted):
        if q.error.message is None:
            continue
        wording = _same(q.error.message, filler)
        key = key_of.get(wording)
        if key is None:
            key = key_of[wording] = f"{q.article}.{q.error.id}"
            out.values[key] = q.error.message
            out.patterns.append(
                Pattern(
                    id=f"{ERROR_TEXT}/{key}",
                    source=ERROR_TEXT,
                    kind="message",
                    sets=((ERROR_MESSAGE, key),),
                    phrases=(q.error.message,),
                )
            )
            out.where[out.patterns[-1].id] = (q.where[0], (*q.where[1], "message"))
        message_of[n] = key
        # A person's message has a name where the article has a placeholder.
        sample = _PLACEHOLDER.sub(SAMPLE_NAME, q.error.message)
        out.samples.setdefault(q.article, []).append(sample)

    # Who recognises what: a message value, or a number.
    sharing: dict[tuple[str, str], set[str]] = {}
    for n, q in enumerate(quoted):
        if n in message_of:
            sharing.setdefault((ERROR_MESSAGE, message_of[n]), set()).add(q.article)
        if q.error.number is not None:
            sharing.setdefault((ERROR_NUMBER, _number(q.error.number)), set()).add(q.article)
    # For each number, the messages that carry it, by article.
    carried: dict[str, dict[str, set[str]]] = {}
    for n, q in enumerate(quoted):
        if n in message_of and q.error.number is not None:
            by_article = carried.setdefault(_number(q.error.number), {})
            by_article.setdefault(q.article, set()).add(message_of[n])

    for n, q in enumerate(quoted):
        own = conditions(q)
        if n in message_of:
            rivals = sharing[(ERROR_MESSAGE, message_of[n])]
            told = _told_apart(q.article, rivals, distinguish, situation)
            head = Condition(ERROR_MESSAGE, frozenset({message_of[n]}))
            _add(out, q, "", (head, *told, *own))
        if q.error.number is not None:
            number = _number(q.error.number)
            rivals = sharing[(ERROR_NUMBER, number)]
            told = _told_apart(q.article, rivals, distinguish, situation)
            others = {
                m
                for article, messages in carried.get(number, {}).items()
                if article != q.article
                for m in messages
            }
            head = Condition(ERROR_NUMBER, frozenset({number}))
            rest = (Condition(ERROR_MESSAGE, frozenset(others), negated=True),) if others else ()
            _add(out, q, "-number", (head, *rest, *told, *own))
    return out


def _same(message: str, filler: frozenset[str]) -> str:
    """What two quotations of one message have in common: the same words, however they are
    spaced ("log on", "logon") or punctuated, with or without the words that carry no
    meaning ("File is in use by another."), whatever their placeholders are called."""
    text = words(_PLACEHOLDER.sub(" ", message))
    return "".join(w for w in text.split() if w not in filler)


def _number(text: str) -> str:
    return "0x" + text[2:].upper()


def _add(out: Compiled, q: Quoted, suffix: str, when: tuple[Condition, ...]) -> None:
    rule = Rule(f"{q.article}/error-{q.error.id}{suffix}", q.article, when, conclude="applies")
    out.rules.append(rule)
    out.where[rule.id] = q.where


def _told_apart(
    article: str,
    rivals: set[str],
    distinguish: Mapping[str, Mapping[str, tuple[str, ...]]],
    situation: str | None,
) -> tuple[Condition, ...]:
    """The conditions that tell `article` apart from the others that share an error: each
    fact of its `distinguish` whose answer would rule out a rival no fact before it rules
    out (their values have nothing in common), and, for the rivals none of them rules out,
    which article's situation the person is in."""
    mine = distinguish.get(article, {})
    others = [distinguish.get(r, {}) for r in sorted(rivals) if r != article]
    told = []
    apart: set[int] = set()  # the rivals a condition so far rules out
    for fact, values in mine.items():
        ruled_out = {
            n
            for n, other in enumerate(others)
            if fact in other and not set(other[fact]) & set(values)
        }
        if ruled_out - apart:
            told.append(Condition(fact, frozenset({*values, UNKNOWN})))
            apart |= ruled_out
    if len(apart) < len(others) and situation is not None:
        told.append(Condition(situation, frozenset({article, UNKNOWN})))
    return tuple(told)


def describe(article: str, title: str, symptoms: str | None) -> str:
    """How a person recognises an article among others about the same error: the first
    sentence of what it says they see (else its title), and its id."""
    text = " ".join((symptoms or title).split())
    first = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0].rstrip(":,;. ")
    if len(first) > LABEL:
        first = first[: LABEL - 1].rsplit(" ", 1)[0] + "…"
    return f"{first} ({article})"
