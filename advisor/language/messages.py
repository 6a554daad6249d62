"""Recognising an error message in what a person typed, however much of it they typed.

People paste a message whole, type part of it from memory ("server terminated the
connection"), reorder it, misspell it ("unexpectadly") or change a word's form
("terminating"). A wording is recognised by how
much of it the text covers: the weight of its words found close together in the text. A
word weighs less when every mail error has it ("server", "connection") and when other
messages have it too; a word only one message has weighs most ("TCP/IP"). Between two
wordings that cover a text equally, the one that explains more of the text's words fits
better. Placeholders such as `<filename>` stand for whatever the person's message says.

An index from words to wordings means a text is only compared with the wordings that share
a word with it, so the cost does not grow with the number of messages a knowledge base has.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import re
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from advisor.language.phrases import Typos
from advisor.language.text import Word, Words, phrase_words

K = TypeVar("K", bound=Hashable)

_PLACEHOLDER = re.compile(r"<[^<>]*>")
WEAK = 0.5  # the weight of a word every mail error has
COMMON = 50  # a word of more wordings than this (or 5% of them) is common


@dataclass(frozen=True)
class Recognised(Generic[K]):
    key: K
    score: float  # 0..1: how much of the wording the text covers
    fit: float  # 0..1: how much of the text's message words the wording explains
    first: int  # the words of the text it was recognised in
    last: int
    # How well the message explains the text, covered and covering (the harmonic mean of
    # score and fit, the best of its wordings): what orders the messages a text resembles.
    rank: float = 0.0


@dataclass(frozen=True)
class _Wording(Generic[K]):
    key: K
    words: tuple[str, ...]  # distinct content words
    weights: dict[str, float]
    total: float
    strong: int  # how many of its words are distinctive


class Messages(Generic[K]):
    """The wordings of a knowledge base's error messages, indexed by word."""

    def __init__(
        self,
        wordings: Iterable[tuple[str, K]],
        filler: frozenset[str],
        weak: frozenset[str],
        floor: float = 0.0,
    ) -> None:
        self.filler = filler
        self.weak = weak
        self.floor = floor  # wordings a text covers less than this are not worth scoring
        parsed: list[tuple[K, tuple[str, ...]]] = []
        holders: dict[str, set[K]] = {}  # for each word, the messages that have it
        for text, key in wordings:
            content = [w for w in phrase_words(_PLACEHOLDER.sub(" ", text)) if w not in filler]
            distinct = tuple(dict.fromkeys(content))
            if distinct:
                parsed.append((key, distinct))
                for w in distinct:
                    holders.setdefault(w, set()).add(key)
        messages = len({key for key, _ in parsed})
        self.weight = {
            w: (WEAK if w in weak else 1.0) * (1 + math.log(messages / len(keys)))
            for w, keys in holders.items()
        }
        self._wordings: list[_Wording[K]] = []
        self._index: dict[str, list[int]] = {}
        # Two words of a message typed as one: "TCPIP" for "TCP/IP".
        self._joined: dict[str, tuple[str, str]] = {}
        for key, distinct in parsed:
            for first, second in itertools.pairwise(distinct):
                self._joined.setdefault(first + second, (first, second))
            weights = {w: self.weight[w] for w in distinct}
            strong = sum(1 for w in distinct if w not in weak)
            number = len(self._wordings)
            self._wordings.append(_Wording(key, distinct, weights, sum(weights.values()), strong))
            for w in distinct:
                self._index.setdefault(w, []).append(number)
        self._typos = Typos(self._index)
        # Words many messages have lead to too many candidates to score them all. A wording
        # that the text covers at `floor` or more shares a rarer word with it, unless its
        # common words alone weigh `floor` of it: those few are found by a second index.
        self._common = max(COMMON, len(self._wordings) // 20)
        self._generic: dict[str, list[int]] = {}
        self._common_weight: list[float] = []  # of each wording, what its common words weigh
        for number, wording in enumerate(self._wordings):
            common = sum(wt for w, wt in wording.weights.items() if self._is_common(w))
            self._common_weight.append(common)
            if common >= floor * wording.total:
                for w in wording.words:
                    if self._is_common(w):
                        self._generic.setdefault(w, []).append(number)
        self._short = [
            self.floor * wording.total - common
            for wording, common in zip(self._wordings, self._common_weight, strict=True)
        ]
        # Another form of a message's word: "terminating" for "terminated".
        self._stems: dict[str, set[str]] = {}
        for w in self._index:
            self._stems.setdefault(stem(w), set()).add(w)

    def __bool__(self) -> bool:
        return bool(self._wordings)

    def recognise(self, words: Words) -> list[Recognised[K]]:
        """The best reading of each message the text resembles (at `floor` or more of its
        wording), best first."""
        items = words.items
        content = [i for i, w in enumerate(items) if w.text not in self.filler]
        found: list[tuple[int, str]] = []  # every word of the text that is a message's word
        split: set[tuple[int, str]] = set()  # the two message words of one typed ("TCPIP")
        for k, position in enumerate(content):
            word = items[position]
            joined = word.text + items[content[k + 1]].text if k + 1 < len(content) else ""
            found.extend((position, known) for known in self._equivalents(word, joined))
            split.update((position, part) for part in self._joined.get(word.text, ()))
        known_at: dict[int, float] = {}  # the weightiest message word at each position
        for position, known in found:
            known_at[position] = max(known_at.get(position, 0.0), self.weight[known])
        around = sum(known_at.values())
        best: dict[K, Recognised[K]] = {}
        ranks: dict[K, float] = {}
        for number in self._candidates({known for _, known in found}):
            wording = self._wordings[number]
            # At each word of the text, the heaviest of the wording's words it can be.
            hits = sorted(
                ((p, w) for p, w in found if w in wording.weights),
                key=lambda hit: (hit[0], -wording.weights[hit[1]], hit[1]),
            )
            window = _cover(wording, hits, self.weak, split)
            if window is None:
                continue
            weight, first, last = window
            score, fit = weight / wording.total, weight / around
            rank = 2 * score * fit / (score + fit)
            ranks[wording.key] = max(rank, ranks.get(wording.key, 0.0))
            current = best.get(wording.key)
            # Of two wordings of one message, the closer, then the one that covers more.
            if current is None or (score, fit) > (current.score, current.fit):
                best[wording.key] = Recognised(wording.key, score, fit, first, last)
        found_all = [dataclasses.replace(r, rank=ranks[k]) for k, r in best.items()]
        return sorted(found_all, key=lambda r: -r.rank)

    def _is_common(self, word: str) -> bool:
        return len(self._index[word]) > self._common

    def _candidates(self, known: set[str]) -> list[int]:
        """The wordings whose words found in the text weigh `floor` of them or more. Only
        the postings of words that are not common are walked; the few wordings that
        common words alone could cover are found by their own index."""
        present: dict[int, float] = {}
        get = present.get
        common = [w for w in known if self._is_common(w)]
        for w in known:
            if w in common:
                for number in self._generic.get(w, ()):
                    present[number] = get(number, 0.0)
            else:
                weight = self.weight[w]
                for number in self._index[w]:
                    present[number] = get(number, 0.0) + weight
        chosen = []
        short = self._short  # what each wording needs besides its common words
        for number, weight in present.items():
            if weight < short[number]:
                continue  # even with every common word it has, too little
            wording = self._wordings[number]
            weight += sum(wording.weights.get(w, 0.0) for w in common)
            if weight >= self.floor * wording.total:
                chosen.append(number)
        return sorted(chosen)  # the same order whatever the order of the text's words

    def _equivalents(self, word: Word, joined: str) -> set[str]:
        text = word.text
        found = {w for w in (text, word.base, joined) if w in self._index}
        found.update(self._joined.get(text, ()))
        if text not in self._index:
            found.update(self._typos.of(text))
            found.update(self._stems.get(stem(text), ()))
        return found


_SUFFIXES = ("ingly", "edly", "ing", "ed", "ly", "es", "s")


def stem(word: str) -> str:
    """A word without its ending ("terminating", "terminated" -> "terminat"), when what is
    left is a word of four letters or more."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4 and word.isalpha():
            return word[: -len(suffix)]
    return word


def _cover(
    wording: _Wording[K],
    found: list[tuple[int, str]],
    weak: frozenset[str],
    split: set[tuple[int, str]],
) -> tuple[float, int, int] | None:
    """The best window of the text: the most weight of the wording's words close together.
    A word of the text counts as one of the wording's words, or as two when it is `split`."""
    reach = 2 * len(wording.words) + 4
    # When one window holds every word found (a pasted message), it is the best: the others
    # hold some of them.
    starts = found[:1] if found and found[-1][0] - found[0][0] <= reach else found
    best: tuple[float, int, int] | None = None
    for i, (start, _) in enumerate(starts):
        seen: set[str] = set()
        last = -1
        for position, word in found[i:]:
            if position - start > reach:
                break
            if position == last and (position, word) not in split:
                continue  # "log in" is "log" or "login", not both
            seen.add(word)
            last = position
        # One word of a message, or only words every mail error has, is no sign of it.
        strong = sum(1 for w in seen if w not in weak)
        if strong < min(1, wording.strong) or len(seen) < min(2, len(wording.words)):
            continue
        # Summed in the wording's order, so that a window covering all of it weighs exactly
        # its total, whatever order the text's words came in.
        weight = sum(wt for w, wt in wording.weights.items() if w in seen)
        if best is None or weight > best[0]:
            best = (weight, start, last)
    return best
