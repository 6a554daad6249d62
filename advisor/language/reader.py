"""Reading facts from anything a person writes, at any question.

Every pattern of the knowledge base reads every text: error numbers and messages, the
fields of a pasted error dialog, and what people say in passing ("XP home, cable modem").
A phrase after a negation is not read as said ("I don't use MSN"), nor is anything in a
question the person asks back ("is that the LAN?"), except the error they quote.

When one text gives a fact two values, the longer phrase wins over one inside it
("Windows 98 SE" over "Windows 98"), the pasted dialog's fields over words in passing, for
a yes or no what follows "but" ("Norton is on, but email scanning is off"), a part of a
sentence about the problem over one that says something works ("at home I dial into MSN and
it works, the error is on the office network"), and otherwise the fact is left unread: a
guess between two things a person said is worse than a question.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from advisor.knowledge.model import Knowledge, Pattern
from advisor.language import numbers
from advisor.language.messages import Messages
from advisor.language.phrases import Found, Negated, Negations, Phrases
from advisor.language.text import Word, Words, excerpt, split

ACTS = ("help", "thanks", "greeting")  # the first found is what the person does
MOST_TIED = 6  # messages that fit as well, offered to choose from


@dataclass(frozen=True)
class Reading:
    """A fact read from a text: by which pattern, from which words."""

    fact: str
    value: str
    by: str  # the pattern's id
    said: str  # the words it was read from
    start: int = 0  # where those words stand in the text
    end: int = 0
    sure: bool = True  # False: close to a known message or number; ask before taking it
    tier: int = 1  # 0: the answer to a text question (a pasted dialog's fields)

    def inside(self, other: Reading) -> bool:
        return (
            other.start <= self.start
            and self.end <= other.end
            and (self.start, self.end) != (other.start, other.end)
        )


@dataclass
class Read:
    """What one text says: facts, facts it only resembles, and what the person does."""

    words: Words
    readings: list[Reading] = field(default_factory=list)  # sure, one per fact
    doubts: list[Reading] = field(default_factory=list)  # "Did you mean ...?"
    conflicts: dict[str, set[str]] = field(default_factory=dict)  # a fact said two ways
    act: str | None = None  # greeting, thanks or help
    dont_know: tuple[int, int] | None = None  # the words that say "I don't know"
    doubting: bool = False  # "I don't know if ...": what follows is not known
    negated: Negated | None = None
    asked: frozenset[int] = frozenset()  # the parts of sentences that ask rather than say
    phrases: list[Found[str]] = field(default_factory=list)  # the patterns' phrases found
    # The words each pattern phrase found reads facts from, and those facts: a "no" inside
    # "no antivirus" is not the answer to another question.
    owned: list[tuple[int, int, frozenset[str]]] = field(default_factory=list)
    correcting: bool = False  # "sorry, I meant ...": it corrects what was said before
    working: frozenset[int] = frozenset()  # the parts of sentences that say something works

    def negates(self, found: Found[Any]) -> bool:
        """Whether a phrase is negated: by a negation before it, or by being part of a
        longer phrase that is ("MSN" in "I do not send mail through MSN")."""
        return found.negated or any(
            p.negated and p.first <= found.first and found.last <= p.last for p in self.phrases
        )

    def asks(self, index: int) -> bool:
        """Whether word `index` is in a part of a sentence that asks ("is that the LAN?")."""
        return self.words.items[index].clause in self.asked

    @property
    def only_asks(self) -> bool:
        """Whether the whole message asks back rather than answers."""
        return bool(self.words.items) and all(self.asks(i) for i in range(len(self.words.items)))

    def of(self, fact: str) -> Reading | None:
        return next((r for r in self.readings if r.fact == fact), None)

    def owned_by_other(self, found: Found[Any], fact: str) -> bool:
        """Whether a phrase's words are part of what a pattern reads about another fact."""
        return any(
            first <= found.first and found.last <= last and fact not in facts
            for first, last, facts in self.owned
        )

    def works(self, index: int) -> bool:
        """Whether word `index` is in a part of a sentence that says something works."""
        return self.words.items[index].clause in self.working

    def after_but(self, reading: Reading) -> bool:
        """Whether a reading follows a word such as "but"."""
        word = self.words.at(reading.start)
        return word is not None and word.contrast > 0

    def weight(self, reading: Reading, contrast: bool) -> tuple[int, int]:
        """How much a reading counts against another of the same fact: not in a part of a
        sentence that says something works, then (when `contrast` counts) after more words
        such as "but"."""
        word = self.words.at(reading.start)
        if word is None:
            return (1, 0)
        return (int(word.clause not in self.working), word.contrast if contrast else 0)


