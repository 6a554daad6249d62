"""The conversation with one person: ask, understand, advise, explain.

Every frontend (terminal, HTTP, transcripts, a Python caller) goes through `Session.send`,
so they all behave the same. A session's state is what it was given: each answer (typed,
chosen, or read from what the person wrote, with the words it was read from), which
questions it has already helped with, and a reading it waits to have confirmed. All else
(what follows, the next question) is inferred again from the answers by the pooled engine,
which is why a saved state is small and a restored session goes on exactly where it was.

A message is read whole at every question (see `advisor.language`): what answers the
question, and whatever else it says in passing ("98, and I'm on DSL"), which is never asked
again. A message that answers nothing gets help, not an ending: how to find the answer, the
error messages advisor knows, a way to say there is none. Only when a person has given what
they have and nothing fits does the conversation end without an article.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any, Protocol

from advisor.dialog import commands, narrate, resolution, wording
from advisor.dialog.explain import Explainer, Explanation
from advisor.dialog.handoff import handoff
from advisor.dialog.reply import Message, Reply
from advisor.errors import StateError
from advisor.inference import strategy
from advisor.inference.facts import Derivation, Inference, Known
from advisor.knowledge.model import UNKNOWN, Choice, Knowledge, Question
from advisor.language.reader import Reading
from advisor.language.text import MAX_INPUT_BYTES, clean, excerpt, too_long
from advisor.language.understand import Understanding

STATE_FORMAT = 2
NONE = "none"  # the answer "None of these" to "Which of these ...?"


class Reasoner(Protocol):
    """What a session needs of its knowledge base (a `KnowledgeBase` has it)."""

    knowledge: Knowledge

    def infer(self, answers: list[Known]) -> Inference: ...

    def understand(self, text: str, question: Question) -> Understanding: ...

    def offers(self, fact: str) -> list[tuple[Choice, Known]]: ...


@dataclass(frozen=True)
class Given:
    """An answer, and the turn of the conversation it was given in."""

    known: Known
    turn: int


@dataclass(frozen=True)
class Pending:
    """What advisor asked the person to confirm: a reading ("Did you mean ...?"), or one of
    several that fit as well ("Which of these ...?")."""

    readings: tuple[Known, ...]
    question: str  # the text question they were read at
    text: str  # the whole message they were read from


class Session:
    """One conversation with one person."""

    def __init__(
        self,
        kb: Reasoner,
        answers: Iterable[Given] = (),
        *,
        started: bool = False,
        asking: str | None = None,
        ended: bool = False,
        helped: Iterable[str] = (),
        pending: Pending | None = None,
        unclear: Iterable[str] = (),
    ) -> None:
        self.kb = kb
        self.knowledge = kb.knowledge
        self._given: list[Given] = list(answers)
        if len({g.known.fact for g in self._given}) != len(self._given):
            raise StateError("a fact is given twice", field="answers")
        self._started = started
        self._asking = asking  # a question asked again by /change, whatever the goals say
        self._ended = ended  # by /quit
        self._helped = set(helped)  # questions whose help was given (how to find out ...)
        self._pending = pending
        self._unclear = list(unclear)  # messages at a text question that answered nothing
        self._narrow_memo: tuple[Inference, Question] | None = None
        self._inference = kb.infer(self.answers_list())

    # -- what the conversation knows -------------------------------------------------

    @property
    def inference(self) -> Inference:
        """The latest conclusions, each with the rule and facts that led to it."""
        return self._inference

    @property
    def started(self) -> bool:
        return self._started

    @property
    def done(self) -> bool:
        return self._started and self.question is None

    @property
    def ended(self) -> bool:
        """Ended by /quit (not only advised): nothing more is asked or walked through."""
        return self._ended

    @property
    def question(self) -> Question | None:
        """The question waiting for an answer (None before start and once done)."""
        if not self._started or self._ended:
            return None
        if self._pending is not None:
            return self._confirmation(self._pending)
        name = self._asking or self._inference.question
        if name is None:
            return None
        question = self.knowledge.facts[name].question
        assert question is not None
        if question.kind == "text" and name in self._helped:
            # Once help was given, a text question also offers what it can recognise.
            return replace(question, choices=tuple(c for c, _ in self._offers(question)))
        if question.narrow:
            return self._narrowed(question)
        return question

    def _narrowed(self, question: Question) -> Question:
        """A question of many choices, with those that some live rule waits for."""
        inference = self._inference
        memo = self._narrow_memo
        if memo is not None and memo[0] is inference and memo[1].fact == question.fact:
            return memo[1]  # asked for many times in a turn
        narrowed = question
        values = strategy.awaited(self.knowledge, inference.goals, question.fact)
        if values is not None:
            choices = tuple(c for c in question.choices if c.id in values or c.id == UNKNOWN)
            if len(choices) > 1:
                narrowed = replace(question, choices=choices)
        self._narrow_memo = (inference, narrowed)
        return narrowed

    @property
    def answers(self) -> tuple[Known, ...]:
        return tuple(g.known for g in self._given)

    def answers_list(self) -> list[Known]:
        return [g.known for g in self._given]

    @property
    def unclear(self) -> tuple[str, ...]:
        """Messages that answered nothing (kept for a support agent)."""
        return tuple(self._unclear)

    def copy(self) -> Session:
        """A session that goes on from here independently (to explore what-ifs)."""
        twin = Session.__new__(Session)
        twin.__dict__.update(self.__dict__)
        twin._given = list(self._given)
        twin._helped = set(self._helped)
        twin._unclear = list(self._unclear)
        return twin

    def to_state(self) -> dict[str, Any]:
        """Plain JSON-ready data from which `KnowledgeBase.restore` rebuilds this session."""
        state: dict[str, Any] = {
            "format": STATE_FORMAT,
            "started": self._started,
            "answers": [self._known_state(g.known) | {"turn": g.turn} for g in self._given],
        }
        if self._asking:
            state["asking"] = self._asking
        if self._ended:
            state["ended"] = True
        if self._helped:
            state["helped"] = sorted(self._helped)
        if self._unclear:
            state["unclear"] = list(self._unclear)
        if self._pending is not None:
            first, *more = self._pending.readings
            state["pending"] = {
                "question": self._pending.question,
                "text": self._pending.text,
                **self._known_state(first),
            }
            if more:
                state["pending"]["others"] = [self._known_state(k) for k in more]
        return state

    # -- the conversation --------------------------------------------------------------

    def start(self) -> Reply:
        """Greet and ask the first question; on a started session, say where it stands."""
        if self._started:
            return self.reply([])
        self._started = True
        return self.reply([Message("greeting", wording.GREETING), *self._changes(None)])

    def send(self, text: str) -> Reply:
        """Take one line (or paste) from the person and answer it; never raises on input."""
        prefix: list[Message] = []
        if not self._started:
            prefix = list(self.start().messages)
        if not isinstance(text, str):
            text = "" if text is None else str(text)
        size = too_long(text)
        if size is not None:
            said = wording.TOO_LONG.format(size=size, limit=MAX_INPUT_BYTES)
            return self.reply([*prefix, Message("invalid", said)])
        said = clean(text).strip()
        command = commands.parse(said)
        if command is not None:
            reply = commands.run(self, *command)
            return self.reply([*prefix, *reply.messages])
        question = self.question
        if question is None:
            return self.reply([*prefix, *self._after_the_end(said)])
        if not said:
            return self.reply([*prefix, Message("invalid", wording.EMPTY)])
        return self.reply([*prefix, *self._turn(question, said)])

    def check(self, text: str) -> str | None:
        """The message `send(text)` would answer with if it cannot take `text`, else None.

        Nothing changes; a frontend uses it to explain an answer before it is sent.
        """
        size = too_long(text)
        if size is not None:
            return wording.TOO_LONG.format(size=size, limit=MAX_INPUT_BYTES)
        said = clean(text).strip()
        question = self.question
        if question is None or commands.parse(said) is not None:
            return None
        if not said:
            return wording.EMPTY
        if question.kind == "text" or self._pending is not None:
            return None
        understood = self.kb.understand(said, question)
        if understood.answer.value is not None or understood.read.act is not None:
            return None
        if self._in_passing(understood) or self._contradictions(understood)[0]:
            return None
        return self._not_taken(question, understood)[0].text

    def reply(self, messages: list[Message]) -> Reply:
        return Reply(tuple(messages), self.question, self.done)

    # -- one message ----------------------------------------------------------------------

    def _turn(self, question: Question, said: str) -> list[Message]:
        if self._pending is not None:
            return self._confirming(self._pending, said)
        understood = self.kb.understand(said, question)
        greeting = [Message("greeting", wording.HELLO)] if understood.read.act == "greeting" else []
        if question.kind == "text":
            return greeting + self._text_answer(question, said, understood)
        return greeting + self._choice_answer(question, understood)

    def _choice_answer(self, question: Question, understood: Understanding) -> list[Message]:
        fact, answer = question.fact, understood.answer
        corrected, notes = self._contradictions(understood)
        passing = [*corrected, *self._in_passing(understood)]
        if corrected and question.kind == "yesno" and answer.by is None:
            # "No wait, it's ME": the "no" belongs to the correction; the question stays.
            answer = replace(answer, value=None)
        if answer.value is None:
            refused = [] if corrected else self._not_taken(question, understood)
            return self._learn(passing, [*refused, *notes])
        if answer.value == UNKNOWN and question.find_out and fact not in self._helped:
            self._helped.add(fact)
            hint = Message("hint", wording.FIND_OUT.format(how=question.find_out))
            return self._learn(passing, [hint, *notes])
        if answer.picked:
            given = Known(fact, answer.value, "chosen")
        else:
            derivation = Derivation(answer.by or fact, said=answer.said)
            given = Known(fact, answer.value, "extracted", derivation)
        return self._learn([given, *passing], notes)

    def _text_answer(
        self, question: Question, said: str, understood: Understanding
    ) -> list[Message]:
        fact, answer = question.fact, understood.answer
        corrected, notes = self._contradictions(understood)
        passing = [*corrected, *self._in_passing(understood)]
        offers = {c.id: known for c, known in self._offers(question)}
        if answer.value in offers:  # one of the messages it offered, picked
            offered = offers[answer.value]
            if not answer.picked:
                offered = replace(offered, source="extracted")
            # The error they see is the message they picked (or that they have none).
            label = self.knowledge.facts[offered.fact].label(offered.value)
            given = [offered] if offered.fact == fact else [Known(fact, label, "typed"), offered]
            picked = [k for k in passing if k.fact not in {g.fact for g in given}]
            return self._learn([*given, *picked], notes)
        if understood.answered:
            return self._learn([Known(fact, said, "typed"), *passing], notes)
        doubts = self._doubts(question, understood)
        if doubts:
            readings = tuple(_read(d, "extracted") for d in doubts)
            self._pending = Pending(readings, fact, said)
            return self._learn(passing, notes)
        helped = fact in self._helped
        if answer.value == UNKNOWN and helped:
            return self._learn([Known(fact, UNKNOWN, "typed"), *passing], notes)
        act = understood.read.act
        if act in ("greeting", "thanks") and not passing and answer.value is None:
            return [Message("info", wording.WELCOME)] if act == "thanks" else []
        if answer.value is None:
            self._unclear.append(said)
        # Help is given once, and again when asked for or while the person keeps telling
        # more (they are trying); a message that adds nothing after it ends the search.
        if not helped or act == "help" or answer.value == UNKNOWN or passing:
            self._helped.add(fact)
            lead = [] if act == "help" or answer.value == UNKNOWN else [wording.NOT_RECOGNISED]
            how = question.find_out if not helped or act == "help" else wording.STILL_NO_ERROR
            hints = [Message("hint", text) for text in (*lead, how) if text]
            return self._learn(passing, [*hints, *notes])
        # Help was given and still nothing known: what they have is all there is.
        return self._learn([Known(fact, said, "typed"), *passing], notes)

    def _confirming(self, pending: Pending, said: str) -> list[Message]:
        understood = self.kb.understand(said, self._confirmation(pending))
        value = understood.answer.value
        chosen = [k for k in pending.readings if k.value == value]
        if value == "yes" and len(pending.readings) == 1:
            chosen = list(pending.readings)
        if chosen:
            self._pending = None
            reading = replace(chosen[0], source="confirmed")
            return self._learn([Known(pending.question, pending.text, "typed"), reading], [])
        question = self.knowledge.facts[pending.question].question
        assert question is not None
        again = self.kb.understand(said, question)
        if again.answered:  # "no, mine says The TCP/IP connection was ...": that is the answer
            self._pending = None
            return self._text_answer(question, said, again)
        if value in ("no", NONE, UNKNOWN):
            self._pending = None
            self._unclear.append(pending.text)
            self._helped.add(pending.question)
            hints = [wording.NOT_THAT, question.find_out]
            return [Message("hint", text) for text in hints if text]
        corrected, notes = self._contradictions(again)
        told = [*corrected, *self._in_passing(again)]
        if told or again.read.act in ("greeting", "thanks"):
            # They told more ("it's a Hotmail account") without saying yes or no: that is
            # taken, and the question stays.
            return self._learn(told, notes)
        self._pending = None
        return self._text_answer(question, said, again)

    def _learn(self, given: list[Known], messages: list[Message]) -> list[Message]:
        """Take answers (each replacing an earlier one to the same fact) and say what follows."""
        if not given:
            return messages
        before = self._inference
        turn = max((g.turn for g in self._given), default=0) + 1
        facts = {k.fact for k in given}
        self._given = [g for g in self._given if g.known.fact not in facts]
        self._given += [Given(k, turn) for k in given]
        if self._asking in facts:
            self._asking = None
        self._inference = self.kb.infer(self.answers_list())
        # What was understood comes first, then what is said about the message, then what
        # follows from it.
        changes = self._changes(before)
        if changes and changes[0].type == "understood":
            return [changes[0], *messages, *changes[1:]]
        return [*messages, *changes]

    # -- reading what was said ------------------------------------------------------------

    def _in_passing(self, understood: Understanding) -> list[Known]:
        """Facts the message states besides the answer, that nothing has given yet."""
        known = {fact: (k.value,) for fact, k in self._inference.known.items()}
        return [_read(r, "extracted") for r in understood.new(known)]

    def _contradictions(
        self, understood: Understanding, *, correcting: bool = False
    ) -> tuple[list[Known], list[Message]]:
        """What a message says otherwise than earlier answers. When it corrects itself on
        purpose ("sorry, it's actually Hotmail"), or `correcting` says so, it replaces them;
        otherwise they are kept, and the person is told how to change them."""
        correcting = correcting or understood.read.correcting
        corrected: list[Known] = []
        notes = []
        facts = self.knowledge.facts
        for r in understood.readings:
            known = self._inference.known.get(r.fact)
            if known is None or known.value == r.value or understood.in_answer(r):
                continue
            if facts[r.fact].question is None:
                continue
            fields = {
                "describe": facts[r.fact].describe,
                "said": excerpt(r.said),
                "new": facts[r.fact].label(r.value),
                "old": facts[r.fact].label(known.value),
                "fact": r.fact,
            }
            if correcting:
                corrected.append(_read(r, "extracted"))
                notes.append(Message("info", wording.CORRECTED.format(**fields)))
            else:
                notes.append(Message("info", wording.SAID_OTHERWISE.format(**fields)))
        return corrected, notes

    def _doubts(self, question: Question, understood: Understanding) -> list[Reading]:
        """The readings of the question's own patterns that are only close to what they
        know, or that fit as well as one another: the person is asked which."""
        own = {p.id for p in self.knowledge.facts[question.fact].patterns}
        return [d for d in understood.read.doubts if d.by in own]

    def _not_taken(self, question: Question, understood: Understanding) -> list[Message]:
        act, answer = understood.read.act, understood.answer
        if (act == "help" or understood.read.only_asks) and question.find_out:
            self._helped.add(question.fact)
            return [Message("hint", wording.FIND_OUT.format(how=question.find_out))]
        if act == "thanks":
            return [Message("info", wording.WELCOME)]
        said = excerpt(understood.read.words.text)
        if answer.candidates:
            labels = [c.label for c in question.choices if c.id in answer.candidates]
            text = wording.AMBIGUOUS.format(said=said, options=wording.options(labels))
        else:
            labels = [c.label for c in question.choices]
            text = wording.NOT_A_CHOICE.format(said=said, options=wording.options(labels))
        return [Message("invalid", text)]

    def _offers(self, question: Question) -> list[tuple[Choice, Known]]:
        """What a text question can recognise, as choices: the values its message patterns
        give (the error messages, while they are few enough to list), and its "I don't
        know" ("I have no error message")."""
        return self.kb.offers(question.fact)

    def _confirmation(self, pending: Pending) -> Question:
        language = self.knowledge.language
        first = pending.readings[0]
        fact = self.knowledge.facts[first.fact]
        if len(pending.readings) == 1:
            text = wording.DID_YOU_MEAN.format(value=fact.label(first.value))
            return Question(first.fact, text, "yesno", (language.yes, language.no))
        choices = [Choice(k.value, fact.label(k.value)) for k in pending.readings]
        none = Choice(NONE, wording.NONE_OF_THESE, language.no.synonyms)
        return Question(first.fact, wording.WHICH_OF_THESE, "choice", (*choices, none), narrow=True)

    def _after_the_end(self, said: str) -> list[Message]:
        if not said:
            return []
        understood = self.kb.understand(said, _NOTHING)
        if understood.read.act == "thanks":
            return [Message("goodbye", wording.WELCOME_END)]
        if not self._ended:
            # With the advice given, what a person adds corrects or completes their answers
            # ("oh, it's Windows Me"): the advice follows it when it changes anything.
            corrected, notes = self._contradictions(understood, correcting=True)
            told = [*corrected, *self._in_passing(understood)]
            if told:
                before = self._inference
                messages = self._learn(told, notes)
                if self.question is not None or _advice(before) != _advice(self._inference):
                    return messages
                return [*notes, Message("info", wording.ENDED_NOTED)]
        return [Message("ended", wording.ENDED.format(said=excerpt(said)))]

    # -- control: also the /back, /change, /restart and /quit commands --------------------

    def back(self) -> Reply:
        """Take back the last answer and everything concluded from it; ask again."""
        if not self._given:
            return self.reply([Message("invalid", wording.NOTHING_TO_TAKE_BACK)])
        last = max(g.turn for g in self._given)
        taken = [g.known for g in self._given if g.turn == last]
        self._given = [g for g in self._given if g.turn != last]
        self._asking, self._ended, self._pending = None, False, None
        self._inference = self.kb.infer(self.answers_list())
        asked = next((k for k in taken if self.knowledge.facts[k.fact].question), taken[0])
        text = wording.TOOK_BACK.format(question=self._question_text(asked.fact))
        return self.reply([Message("info", text)])

    def change(self, fact: str, answer: str = "") -> Reply:
        """Ask an earlier question again (answering it at once when `answer` is given)."""
        spec = self.knowledge.facts.get(fact)
        if spec is None or spec.question is None or fact not in self._inference.known:
            changeable = self.changeable()
            options = (
                wording.options(
                    [
                        wording.CHANGEABLE.format(describe=self.knowledge.facts[f].describe, fact=f)
                        for f in changeable
                    ]
                )
                or wording.NOTHING_KNOWN
            )
            if not fact.strip():
                example = changeable[-1] if changeable else "windows"
                text = wording.CHANGE_WHAT.format(example=example, options=options)
            elif spec is not None and spec.question is not None:
                text = wording.NOT_ANSWERED.format(what=spec.describe, options=options)
            else:
                text = wording.CANNOT_CHANGE.format(fact=fact, options=options)
            return self.reply([Message("invalid", text)])
        self._asking = fact
        self._ended = False
        self._pending = None
        self._given = [g for g in self._given if g.known.fact != fact]
        self._inference = self.kb.infer(self.answers_list())
        if answer:
            return self.send(answer)
        return self.reply([Message("info", wording.CHANGING.format(question=spec.question.text))])

    def changeable(self) -> list[str]:
        """The facts an answer can be changed for: asked, or read from what was typed."""
        return [f for f in self._inference.known if self.knowledge.facts[f].question is not None]

    def restart(self) -> Reply:
        self._given, self._asking, self._ended, self._pending = [], None, False, None
        self._helped, self._unclear = set(), []
        self._inference = self.kb.infer([])
        return self.reply(
            [Message("info", wording.RESTARTED), Message("greeting", wording.GREETING)]
        )

    def quit(self) -> Reply:
        self._ended = True
        return self.reply([Message("goodbye", wording.GOODBYE)])

    # -- explanations: also the /why, /how and /facts commands -------------------------

    def why(self, ids: bool = False) -> Explanation:
        """Why the current question is asked: what waits for its answer (with `ids`, every
        rule and pattern by id, for a knowledge author)."""
        question = self.question
        if question is None:
            return Explanation(wording.NO_QUESTION, ())
        return self._explainer(ids).why(question.fact)

    def how(self, target: str | None = None, ids: bool = False) -> Explanation:
        """How a conclusion was reached: an article (default), a step number or id, a fact."""
        explainer = self._explainer(ids)
        outcomes = self._inference.outcomes
        if not target:
            if not outcomes:
                return Explanation(wording.NOTHING_CONCLUDED, ())
            return explainer.how_article(next(iter(outcomes)))
        if target in outcomes:
            return explainer.how_article(target)
        steps = {s.number: s.item.id for s in self.steps() if s.number}
        numbers = {s.item.id: s.number for s in self.steps()}
        for article in outcomes:
            if f"{article}/{target}" in numbers:
                target = f"{article}/{target}"
        if target in steps or target in numbers:
            item_id = steps.get(target, target)
            return explainer.how_item(item_id, numbers[item_id])
        if target in self._inference.known:
            return Explanation(
                wording.HOW_FACT.format(describe=self.knowledge.facts[target].describe),
                tuple(explainer.how_fact(target)),
            )
        return Explanation(wording.HOW_UNKNOWN.format(target=target), ())

    def facts(self, ids: bool = False) -> Explanation:
        """What is known so far, and where each fact came from."""
        return self._explainer(ids).facts()

    def known_in_words(self) -> list[str]:
        """The facts the person gave or that were read from it, briefly (for a toolbar)."""
        explainer = self._explainer()
        return [
            explainer.value(name, k.value)
            for name, k in self._inference.known.items()
            if k.source in {"chosen", "extracted", "confirmed"}
        ]

    def steps(self) -> list[resolution.Shown]:
        """The steps, notes and warnings shown to this person, numbered as they were."""
        return [
            shown
            for name, c in self._inference.outcomes.items()
            if c.status == "applies"
            for shown in resolution.visible(self.knowledge.articles[name], self._inference.shown)
        ]

    def handoff(
        self, done: Iterable[str] = (), skipped: Iterable[str] = (), shown: Iterable[str] = ()
    ) -> dict[str, Any]:
        """What a support agent needs to take over: the error, facts, articles, steps (each
        done, skipped, shown all at once, or not done: never reached)."""
        return handoff(
            self.knowledge,
            self._inference,
            self.answers,
            self._unclear,
            self.steps(),
            done,
            skipped,
            shown,
        )

    def _explainer(self, ids: bool = False) -> Explainer:
        return Explainer(self.knowledge, self._inference, ids)

    def _question_text(self, fact: str) -> str:
        question = self.knowledge.facts[fact].question
        return question.text if question is not None else self.knowledge.facts[fact].describe

    def _known_state(self, known: Known) -> dict[str, Any]:
        """An answer as data. Its source is written only when the fact does not tell it: a
        text question's answer is typed, a choice question's chosen, and what has `by` (the
        pattern) and `said` (the words) was read from what the person wrote."""
        data: dict[str, Any] = {"fact": known.fact, "value": known.value}
        question = self.knowledge.facts[known.fact].question
        if known.derivation is not None:
            data["by"], data["said"] = known.derivation.rule, known.derivation.said
            if known.source != "extracted":
                data["source"] = known.source
        elif question is None or known.source != ("typed" if question.kind == "text" else "chosen"):
            data["source"] = known.source
        return data

    def _changes(self, before: Inference | None) -> list[Message]:
        return narrate.changes(self.knowledge, before, self._inference, self.done, self.answers)


# A question nobody is asked: for reading what a person says after the end.
_NOTHING = Question("", "", "text")


def _advice(inference: Inference) -> tuple[object, ...]:
    """What a person was told: which articles apply or not, and which steps they see."""
    statuses = {name: c.status for name, c in inference.outcomes.items()}
    return (statuses, set(inference.shown))


def _read(reading: Reading, source: Any) -> Known:
    return Known(reading.fact, reading.value, source, Derivation(reading.by, said=reading.said))
