"""Fuzzing the session API: random mixtures of good answers, garbage, huge and empty lines,
unicode, control characters, commands, saves and restores, with the invariants checked after
every step. `HYPOTHESIS_PROFILE=thorough` runs many more examples than CI does."""

from __future__ import annotations

import json

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

import advisor
from advisor import Reply, Session
from advisor.language.text import MAX_INPUT_BYTES

KB = advisor.load()

COMMANDS = [
    "/why",
    "/how",
    "/how 2.3",
    "/how windows",
    "/facts",
    "/back",
    "/change windows",
    "/change connection lan",
    "/change error_text",
    "/restart",
    "/help",
    "/quit",
    "/nonsense",
    "/change",
    "/why me",
]
ESCAPES = [
    "\x1b[31m",
    "\x1b[0m",
    "\x1b]0;title\x07",
    "\x07",
    "\x00",
    "\r",
    "\t",
    "\u202e",
    "\x9b2J",
]
GARBAGE = st.one_of(
    st.text(max_size=200),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=50),
    st.lists(st.sampled_from([*ESCAPES, "lan", "98", " ", "yes", "0x800CCC0F"]), max_size=8).map(
        "".join
    ),
    st.sampled_from(["", "   ", "\n\n", "\udcff", "\ufeff", "🙂" * 30]),
    st.integers(MAX_INPUT_BYTES - 2, MAX_INPUT_BYTES + 50).map(lambda n: "y" * n),
)


class Conversation(RuleBasedStateMachine):
    session: Session
    last: Reply

    @initialize()
    def start(self) -> None:
        self.session = KB.new_session()
        self.last = self.session.start()

    def send(self, text: str) -> Reply:
        before = (self.session.answers, dict(self.session.inference.values))
        reply = self.session.send(text)
        json.dumps(reply.to_dict())
        types = {m.type for m in reply.messages}
        # An answer refused changes nothing, unless the same message told facts in passing
        # ("lan" at the mail-service question), which are then said to be understood.
        if "invalid" in types and not types & {"understood", "info"}:
            assert (self.session.answers, dict(self.session.inference.values)) == before, text
        self.last = reply
        return reply

    @precondition(lambda self: self.session.question is not None)
    @rule(data=st.data())
    def answer(self, data: st.DataObject) -> None:
        question = self.session.question
        assert question is not None
        if question.kind == "text":
            said = data.draw(st.sampled_from(KB.knowledge.samples(question.id)))
        else:
            number, choice = data.draw(st.sampled_from(list(enumerate(question.choices, 1))))
            said = data.draw(
                st.sampled_from([choice.id, choice.label, str(number), *choice.synonyms])
            )
        reply = self.send(said)
        assert not any(m.type == "invalid" for m in reply.messages), (said, reply.to_dict())

    @rule(text=GARBAGE)
    def garbage(self, text: str) -> None:
        self.send(text)

    @rule(command=st.sampled_from(COMMANDS))
    def command(self, command: str) -> None:
        self.send(command)

    @rule(
        probe=st.one_of(st.sampled_from(["lan", "98", "yes", "no", "/why", "0x800CCC0F"]), GARBAGE)
    )
    def save_and_restore(self, probe: str) -> None:
        state = json.loads(json.dumps(self.session.to_state()))
        restored = KB.restore(state)
        assert restored.question == self.session.question
        assert restored.inference.values == self.session.inference.values
        original = self.session.copy()
        assert restored.send(probe).to_dict() == original.send(probe).to_dict()
        self.session = KB.restore(state)

    @invariant()
    def a_question_exactly_while_not_done(self) -> None:
        assert (self.session.question is None) == self.session.done
        assert (self.last.question is None) == self.last.done


TestConversation = Conversation.TestCase
