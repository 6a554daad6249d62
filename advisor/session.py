"""The conversation: a knowledge base, and sessions that ask, understand and advise.

Every frontend (terminal, HTTP, transcripts, a Python caller) goes through `Session.send`,
so they all behave the same. A session's state is the list of answers it was given; all
else (what was read from them, what was concluded, the next question) is inferred again
from them by the pooled engine, which is why a saved state is small and a restored session
continues exactly where it was.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from advisor import resolution, wording
from advisor.engine import EnginePool, Inference, Known
from advisor.errors import StateError
from advisor.knowledge import Knowledge, Question, load_knowledge
from advisor.reply import Message, Reply
from advisor.understand import MAX_INPUT_BYTES, clean, excerpt, match_choice, too_long

STATE_FORMAT = 1


class KnowledgeBase:
    """A loaded knowledge base; it makes sessions and restores saved ones."""

    def __init__(self, knowledge: Knowledge) -> None:
        self.knowledge = knowledge
        self._pool: EnginePool | None = None

    @property
    def pool(self) -> EnginePool:
        # Compiling the rules is deferred to the first conversation so that loading (and
        # checking) a knowledge base stays cheap.
        if self._pool is None:
            self._pool = EnginePool(self.knowledge)
        return self._pool

    def infer(self, answers: list[Known]) -> Inference:
        return self.pool.infer(answers)

    def new_session(self) -> Session:
        return Session(self)

    def restore(self, state: Mapping[str, Any]) -> Session:
        """A session from `Session.to_state()`; StateError when it does not fit this base."""
        if not isinstance(state, Mapping):
            raise StateError("a saved state is a mapping")
        if state.get("format") != STATE_FORMAT:
            raise StateError(f"unsupported format {state.get('format')!r}", field="format")
        answers = state.get("answers")
        if not isinstance(answers, list):
            raise StateError("must be a list", field="answers")
        return Session(
            self,
            [self._answer(a, i) for i, a in enumerate(answers)],
            started=bool(state.get("started", True)),
        )

    def _answer(self, data: Any, index: int) -> Known:
        where = f"answers[{index}]"
        if not isinstance(data, Mapping):
            raise StateError("must be a mapping", field=where)
        fact, value = data.get("fact"), data.get("value")
        spec = self.knowledge.facts.get(fact) if isinstance(fact, str) else None
        if spec is None or spec.question is None or not isinstance(fact, str):
            raise StateError(f"{fact!r} is not a question of this knowledge base", field=where)
        if not isinstance(value, str) or too_long(value):
            raise StateError("the value must be text within the size limit", field=where)
        if spec.question.kind == "text":
            return Known(fact, clean(value), "typed")
        if spec.values is None or value not in spec.values:
            raise StateError(f"{value!r} is not a choice of {fact!r}", field=where)
        return Known(fact, value, "chosen")


def load(path: str | Path | None = None) -> KnowledgeBase:
    """Load the bundled knowledge base, or the rule files at `path` (a folder or a file)."""
    return KnowledgeBase(load_knowledge(path))


class Session:
    """One conversation with one person."""

    def __init__(
        self, kb: KnowledgeBase, answers: list[Known] | None = None, started: bool = False
    ) -> None:
        self.kb = kb
        self.knowledge = kb.knowledge
        self._answers: list[Known] = list(answers or [])
        seen = set()
        for a in self._answers:
            if a.fact in seen:
                raise StateError(f"{a.fact!r} is answered twice", field="answers")
            seen.add(a.fact)
        self._started = started
        self._inference = kb.infer(self._answers)

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
        return self._started and self._inference.question is None

    @property
    def question(self) -> Question | None:
        """The question waiting for an answer (None before start and once done)."""
        name = self._inference.question
        if not self._started or name is None:
            return None
        return self.knowledge.facts[name].question

    @property
    def answers(self) -> tuple[Known, ...]:
        return tuple(self._answers)

    def to_state(self) -> dict[str, Any]:
        """Plain JSON-ready data from which `KnowledgeBase.restore` rebuilds this session."""
        return {
            "format": STATE_FORMAT,
            "started": self._started,
            "answers": [{"fact": a.fact, "value": a.value} for a in self._answers],
        }

    # -- the conversation --------------------------------------------------------------

    def start(self) -> Reply:
        """Greet and ask the first question; on a started session, say where it stands."""
        if self._started:
            return self._reply([])
        self._started = True
        return self._reply([Message("greeting", wording.GREETING), *self._outcome_messages(None)])

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
            return self._reply([*prefix, Message("invalid", said)])
        said = clean(text).strip()
        question = self.question
        if question is None:
            if not said:
                return self._reply(prefix)
            return self._reply(
                [*prefix, Message("ended", wording.ENDED.format(said=excerpt(said)))]
            )
        if not said:
            return self._reply([*prefix, Message("invalid", wording.EMPTY)])
        answer, messages = self._understand(question, said)
        if answer is None:
            return self._reply([*prefix, *messages])
        before = self._inference
        self._answers.append(answer)
        self._inference = self.kb.infer(self._answers)
        return self._reply([*prefix, *messages, *self._outcome_messages(before)])

    def _understand(self, question: Question, said: str) -> tuple[Known | None, list[Message]]:
        if question.kind == "text":
            return Known(question.fact, said, "typed"), []
        match = match_choice(question, said)
        if match.choice is None:
            labels = [c.label for c in (match.candidates or question.choices)]
            template = wording.AMBIGUOUS if match.candidates else wording.NOT_A_CHOICE
            text = template.format(said=excerpt(said), options=wording.options(labels))
            return None, [Message("invalid", text)]
        messages = []
        if not match.exact:
            text = wording.TAKEN_AS.format(said=excerpt(said), label=match.choice.label)
            messages.append(Message("understood", text))
        return Known(question.fact, match.choice.id, "chosen"), messages

    def _reply(self, messages: list[Message]) -> Reply:
        return Reply(tuple(messages), self.question, self.done)

    # -- what changed, in words --------------------------------------------------------

    def _outcome_messages(self, before: Inference | None) -> list[Message]:
        now = self._inference
        old_known = before.known if before is not None else {}
        old_outcomes = before.outcomes if before is not None else {}
        values = now.values
        out: list[Message] = []
        read = [
            k for name, k in now.known.items() if k.source == "extracted" and name not in old_known
        ]
        if read:
            out.append(self._understood(read))
        for name, conclusion in now.outcomes.items():
            if name in old_outcomes:
                continue
            article = self.knowledge.articles[name]
            if conclusion.status == "applies":
                text = wording.DIAGNOSIS.format(source=article.source, title=article.title)
                if article.applies_to:
                    text += " " + wording.APPLIES_TO.format(products="; ".join(article.applies_to))
                out.append(Message("diagnosis", text, {"article": name}))
                out.append(Message("cause", self.knowledge.render(article.cause, values)))
            else:
                rule = next(r for r in self.knowledge.rules if r.id == conclusion.derivation.rule)
                because = self.knowledge.render(rule.because or "", values)
                text = wording.NOT_APPLICABLE.format(
                    article=name, title=article.title, because=because
                )
                out.append(Message("not_applicable", text, {"article": name}))
        if self.done:
            out.extend(self._ending(now, values))
        return out

    def _understood(self, read: list[Known]) -> Message:
        facts = self.knowledge.facts
        lines = [wording.READ_FROM_TEXT]
        details = []
        for k in read:
            label = facts[k.fact].label(k.value)
            lines.append(f"- {facts[k.fact].describe}: {label}")
            details.append({"fact": k.fact, "value": k.value, "label": label})
        return Message("understood", "\n".join(lines), {"facts": details})

    def _ending(self, now: Inference, values: dict[str, str]) -> list[Message]:
        out: list[Message] = []
        applying = [a for a, c in now.outcomes.items() if c.status == "applies"]
        for name in applying:
            article = self.knowledge.articles[name]
            out.extend(resolution.messages(self.knowledge, article, now.shown, values))
        if applying:
            return out
        if now.outcomes:
            return [Message("no_match", wording.NO_MATCH_AFTER_RULED_OUT)]
        said = next((a.value for a in reversed(self._answers) if a.source == "typed"), "")
        return [Message("no_match", wording.NO_MATCH_ERROR.format(said=excerpt(said)))]
