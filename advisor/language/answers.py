"""An answer to the question being asked: the choice it means, "I don't know", or nothing.

People answer with a choice's number or label, with another word for it ("XP home"), in a
sentence ("it's an old 98 machine"), with a negation ("not MSN" leaves the other choice), with
a hedge ("I think 98"), or by saying they do not know ("dunno"). A value the knowledge base's
patterns read for the question's fact counts too. Two different choices in one answer are
not guessed between: the person is asked which one.
"""

from __future__ import annotations

from dataclasses import dataclass

from advisor.knowledge.model import UNKNOWN, Choice, Question
from advisor.language.phrases import Found, Phrases
from advisor.language.reader import Read
from advisor.language.text import Words, phrase_words


@dataclass(frozen=True)
class Answer:
    value: str | None  # a choice id ("unknown" included), or None: not understood
    picked: bool = False  # its number, id or label itself: chosen rather than read
    said: str = ""  # the words it was read from
    by: str | None = None  # the pattern that read it, when a pattern did
    candidates: tuple[str, ...] = ()  # what the answer could mean, when it is not one thing
    # The words (first, last) the answer was found in: they are not read again as facts
    # said in passing ("comcast" answers how you connect; it is not also your mail service).
    spans: tuple[tuple[int, int], ...] = ()


def _short(phrase: str) -> bool:
    """A word of one or two letters ("me", "y", "ok") is an answer only on its own or first:
    inside a sentence it is an ordinary word ("98" is not a word: it counts anywhere)."""
    words = phrase_words(phrase)
    return len(words) == 1 and len(words[0]) <= 2 and words[0].isalpha()


def _opening(words: Words, found: Found[str]) -> bool:
    """Whether a phrase opens the answer: one word ("yeah a 3Com card"), or several that end
    their part of the sentence ("I have, yes", but not "I have no network card")."""
    items = words.items
    return found.first == 0 and (
        found.last == 0
        or found.last + 1 == len(items)
        or items[found.last + 1].clause != items[found.last].clause
    )


# What answers a question: phrases said anywhere, phrases said alone, whole answers, and the
# choices picked outright by their number, id or label.
_Compiled = tuple[Phrases[str], Phrases[str], dict[str, str], dict[str, str]]


def _picks(question: Question) -> dict[str, str]:
    """A choice's number, id or label typed as the whole answer picks it; the first choice
    that a text names wins."""
    picks: dict[str, str] = {}
    for number, c in enumerate(question.choices, 1):
        for said in (" ".join(phrase_words(c.id)), " ".join(phrase_words(c.label)), str(number)):
            picks.setdefault(said, c.id)
    return picks


