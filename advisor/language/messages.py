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
from advisor.language.text import Words, phrase_words

K = TypeVar("K", bound=Hashable)

_PLACEHOLDER = re.compile(r"<[^<>]*>")
WEAK = 0.5  # the weight of a word every mail error has


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
    ) -> None:
        self.filler = filler
        self.weak = weak
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
        # Another form of a message's word: "terminating" for "terminated".
        self._stems: dict[str, set[str]] = {}
        for w in self._index:
            self._stems.setdefault(stem(w), set()).add(w)

    def __bool__(self) -> bool:
        return bool(self._wordings)

    def recognise(self, words: Words) -> list[Recognised[K]]:
        """The best reading of each message the text resembles, best first."""
        hits: dict[int, list[tuple[int, str]]] = {}
        items = words.items
        content = [i for i, w in enumerate(items) if w.text not in self.filler]
        for k, position in enumerate(content):
            word = items[position]
            joined = word.text + items[content[k + 1]].text if k + 1 < len(content) else ""
            for known in self._equivalents(word.text, word.base, joined):
                for number in self._index[known]:
                    hits.setdefault(number, []).append((position, known))
        # Every word of the text that is a word of some message, by where it stands.
        known_at: dict[int, float] = {}
        for found in hits.values():
            for position, known in found:
                known_at[position] = self.weight[known]
        best: dict[K, Recognised[K]] = {}
        ranks: dict[K, float] = {}
        for number, found in hits.items():
            wording = self._wordings[number]
            window = _cover(wording, sorted(found), self.weak)
            if window is None:
                continue
            weight, first, last = window
            around = sum(known_at.values())
            score, fit = weight / wording.total, weight / around
            rank = 2 * score * fit / (score + fit)
            ranks[wording.key] = max(rank, ranks.get(wording.key, 0.0))
            current = best.get(wording.key)
            if current is None or score > current.score:
                best[wording.key] = Recognised(wording.key, score, fit, first, last)
        found_all = [dataclasses.replace(r, rank=ranks[k]) for k, r in best.items()]
        return sorted(found_all, key=lambda r: -r.rank)

    def _equivalents(self, text: str, base: str, joined: str) -> set[str]:
        found = {w for w in (text, base, joined) if w in self._index}
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
    wording: _Wording[K], found: list[tuple[int, str]], weak: frozenset[str]
) -> tuple[float, int, int] | None:
    """The best window of the text: the most weight of the wording's words close together."""
    reach = 2 * len(wording.words) + 4
    best: tuple[float, int, int] | None = None
    for i, (start, _) in enumerate(found):
        seen: set[str] = set()
        last = start
        for position, word in found[i:]:
            if position - start > reach:
                break
            seen.add(word)
            last = position
        # One word of a message, or only words every mail error has, is no sign of it.
        strong = sum(1 for w in seen if w not in weak)
        if strong < min(1, wording.strong) or len(seen) < min(2, len(wording.words)):
            continue
        weight = sum(wording.weights[w] for w in seen)
        if best is None or weight > best[0]:
            best = (weight, start, last)
    return best
