"""Finding a knowledge base's phrases in what a person typed, as people type them.

A phrase is found when its words follow one another in the text, filler words ("a", "the")
skipped on both sides. A word of five letters or more may carry one typo ("conection"),
of nine or more two; words with digits must be exact ("95" is not "98"). A word may be
split or joined ("dial up", "dial-up", "dialup"; "win 98", "win98"). Each phrase found says
whether a negation stands before it in the same part of the sentence ("I don't use MSN").
"""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from rapidfuzz import process
from rapidfuzz.distance import OSA

from advisor.language.text import Word, Words, phrase_words

K = TypeVar("K", bound=Hashable)

# How far back a negation reaches: "never" in "we never send anything through MSN" reaches
# "MSN" (four words, not counting "a" or "or"; measured on the labelled utterances).
REACH = 4


def allowed_typos(word: str) -> int:
    """How many typos a word of the knowledge base may be typed with."""
    if not word.isalpha() or len(word) < 5:
        return 0
    return 1 if len(word) < 9 else 2


@dataclass(frozen=True)
class Found(Generic[K]):
    """A phrase found in a text: what it stands for, and the words it covers."""

    key: K
    first: int  # index of its first and last word in `Words.items`
    last: int
    negated: bool = False  # a negation stands before it ("not MSN")
    past: bool = False  # it is what the person had ("I used to have MSN")

    def covers(self, other: Found[Any]) -> bool:
        """Whether this phrase spans the other one and more (the longer phrase wins)."""
        return (
            self.first <= other.first
            and other.last <= self.last
            and (self.first, self.last) != (other.first, other.last)
        )


@dataclass(frozen=True)
class _Phrase(Generic[K]):
    words: tuple[str, ...]
    key: K
    exact: bool  # its optional words must be typed too


class Phrases(Generic[K]):
    """A set of phrases, each standing for a key, ready to be found in texts.

    `optional` words ("a", "the") may be typed or left out, on either side; a phrase that
    would be one word without them ("the office") is matched as written.
    """

    def __init__(self, phrases: Iterable[tuple[str, K]], optional: frozenset[str]) -> None:
        self.optional = optional
        self._by_first: dict[str, list[_Phrase[K]]] = {}
        for text, key in phrases:
            words = phrase_words(text)
            if not words:
                continue
            core = tuple(w for w in words if w not in optional)
            exact = len(core) <= 1 and len(core) < len(words)
            if not exact:
                words = words[words.index(core[0]) :]  # it starts at its first own word
            phrase = _Phrase(words, key, exact)
            self._by_first.setdefault(words[0], []).append(phrase)
            if len(words) > 1:  # typed as one word: "dialup", "windows98"
                self._by_first.setdefault(words[0] + words[1], []).append(phrase)
        self._typos = Typos(self._by_first)

    def __bool__(self) -> bool:
        return bool(self._by_first)

    def find(self, words: Words, negated: Negated | None = None) -> list[Found[K]]:
        """Every phrase in the text (longer and shorter ones alike), each marked when a
        negation, or a word for the past, stands before it."""
        items = words.items
        found: dict[tuple[K, int, int], Found[K]] = {}
        for index, word in enumerate(items):
            joined = word.text + items[index + 1].text if index + 1 < len(items) else ""
            for first in self._firsts(word, joined):
                for phrase in self._by_first[first]:
                    end = self._match(phrase, items[index : index + 2 * len(phrase.words) + 2])
                    if end is not None:
                        key = (phrase.key, index, index + end - 1)
                        if key not in found:
                            no = negated is not None and negated(index)
                            past = negated is not None and negated.past(index)
                            found[key] = Found(phrase.key, index, index + end - 1, no, past)
        return list(found.values())

    @staticmethod
    def mark(found: Iterable[Found[K]], negated: Negated) -> list[Found[K]]:
        """The phrases, each marked when a negation or a word for the past stands before it."""
        return [
            dataclasses.replace(
                f, negated=negated(f.first, f.last), past=negated.past(f.first, f.last)
            )
            for f in found
        ]

    def _firsts(self, word: Word, joined: str) -> set[str]:
        firsts = {w for w in (word.text, word.base, joined) if w in self._by_first}
        firsts.update(self._typos.of(word.text))
        return firsts

    def _match(self, phrase: _Phrase[K], typed: Sequence[Word]) -> int | None:
        """How many typed words the phrase takes from the start of `typed` (None: no match)."""
        words, optional = phrase.words, self.optional
        p = t = 0
        while p < len(words):
            word = typed[t] if t < len(typed) else None
            if word is None:
                if phrase.exact or not all(w in optional for w in words[p:]):
                    return None
                break
            if same(word, words[p]):
                p, t = p + 1, t + 1
            elif t + 1 < len(typed) and word.text + typed[t + 1].text == words[p]:
                p, t = p + 1, t + 2  # typed split: "dial up" for "dialup"
            elif p + 1 < len(words) and word.text == words[p] + words[p + 1]:
                p, t = p + 2, t + 1  # typed joined: "win98" for "win 98"
            elif not phrase.exact and words[p] in optional:
                p += 1  # "without network card" for "without a network card"
            elif not phrase.exact and t > 0 and word.text in optional:
                t += 1  # "never installed any antivirus" for "never installed antivirus"
            else:
                return None
        return t