class Answers:
    """Understands answers to the questions of one knowledge base."""

    def __init__(self, yes: Choice, no: Choice, unknown: Choice, optional: frozenset[str]) -> None:
        self.built_in = {c.id: c for c in (yes, no, unknown)}
        self.optional = optional
        self._compiled: dict[tuple[str, ...], _Compiled] = {}

    def phrases(self, question: Question) -> list[tuple[str, str, bool]]:
        """Every (phrase, choice id, opening) that answers a question, with the language's
        own. An opening phrase answers only at the start of the answer, ending its part of
        the sentence: "yes", "I have" ("I have no network card" is not "I have")."""
        entries = []
        for c in question.choices:
            # "unknown" names the answer in data; typed, it is an ordinary word ("an unknown
            # error"): the language's phrases say "I don't know".
            named = [(c.id, c.id)] if c.id != UNKNOWN else []
            for text, choice in [*named, (c.label, c.id), *((s, c.id) for s in c.synonyms)]:
                entries.append((text, choice, _short(text)))
            if c.id in self.built_in:
                said = self.built_in[c.id].synonyms
                entries += [(p, c.id, c.id != UNKNOWN or _short(p)) for p in said]
        return entries

    def answer(self, question: Question, read: Read, *, loose: bool = True) -> Answer:
        """The answer `read` gives to `question`. Not `loose`: "I don't know" counts only as
        the whole answer (a text question's answer may say it in passing)."""
        anywhere, alone, whole, numbered = self._compile(question)
        words = read.words
        said = " ".join(words.folded)
        everything = words.quote(0, len(words.items) - 1) if words.items else ""
        every = ((0, len(words.items) - 1),) if words.items else ()
        picked = numbered.get(said)
        if picked is not None:
            return Answer(picked, picked=True, said=everything, spans=every)
        if said in whole:
            return Answer(whole[said], said=everything, spans=every)
        if not said and words.text.strip() in whole:  # "?" and other punctuation
            return Answer(whole[words.text.strip()], said=everything)
        found = anywhere.find(words, read.negated)
        found += [f for f in alone.find(words, read.negated) if _opening(words, f)]
        found = [f for f in found if not self._in_dont_know(read, f) and not f.past]
        # "No" in "no antivirus" answers nothing about a network card (but "MSN" in "MSN
        # dial-up" does name the mail service).
        found = [
            f
            for f in found
            if f.key not in self.built_in or not read.owned_by_other(f, question.fact)
        ]
        found = [f for f in found if not any(o.covers(f) for o in found)]
        spans = tuple((f.first, f.last) for f in found)
        positive = {f.key: f for f in found if not read.negates(f) and f.key != UNKNOWN}
        problem = {k: f for k, f in positive.items() if not read.works(f.first)}
        if problem and len(problem) < len(positive):  # "... and it works, the error is ..."
            positive = problem
        negative = {f.key for f in found if read.negates(f)}
        reading = read.of(question.fact)
        if reading is not None and reading.value != UNKNOWN:
            positive.setdefault(reading.value, Found(reading.value, 0, len(words.items) - 1))
        values = set(positive) | read.conflicts.get(question.fact, set())
        doubtful = any(f.key == UNKNOWN for f in found) or (
            read.dont_know is not None and (loose or (read.dont_know,) == every)
        )
        asking = read.act == "help" or read.only_asks
        if read.doubting:  # "I don't know if it scans": what it names is what is not known
            return Answer(UNKNOWN, said=everything, spans=every)
        if question.kind == "yesno" and not asking:
            opening = [f for f in found if f.first == 0 and f.key in ("yes", "no")]
            if len(opening) == 1 and not read.negates(opening[0]):  # "no, but I have ZoneAlarm"
                if (
                    reading is not None
                    and reading.value != opening[0].key
                    and read.after_but(reading)
                ):
                    # "No firewall, but ZoneAlarm is installed": what follows "but" answers.
                    return Answer(reading.value, said=reading.said, by=reading.by, spans=spans)
                return Answer(opening[0].key, said=everything, spans=spans)
        if len(values) == 1 and not asking:
            (value,) = values
            by = reading.by if reading is not None and reading.value == value else None
            quote = words.quote(positive[value].first, positive[value].last) if by is None else ""
            said_it = quote or (reading.said if reading else everything)
            return Answer(value, said=said_it, by=by, spans=spans)
        if len(values) > 1 and not asking:
            candidates = self._ordered(question, values)
            return Answer(None, said=everything, candidates=candidates, spans=spans)
        if doubtful:
            return Answer(UNKNOWN, said=everything, spans=every)
        if asking:
            return Answer(None, said=everything)
        if negative:
            return self._rest(question, negative, everything, spans)
        # "We never installed one": a negation alone answers a yes/no question "no", when
        # the message says nothing else.
        if question.kind == "yesno" and read.negated and not read.readings:
            return Answer("no", said=everything, spans=every)
        if question.kind == "choice" and question.narrow:
            named = self._by_words(question, words)
            if named is not None:
                return Answer(named, said=everything, spans=every)
        return Answer(None, said=everything)

    def _by_words(self, question: Question, words: Words) -> str | None:
        """The one choice whose label alone has the words the answer names, among the few
        a narrowed question offers ("the archive one" of two messages that differ in it)."""
        labels = {
            c.id: set(phrase_words(c.label)) for c in question.choices if c.id not in self.built_in
        }
        votes = set()
        for word in words.folded:
            holders = [choice for choice, own in labels.items() if word in own]
            if len(holders) == 1:
                votes.add(holders[0])
        return votes.pop() if len(votes) == 1 else None

    # -- pieces -------------------------------------------------------------------------

    def _compile(self, question: Question) -> _Compiled:
        key = (question.fact, *(c.id for c in question.choices))
        compiled = self._compiled.get(key)
        if compiled is None:
            entries = self.phrases(question)
            whole = {" ".join(phrase_words(p)) or p.strip(): c for p, c, _ in entries}
            anywhere = Phrases([(p, c) for p, c, first in entries if not first], self.optional)
            alone = Phrases([(p, c) for p, c, first in entries if first], frozenset())
            compiled = self._compiled[key] = (anywhere, alone, whole, _picks(question))
        return compiled

    @staticmethod
    def _in_dont_know(read: Read, found: Found[str]) -> bool:
        if read.dont_know is None:
            return False
        first, last = read.dont_know
        return first <= found.first and found.last <= last

    @staticmethod
    def _ordered(question: Question, values: set[str]) -> tuple[str, ...]:
        return tuple(c.id for c in question.choices if c.id in values)

    def _rest(
        self, question: Question, negative: set[str], said: str, spans: tuple[tuple[int, int], ...]
    ) -> Answer:
        """ "Not X": what is left when X is ruled out ("not MSN" of MSN or another service)."""
        if question.kind == "yesno" and "yes" in negative:
            return Answer("no", said=said, spans=spans)
        rest = [c.id for c in question.choices if c.id not in negative and c.id != UNKNOWN]
        if len(rest) == 1:
            return Answer(rest[0], said=said, spans=spans)
        return Answer(None, said=said, candidates=tuple(rest), spans=spans)
