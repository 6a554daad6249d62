"""What one message of a person says, at the question they were asked.

The dialog calls `Understander.understand` for every message: the facts the text states
(`Read`), the answer it gives to the question asked (`Answer`), and for a text question
whether the text is an answer at all (it names an error the knowledge base knows).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from advisor.knowledge.model import UNKNOWN, Knowledge, Question
from advisor.language.answers import Answer, Answers
from advisor.language.reader import Read, Reader, Reading, recognises
from advisor.memo import Memo

# Short messages remembered with what they say: most answers are a few words that many
# people type alike ("msn", "yes", "Windows XP"). Longer ones (pastes) rarely repeat and
# take more memory: they are read every time.
REMEMBERED = 4_096
REMEMBERED_LENGTH = 120  # characters


@dataclass(frozen=True)
class Understanding:
    read: Read
    answer: Answer
    # A text question is answered when one of its own patterns recognised the text (an
    # error number or message), or, when it has none, by any text at all.
    answered: bool
    # The facts the message states besides its answer.
    readings: tuple[Reading, ...] = ()
    spans: tuple[tuple[int, int], ...] = ()  # where in the text the answer was found

    def new(self, known: Mapping[str, Collection[str]]) -> list[Reading]:
        """The readings about facts not `known` yet (fact -> the values it may have). What
        one pattern read from the same words is one reading of them: when part of it
        contradicts what is known ("Norton" answering which firewall, when no antivirus
        scans the mail), none of it is taken."""
        wrong = {
            (r.by, r.start, r.end)
            for r in self.readings
            if r.fact in known and r.value not in known[r.fact]
        }
        return [
            r for r in self.readings if r.fact not in known and (r.by, r.start, r.end) not in wrong
        ]

    def in_answer(self, reading: Reading) -> bool:
        """Whether a reading comes from the words that answered the question: "not MSN" at
        "How do you connect?" is about the connection, not (also) about the mail service."""
        return any(reading.start < end and start < reading.end for start, end in self.spans)


class Understander:
    """The language of one knowledge base: its patterns, and the answers to its questions."""

    def __init__(self, knowledge: Knowledge) -> None:
        self.knowledge = knowledge
        self.reader = Reader(knowledge)
        language = knowledge.language
        self.answers = Answers(language.yes, language.no, language.unknown, language.optional)
        self._recognisers = {
            f.id: [p.id for p in f.patterns if recognises(knowledge, p)]
            for f in knowledge.facts.values()
        }
        self._memo: Memo[tuple[str, Question], Understanding] = Memo(lambda: REMEMBERED)

    def understand(self, text: str, question: Question) -> Understanding:
        """What `text` says at `question`: a function of the two alone (nobody changes an
        Understanding once made), so the short texts read last are not read again."""
        if len(text) > REMEMBERED_LENGTH:
            return self._understand(text, question)
        key = (text, question)
        found = self._memo.get(key)
        if found is None:
            found = self._understand(text, question)
            self._memo.keep(key, found)
        return found

    def _understand(self, text: str, question: Question) -> Understanding:
        read = self.reader.read(text)
        if question.kind != "text":
            answer = self.answers.answer(question, read)
            return Understanding(read, answer, True, **self._besides(read, question, answer))
        own = self._recognisers.get(question.fact, [])
        answered = any(r.by in own for r in read.readings) if own else bool(read.words.items)
        # A text question is offered its choices (the known messages, "I have no error
        # message") once a first answer was not understood; they are answers too.
        choices = question.choices
        if question.dont_know is not None and question.dont_know not in choices:
            choices = (*choices, question.dont_know)
        offered = Question(question.fact, question.text, "choice", choices)
        answer = self.answers.answer(offered, read, loose=False)
        if answered and answer.value == UNKNOWN:
            answer = Answer(None)  # "not sure it is 0x800CCC0F" still names the error
        return Understanding(read, answer, answered, **self._besides(read, question, answer))

    @staticmethod
    def _besides(read: Read, question: Question, answer: Answer) -> dict[str, Any]:
        items = read.words.items
        return {
            "readings": tuple(r for r in read.readings if r.fact != question.fact),
            "spans": tuple((items[a].start, items[b].end) for a, b in answer.spans),
        }