class Typos:
    """For a vocabulary: the words a typed word may be a typo of (same first letter, and
    within the typos `allowed_typos` gives the vocabulary's word)."""

    CACHED = 50_000

    def __init__(self, vocabulary: Iterable[str]) -> None:
        # By first letter and length: a word two letters longer or shorter is at least two
        # edits away, so only these few buckets are compared, however large the vocabulary.
        self._buckets: dict[tuple[str, int], list[str]] = {}
        for w in vocabulary:
            if allowed_typos(w):
                self._buckets.setdefault((w[0], len(w)), []).append(w)
        self._cache: dict[str, tuple[str, ...]] = {}

    def of(self, typed: str) -> tuple[str, ...]:
        cached = self._cache.get(typed)
        if cached is None:
            cached = ()
            if typed.isalpha() and len(typed) >= 4:
                near = [
                    w
                    for size in range(len(typed) - 2, len(typed) + 3)
                    for w in self._buckets.get((typed[0], size), ())
                ]
                hits = process.extract(typed, near, scorer=OSA.distance, score_cutoff=2, limit=None)
                cached = tuple(w for w, d, _ in hits if d <= allowed_typos(w))
            if len(self._cache) < self.CACHED:
                self._cache[typed] = cached
        return cached


def same(typed: Word, word: str) -> bool:
    """Whether a typed word is the phrase's word (as written, without 's, or with typos)."""
    if word in (typed.text, typed.base):
        return True
    limit = allowed_typos(word)
    return (
        limit > 0
        and typed.text[:1] == word[:1]
        and OSA.distance(typed.text, word, score_cutoff=limit) <= limit
    )


_NOT, _TIGHT, _PAST = "not", "tight", "past"


class Negations:
    """The negations of a language: those that reach a few words ("not"), tight ones that
    negate only the word right after them ("no card", but not "no, it is XP"), and words
    for the past ("used to have"), after which a phrase is not what the person has now."""

    def __init__(
        self,
        reaching: Iterable[str],
        tight: Iterable[str],
        past: Iterable[str],
        optional: frozenset[str],
        joining: frozenset[str] = frozenset(),
    ) -> None:
        entries = [
            *((p, _NOT) for p in reaching),
            *((p, _TIGHT) for p in tight),
            *((p, _PAST) for p in past),
        ]
        self.optional = optional
        self.joining = joining
        self._phrases: Phrases[str] = Phrases(entries, frozenset())

    def within(
        self,
        words: Words,
        ignore: frozenset[int] = frozenset(),
        phrases: Iterable[Found[Any]] = (),
    ) -> Negated:
        """The negations of one text; those among the `ignore`d words ("not sure") do not
        count. A negation inside a found phrase ("can't send") belongs to it: it negates
        what is in that phrase, and what a list continues after it ("don't have a firewall
        or antivirus"), but not what merely follows ("can't send through MSN")."""
        spans = [n for n in self._phrases.find(words) if n.first not in ignore]
        holders: dict[tuple[int, int], tuple[int, int]] = {}
        for n in spans:
            around = [
                (f.first, f.last)
                for f in phrases
                if f.first <= n.first
                and n.last <= f.last
                and (f.first, f.last) != (n.first, n.last)
            ]
            if around:
                holders[n.first, n.last] = max(around, key=lambda span: span[1] - span[0])
        return Negated(words, spans, self.optional, self.joining, holders)


@dataclass(frozen=True)
class Negated:
    """The negations of one text. Called with a word's index: whether a negation stands
    before it in the same part of its sentence (up to `REACH` words before, not counting
    "a" or "or", or right before it for a tight one)."""

    words: Words
    spans: list[Found[str]]
    optional: frozenset[str]
    joining: frozenset[str] = frozenset()
    # A negation inside a found phrase, and that phrase's words (first, last).
    holders: dict[tuple[int, int], tuple[int, int]] = dataclasses.field(default_factory=dict)

    def __call__(self, index: int, last: int | None = None) -> bool:
        """Whether the words index..last (or the word `index`) are negated."""
        return self.by(index, last) is not None

    def past(self, index: int, last: int | None = None) -> bool:
        return self._before(index, index if last is None else last, (_PAST,)) is not None

    def by(self, index: int, last: int | None = None) -> Found[str] | None:
        """The negation before the words index..last, if any ("turned off" in "turned off
        email scanning"), to quote it with them."""
        return self._before(index, index if last is None else last, (_NOT, _TIGHT))

    def _before(self, index: int, last: int, kinds: tuple[str, ...]) -> Found[str] | None:
        items = self.words.items
        for span in self.spans:
            if span.key not in kinds or span.last >= index:
                continue
            if items[span.last].clause != items[index].clause:
                continue
            holder = self.holders.get((span.first, span.last))
            if holder is not None and last > holder[1]:
                if index <= holder[1]:
                    continue  # a phrase that only overlaps the negation's own phrase
                rest = {w.text for w in items[holder[1] + 1 : index]}
                if rest - self.optional - self.joining:
                    continue  # it belongs to its phrase, and no list goes on from there
            between = [w.text for w in items[span.last + 1 : index]]
            if span.key == _TIGHT:
                if all(w in self.optional for w in between):
                    return span
            # "a", "any" and the words of a list do not count: "no firewall or antivirus".
            elif len([w for w in between if w not in self.optional | self.joining]) < REACH:
                return span
        return None

    def __bool__(self) -> bool:
        """Whether the text negates anything at all."""
        return any(s.key != _PAST for s in self.spans)