class Reader:
    """The patterns of a knowledge base, compiled once, reading one text at a time."""

    def __init__(self, knowledge: Knowledge) -> None:
        self.knowledge = knowledge
        language = knowledge.language
        self.filler = language.filler
        patterns = [p for f in knowledge.facts.values() for p in f.patterns]
        self.patterns = {p.id: p for p in patterns}
        self._regexes = [p for p in patterns if p.kind == "regex"]
        self._numbers = [p for p in patterns if p.kind == "number"]
        self.optional = language.optional
        self._phrases: Phrases[str] = Phrases(
            ((ph, p.id) for p in patterns if p.kind == "phrases" for ph in p.phrases),
            self.optional,
        )
        self._messages: Messages[str] = Messages(
            ((ph, p.id) for p in patterns if p.kind == "message" for ph in p.phrases),
            self.filler,
            language.weak,
            language.ask,
        )
        self.negations = Negations(
            language.negations,
            language.tight_negations,
            language.past,
            self.optional,
            language.joining,
        )
        self.asking = language.asking
        self.dont_know: Phrases[str] = Phrases(
            ((ph, "unknown") for ph in language.unknown.synonyms), self.optional
        )
        self._marks: Phrases[str] = Phrases(
            [
                *((ph, "correcting") for ph in language.correcting),
                *((ph, "working") for ph in language.working),
            ],
            self.optional,
        )
        self._acts: Phrases[str] = Phrases(
            [
                *((ph, "greeting") for ph in language.greetings),
                *((ph, "thanks") for ph in language.thanks),
                *((ph, "help") for ph in language.help),
            ],
            frozenset(),
        )
        self._reads = {
            p.id: frozenset(fact for fact, _ in (*p.sets, *p.if_negated)) for p in patterns
        }
        self._values = {p.id: Counter(fact for fact, _ in p.sets) for p in patterns}
        texts = {f.id for f in knowledge.facts.values() if _asks_text(knowledge, f.id)}
        self._tier = {p.id: 0 if p.source in texts else 1 for p in patterns}

    def read(self, text: str) -> Read:
        read, found = self._found(text)
        self._settle(read, found)
        acts = {f.key for f in self._acts.find(read.words)}
        read.act = next((a for a in ACTS if a in acts), None)
        return read

    def matching(self, text: str) -> set[str]:
        """The patterns that match a text, before one value is settled for each fact (and
        phrases that say nothing, which keep the phrases inside them from being read)."""
        read, found = self._found(text)
        phrases = self._phrases.find(read.words) if self._phrases else []
        return {r.by for r in found} | {f.key for f in phrases}

    def _found(self, text: str) -> tuple[Read, list[Reading]]:
        words = split(text)
        read = Read(words)
        starts: dict[int, Word] = {}
        for w in words.items:
            starts.setdefault(w.sentence, w)
        read.asked = frozenset(n for n, w in starts.items() if w.asks and w.text in self.asking)
        dont_know = _longest(self.dont_know.find(words))
        marks = self._marks.find(words)
        read.correcting = any(m.key == "correcting" for m in marks)
        read.working = frozenset(words.items[m.first].clause for m in marks if m.key == "working")
        # The negations in "not sure" and "wait no" negate nothing that follows.
        ignore = {i for m in marks if m.key == "correcting" for i in range(m.first, m.last + 1)}
        if dont_know is not None:
            read.dont_know = (dont_know.first, dont_know.last)
            ignore.update(range(dont_know.first, dont_know.last + 1))
            after = dont_know.last + 1
            doubting = self.knowledge.language.doubting
            read.doubting = after < len(words.items) and words.items[after].text in doubting
        phrases = self._phrases.find(words) if self._phrases else []
        read.negated = self.negations.within(words, frozenset(ignore), phrases)
        read.phrases = Phrases.mark(phrases, read.negated)
        read.owned = [
            (f.first, f.last, self._reads[f.key]) for f in read.phrases if self._reads[f.key]
        ]
        found = [
            *self._read_numbers(text),
            *self._read_messages(words),
            *self._read_regexes(text, read),
            *self._read_phrases(read, read.phrases),
        ]
        return read, found

    # -- the four kinds of pattern ------------------------------------------------------

    def _read_numbers(self, text: str) -> Iterable[Reading]:
        confusions = self.knowledge.language.confusions
        for p in self._numbers:
            assert p.reads is not None
            known = self.knowledge.known_values.get(p.reads, frozenset())
            for n in numbers.find(text, confusions, known):
                said = excerpt(text[n.start : n.end])
                yield Reading(p.reads, n.value, p.id, said, n.start, n.end, n.sure, tier=0)

    def _read_messages(self, words: Words) -> Iterable[Reading]:
        language = self.knowledge.language
        recognised = self._messages.recognise(words) if self._messages else []
        given: set[str] = set()
        for n, r in enumerate(recognised):  # best first: a fact takes the closest message
            if r.score < language.ask:
                break
            p = self.patterns[r.key]
            facts = {fact for fact, _ in p.sets}
            if given & facts:
                continue
            given.update(facts)
            # Messages that fit it as well (thousands of articles quote many variants of
            # one message): none is taken, the person is asked which.
            rivals = [
                o
                for o in recognised[n + 1 :]
                if o.rank == r.rank and facts & {f for f, _ in self.patterns[o.key].sets}
            ]
            tied = [r, *rivals][:MOST_TIED]
            for t in tied:
                start, end = words.items[t.first].start, words.items[t.last].end
                said = words.quote(t.first, t.last)
                sure = t.score >= language.accept and len(tied) == 1
                for fact, value in self.patterns[t.key].sets:
                    yield Reading(fact, value, t.key, said, start, end, sure, tier=0)

    def _read_regexes(self, text: str, read: Read) -> Iterable[Reading]:
        for p in self._regexes:
            assert p.regex is not None
            match = p.regex.search(text)
            if match is None:
                continue
            tier = self._tier[p.id]
            if tier and not self._said(read, match.start(), match.end()):
                continue
            said = excerpt(match.group())
            for fact, value in p.sets:
                yield Reading(fact, value, p.id, said, match.start(), match.end(), tier=tier)
            for name, value in match.groupdict().items():
                if value and value.strip():
                    start, end = match.span(name)
                    clean = " ".join(value.split())
                    yield Reading(name, clean, p.id, excerpt(clean), start, end, tier=tier)

    def _said(self, read: Read, start: int, end: int) -> bool:
        """Whether words in passing at start..end are said as they are: not asked about,
        negated (before them or among them: "my antivirus never scans outgoing mail"), or
        what the person had."""
        items = read.words.items
        index = next((i for i, w in enumerate(items) if w.end > start), None)
        if index is None:
            return True
        last = max(index, max((i for i, w in enumerate(items) if w.start < end), default=index))
        negated = read.negated
        if negated is not None:
            if negated(index) or negated.past(index):
                return False
            if any(index <= n.first <= last and n.key != "past" for n in negated.spans):
                return False
        return not read.asks(index)

    def _read_phrases(self, read: Read, found: list[Found[str]]) -> Iterable[Reading]:
        words = read.words
        # A phrase inside a longer one is part of it: "MSN" in "MSN dial-up" is how they
        # connect, not their mail service.
        found = [f for f in found if not any(o.covers(f) for o in found)]
        for f in found:
            p = self.patterns[f.key]
            if f.past or (self._tier[p.id] and read.asks(f.first)):
                continue
            first = f.first
            negation = None
            if f.negated and read.negated and p.if_negated != p.sets:
                negation = read.negated.by(f.first, f.last)
            if negation is not None and negation.first < first:
                first = negation.first  # "turned off email scanning", not "email scanning"
            start, end = words.items[first].start, words.items[f.last].end
            said = words.quote(first, f.last)
            for fact, value in p.if_negated if f.negated else p.sets:
                yield Reading(fact, value, p.id, said, start, end, tier=self._tier[p.id])

    # -- one value per fact -------------------------------------------------------------

    def _settle(self, read: Read, found: list[Reading]) -> None:
        by_fact: dict[str, list[Reading]] = {}
        for r in found:
            by_fact.setdefault(r.fact, []).append(r)
        for fact, readings in by_fact.items():
            sure = [r for r in readings if r.sure]
            if not sure:
                # Only a resemblance (ask about it), or several that fit as well (ask which).
                read.doubts.extend(readings)
                continue
            best_tier = min(r.tier for r in sure)
            kept = [r for r in sure if r.tier == best_tier]
            kept = [r for r in kept if not any(r.inside(o) and r.value != o.value for o in kept)]
            # Words that may mean several values ("a modem") give way to words that mean one
            # of them ("dial into MSN with a modem").
            vague = {r for r in kept if self._values[r.by].get(fact, 0) > 1}
            if vague and len(vague) < len(kept):
                kept = [r for r in kept if r not in vague]
            if len({r.value for r in kept}) > 1:
                # "But" settles a yes or no ("Norton is on, but it does not scan mail"); two
                # choices ("the office LAN, but MSN dial-up at home") are two things had.
                question = self.knowledge.facts[fact].question
                contrast = question is not None and question.kind == "yesno"
                heaviest = max(read.weight(r, contrast) for r in kept)
                kept = [r for r in kept if read.weight(r, contrast) == heaviest]
            values = {r.value for r in kept}
            if len(values) == 1:
                read.readings.append(kept[0])
            else:
                read.conflicts[fact] = values


def _contracted(word: str) -> bool:
    return "'" in word or "’" in word


def _longest(found: list[Found[str]]) -> Found[str] | None:
    return max(found, key=lambda f: (f.last - f.first, -f.first), default=None)


def _asks_text(knowledge: Knowledge, fact: str) -> bool:
    question = knowledge.facts[fact].question
    return question is not None and question.kind == "text"


def recognises(knowledge: Knowledge, pattern: Pattern) -> bool:
    """Whether a pattern recognises the answer of the text question it is written under
    (an error number or message), rather than something said in passing."""
    answers = pattern.answers or pattern.kind in ("number", "message")
    return answers and _asks_text(knowledge, pattern.source)
