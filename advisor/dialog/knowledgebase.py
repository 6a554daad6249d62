"""A loaded knowledge base: it makes sessions, and restores saved ones."""

from __future__ import annotations

import dataclasses
import functools
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from advisor.dialog.session import STATE_FORMAT, Given, Pending, Session
from advisor.errors import StateError
from advisor.inference.engine import EnginePool, WouldBuild, may_build
from advisor.inference.facts import Derivation, Inference, Known
from advisor.inference.partition import split
from advisor.knowledge.loader import load_knowledge
from advisor.knowledge.model import UNKNOWN, Choice, Knowledge, Question
from advisor.language.reader import recognises
from advisor.language.text import clean, too_long
from advisor.language.understand import Understander, Understanding
from advisor.memo import Memo

# Saved states of the first format (answers only: typed or chosen) still restore.
FORMATS = (1, STATE_FORMAT)
# More error messages than this are not listed as choices after help: people are asked
# to paste theirs instead.
MOST_OFFERED = 12
# The rules a partition's engines hold together, at most (unless one engine holds more).
ENGINE_RULES = 2_000
RULES_KEPT = 25_000
# Inferences remembered, a few KB each: the situations people are in most often.
REMEMBERED = 4_096


class KnowledgeBase:
    """A knowledge base, split into partitions by symptom when it has several (see
    `partition.py`); each partition gets engines of its own when a conversation needs it.
    """

    def __init__(
        self,
        knowledge: Knowledge,
        *,
        engines: int = 64,
        partitions: int = 10_000,
        rules_kept: int = RULES_KEPT,
    ) -> None:
        self.knowledge = knowledge
        self.split = split(knowledge)
        self._answered = self.split is not None and self.split.answered
        # Each conversation going on keeps an engine that holds its answers: `engines` of
        # them (about 1 MB each for the bundled rules). Compiled partitions are kept while
        # they are fewer than `partitions` and their engines hold fewer than `rules_kept`
        # rules (some 6 KB each): at archive scale most partitions are a few rules, and a
        # conversation about one that was dropped compiles it again.
        self.engines = engines
        self.partitions = partitions
        self.rules_kept = rules_kept
        self._kept = 0  # the rules the kept partitions' engines may hold
        self._pools: OrderedDict[frozenset[str] | None, EnginePool] = OrderedDict()
        self._lock = threading.Lock()
        self._understander: Understander | None = None
        self._offer_cache: dict[str, list[tuple[Choice, Known]]] = {}
        self._memo: Memo[tuple[tuple[Any, ...], ...], Inference] = Memo(lambda: REMEMBERED)

    @property
    def understander(self) -> Understander:
        """The language of this knowledge base (its patterns are compiled on first need)."""
        if self._understander is None:
            self._understander = Understander(self.knowledge)
        return self._understander

    def understand(self, text: str, question: Question) -> Understanding:
        """What a message says at a question."""
        return self.understander.understand(text, question)

    def offers(self, fact: str) -> list[tuple[Choice, Known]]:
        """What the text question of `fact` can recognise, offered as choices once help was
        given: the error messages its patterns know (when there are few enough to list),
        and "I have no error message"."""
        found = self._offer_cache.get(fact)
        if found is None:
            found = self._offer_cache[fact] = _offers(self.knowledge, fact)
        return found

    @property
    def pool(self) -> EnginePool:
        """The engines of the whole knowledge base, or of its router when it is split."""
        return self._pool(None)

    def _pool(self, articles: frozenset[str] | None) -> EnginePool:
        # Compiling rules waits for the first conversation that needs them, so that loading
        # (and checking) a knowledge base stays cheap.
        with self._lock:
            pool = self._pools.get(articles)
            if pool is None:
                if not may_build():
                    raise WouldBuild("the rules of this partition are not compiled yet")
                if self.split is None:
                    pool = EnginePool(self.knowledge, keep=self.engines)
                elif articles is None:
                    pool = EnginePool(self.split.router, keep=self.engines, waits=self.split.entry)
                else:
                    # A partition serves the conversations about one error: fewer at once,
                    # and fewer still of a large one (a message that hundreds of articles
                    # quote), whose engines take long to build: a conversation there that
                    # finds no engine of its own is inferred again from the start.
                    part = self.split.part(articles)
                    pool = EnginePool(part, keep=1)
                    pool.keep = max(
                        1, min(self.engines // 32, ENGINE_RULES // max(1, pool.rule_count))
                    )
                self._pools[articles] = pool
                self._kept += pool.rule_count * pool.keep
                while len(self._pools) > 2 and (
                    len(self._pools) > self.partitions + 1 or self._kept > self.rules_kept
                ):
                    _, dropped = self._pools.popitem(last=False)
                    self._kept -= dropped.rule_count * dropped.keep
            self._pools.move_to_end(articles)
            return pool

    def infer(self, answers: Iterable[Known]) -> Inference:
        """What the answers lead to: in the router until they choose a partition, then in
        that partition (or in the union of those they choose).

        The inference is a function of the answers alone (provenance included), and many
        conversations give the same ones (every one starts with none; many paste the same
        message): those are not inferred again while they are among the `REMEMBERED` used
        last. What a person typed in their own words counts only where a rule reads it: two
        pastes of one message that differ around it are one situation."""
        answers = list(answers)
        read = self.knowledge.known_values
        own = {k.fact: k for k in answers if k.fact not in read}  # no rule reads these
        key = tuple(
            (k.fact, k.source, None) if k.fact in own else (k.fact, k.source, k.value, k.derivation)
            for k in answers
        )
        remembered = self._memo.get(key)
        if remembered is not None:
            return dataclasses.replace(remembered, known={**remembered.known, **own})
        inference = self._infer(answers)
        self._memo.keep(key, inference)
        return inference

    def _infer(self, answers: list[Known]) -> Inference:
        if self.split is None:
            return self.pool.infer(answers)
        if self._answered:  # the answers themselves choose the partition
            articles = self.split.articles_for({k.fact: k.value for k in answers})
            if articles:
                return self._pool(articles).infer(answers)
        routed = self.pool.infer(answers)
        articles = self.split.articles_for(routed.values)
        return self._pool(articles).infer(answers) if articles else routed

    def new_session(self) -> Session:
        return Session(self)

    def restore(self, state: Mapping[str, Any]) -> Session:
        """A session from `Session.to_state()`; StateError when it does not fit this base."""
        if not isinstance(state, Mapping):
            raise StateError("a saved state is a mapping")
        if state.get("format") not in FORMATS:
            raise StateError(f"unsupported format {state.get('format')!r}", field="format")
        answers = state.get("answers")
        if not isinstance(answers, list):
            raise StateError("must be a list", field="answers")
        asking = state.get("asking")
        if asking is not None and not self._askable(asking):
            raise StateError(f"{asking!r} is not a question of this knowledge base", field="asking")
        helped = state.get("helped", [])
        if not isinstance(helped, list) or not all(self._askable(h) for h in helped):
            raise StateError("must list questions of this knowledge base", field="helped")
        unclear = state.get("unclear", [])
        if not isinstance(unclear, list) or not all(_text(u) for u in unclear):
            raise StateError("must list texts within the size limit", field="unclear")
        return Session(
            self,
            [self._given(a, i) for i, a in enumerate(answers)],
            started=bool(state.get("started", True)),
            asking=asking,
            ended=bool(state.get("ended", False)),
            helped=helped,
            pending=self._pending(state.get("pending")),
            unclear=[clean(u) for u in unclear],
        )

    @functools.cached_property
    def _offered(self) -> frozenset[str]:
        """Facts a text question offers values of as choices (the error messages)."""
        facts = self.knowledge.facts.values()
        return frozenset(
            fact for f in facts for p in f.patterns if p.kind == "message" for fact, _ in p.sets
        )

    def _askable(self, fact: Any) -> bool:
        spec = self.knowledge.facts.get(fact) if isinstance(fact, str) else None
        return spec is not None and spec.question is not None

    def _given(self, data: Any, index: int) -> Given:
        where = f"answers[{index}]"
        if not isinstance(data, Mapping):
            raise StateError("must be a mapping", field=where)
        turn = data.get("turn", index + 1)
        if not isinstance(turn, int) or isinstance(turn, bool):
            raise StateError("the turn must be a whole number", field=where)
        return Given(self._known(data, where), turn)

    def _known(self, data: Mapping[str, Any], where: str) -> Known:
        fact, value, source = data.get("fact"), data.get("value"), data.get("source")
        if source is None and "by" in data:
            source = "extracted"
        spec = self.knowledge.facts.get(fact) if isinstance(fact, str) else None
        if spec is None or not isinstance(fact, str):
            raise StateError(f"{fact!r} is not a fact of this knowledge base", field=where)
        if not isinstance(value, str) or too_long(value):
            raise StateError("the value must be text within the size limit", field=where)
        if spec.values is not None and value not in spec.values:
            raise StateError(f"{value!r} is not a value of {fact!r}", field=where)
        if source in ("extracted", "confirmed"):
            by, said = data.get("by", fact), data.get("said", "")
            if not isinstance(by, str) or not _text(said):
                raise StateError("`by` and `said` must be text", field=where)
            return Known(fact, value, source, Derivation(by, said=clean(said)))
        if source is None:  # the first format: the kind of the fact's question tells
            if spec.question is None:
                raise StateError(f"{fact!r} is not a question", field=where)
            source = "chosen" if spec.values is not None else "typed"
        if source == "typed" and spec.values is None:
            return Known(fact, clean(value), "typed")
        # A choice is picked: a question's, or an error message offered when help was given.
        offered = spec.question is not None or fact in self._offered
        if source == "chosen" and spec.values is not None and offered:
            return Known(fact, value, "chosen")
        raise StateError(f"{fact!r} cannot be given as {source!r}", field=where)

    def _pending(self, data: Any) -> Pending | None:
        if data is None:
            return None
        if not isinstance(data, Mapping) or not self._askable(data.get("question")):
            raise StateError("must name a question of this knowledge base", field="pending")
        if not _text(data.get("text")):
            raise StateError("the text must be within the size limit", field="pending")
        others = data.get("others", [])
        if not isinstance(others, list):
            raise StateError("must list readings", field="pending")
        readings = [self._known(data, "pending"), *(self._known(o, "pending") for o in others)]
        return Pending(tuple(readings), data["question"], clean(data["text"]))


def _text(value: Any) -> bool:
    return isinstance(value, str) and not too_long(value)


def load(path: str | Path | None = None, *, engines: int = 64) -> KnowledgeBase:
    """Load the bundled knowledge base, or the rule files at `path` (a folder or a file);
    `engines` is how many conversations at once keep an engine of their own."""
    return KnowledgeBase(load_knowledge(path), engines=engines)


def _offers(knowledge: Knowledge, fact: str) -> list[tuple[Choice, Known]]:
    question = knowledge.facts[fact].question
    assert question is not None
    offers: list[tuple[Choice, Known]] = []
    for pattern in knowledge.facts[fact].patterns:
        if pattern.kind != "message" or not recognises(knowledge, pattern):
            continue
        for target, value in pattern.sets:
            label = knowledge.facts[target].label(value)
            offers.append((Choice(value, label), Known(target, value, "chosen")))
    offers = list({c.id: (c, k) for c, k in offers}.values())
    if len(offers) > MOST_OFFERED:
        offers = []  # thousands of messages are no list to choose from: it is asked for
    if question.dont_know is not None:
        offers.append((question.dont_know, Known(fact, UNKNOWN, "chosen")))
    return offers
