"""The conversation with one person: ask, understand, advise, explain.

Every frontend (terminal, HTTP, transcripts, a Python caller) goes through `Session.send`,
so they all behave the same. A session's state is the list of answers it was given (and
which question it was made to ask again); all else (what was read from them, what was
concluded, the next question) is inferred again from them by the pooled engine, which is
why a saved state is small and a restored session continues exactly where it was.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from advisor.dialog import commands, resolution, wording
from advisor.dialog.explain import Explainer, Explanation
from advisor.dialog.reply import Message, Reply
from advisor.errors import StateError
from advisor.inference.facts import Inference, Known
from advisor.knowledge.model import Knowledge, Question
from advisor.language.text import MAX_INPUT_BYTES, clean, excerpt, match_choice, too_long

STATE_FORMAT = 1


class Reasoner(Protocol):
    """What a session needs of its knowledge base (a `KnowledgeBase` has it)."""

    knowledge: Knowledge

    def infer(self, answers: list[Known]) -> Inference: ...


class Session:
    """One conversation with one person."""

    def __init__(
        self,
        kb: Reasoner,
        answers: Iterable[Known] = (),
        *,
        started: bool = False,
        asking: str | None = None,
        ended: bool = False,
    ) -> None:
        self.kb = kb
        self.knowledge = kb.knowledge
        self._answers: list[Known] = list(answers)
        if len({a.fact for a in self._answers}) != len(self._answers):
            raise StateError("a question is answered twice", field="answers")
        self._started = started
        self._asking = asking  # a question asked again by /change, whatever the goals say
        self._ended = ended  # by /quit
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
        return self._started and self.question is None

    @property
    def question(self) -> Question | None:
        """The question waiting for an answer (None before start and once done)."""
        name = self._asking or self._inference.question
        if not self._started or self._ended or name is None:
            return None
        return self.knowledge.facts[name].question

    @property
    def answers(self) -> tuple[Known, ...]:
        return tuple(self._answers)

    def copy(self) -> Session:
        """A session that goes on from here independently (to explore what-ifs)."""
        twin = Session.__new__(Session)
        twin.__dict__.update(self.__dict__)
        twin._answers = list(self._answers)
        return twin

    def to_state(self) -> dict[str, Any]:
        """Plain JSON-ready data from which `KnowledgeBase.restore` rebuilds this session."""
        state: dict[str, Any] = {
            "format": STATE_FORMAT,
            "started": self._started,
            "answers": [{"fact": a.fact, "value": a.value} for a in self._answers],
        }
        if self._asking:
            state["asking"] = self._asking
        if self._ended:
            state["ended"] = True
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
            if not said:
                return self.reply(prefix)
            return self.reply([*prefix, Message("ended", wording.ENDED.format(said=excerpt(said)))])
        if not said:
            return self.reply([*prefix, Message("invalid", wording.EMPTY)])
        answer, messages = self._understand(question, said)
        if answer is None:
            return self.reply([*prefix, *messages])
        return self.reply([*prefix, *messages, *self._learn(answer)])

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
        answer, messages = self._understand(question, said)
        return messages[0].text if answer is None else None

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

    def _learn(self, answer: Known) -> list[Message]:
        """Take an answer (replacing an earlier one to the same question) and say what follows."""
        before = self._inference
        self._answers = [a for a in self._answers if a.fact != answer.fact] + [answer]
        self._asking = None
        self._inference = self.kb.infer(self._answers)
        return self._changes(before)

    def reply(self, messages: list[Message]) -> Reply:
        return Reply(tuple(messages), self.question, self.done)

    # -- control: also the /back, /change, /restart and /quit commands --------------------

    def back(self) -> Reply:
        """Take back the last answer and everything concluded from it; ask again."""
        if not self._answers:
            return self.reply([Message("invalid", wording.NOTHING_TO_TAKE_BACK)])
        last = self._answers.pop()
        self._asking = None
        self._ended = False
        self._inference = self.kb.infer(self._answers)
        text = wording.TOOK_BACK.format(question=self._question_text(last.fact))
        return self.reply([Message("info", text)])

    def change(self, fact: str, answer: str = "") -> Reply:
        """Ask an earlier question again (answering it at once when `answer` is given)."""
        spec = self.knowledge.facts.get(fact)
        if spec is None or spec.question is None or fact not in self._inference.known:
            return self.reply(
                [
                    Message(
                        "invalid",
                        wording.CANNOT_CHANGE.format(
                            fact=fact, options=wording.options(self.changeable()) or "nothing yet"
                        ),
                    )
                ]
            )
        self._asking = fact
        self._ended = False
        self._answers = [a for a in self._answers if a.fact != fact]
        self._inference = self.kb.infer(self._answers)
        if answer:
            return self.send(answer)
        return self.reply([Message("info", wording.CHANGING.format(question=spec.question.text))])

    def changeable(self) -> list[str]:
        """The facts an answer can be changed for: asked, or read from what was typed."""
        return [f for f in self._inference.known if self.knowledge.facts[f].question is not None]

    def restart(self) -> Reply:
        self._answers, self._asking, self._ended = [], None, False
        self._inference = self.kb.infer([])
        return self.reply(
            [Message("info", wording.RESTARTED), Message("greeting", wording.GREETING)]
        )

    def quit(self) -> Reply:
        self._ended = True
        return self.reply([Message("goodbye", wording.GOODBYE)])

    # -- explanations: also the /why, /how and /facts commands -------------------------

    def why(self) -> Explanation:
        """Why the current question is asked: the rules waiting for its answer."""
        question = self.question
        if question is None:
            return Explanation(wording.NO_QUESTION, ())
        return self._explainer().why(question.fact)

    def how(self, target: str | None = None) -> Explanation:
        """How a conclusion was reached: an article (default), a step number or id, a fact."""
        explainer = self._explainer()
        outcomes = self._inference.outcomes
        if not target:
            if not outcomes:
                return Explanation(wording.NOTHING_CONCLUDED, ())
            return explainer.how_article(next(iter(outcomes)))
        if target in outcomes:
            return explainer.how_article(target)
        steps = {s.number: s.item.id for s in self.steps() if s.number}
        ids = {s.item.id: s.number for s in self.steps()}
        for article in outcomes:
            if f"{article}/{target}" in ids:
                target = f"{article}/{target}"
        if target in steps or target in ids:
            item_id = steps.get(target, target)
            return explainer.how_item(item_id, ids[item_id])
        if target in self._inference.known:
            return Explanation(
                wording.HOW_FACT.format(fact=target), tuple(explainer.how_fact(target))
            )
        return Explanation(wording.HOW_UNKNOWN.format(target=target), ())

    def facts(self) -> Explanation:
        """What is known so far, and where each fact came from."""
        return self._explainer().facts()

    def known_in_words(self) -> list[str]:
        """The facts the person gave or that were read from it, briefly (for a toolbar)."""
        explainer = self._explainer()
        return [
            explainer.value(name, k.value)
            for name, k in self._inference.known.items()
            if k.source in {"chosen", "extracted"}
        ]

    def steps(self) -> list[resolution.Shown]:
        """The steps, notes and warnings shown to this person, numbered as they were."""
        return [
            shown
            for name, c in self._inference.outcomes.items()
            if c.status == "applies"
            for shown in resolution.visible(self.knowledge.articles[name], self._inference.shown)
        ]

    def handoff(self, done: Iterable[str] = (), skipped: Iterable[str] = ()) -> dict[str, Any]:
        """What a support agent needs to take over: the error, facts, articles, steps."""
        done, skipped = list(done), list(skipped)
        typed = next((a.value for a in self._answers if a.source == "typed"), None)
        return {
            "error": typed,
            "facts": [
                {
                    "fact": name,
                    "describe": self.knowledge.facts[name].describe,
                    "value": k.value,
                    "label": self.knowledge.facts[name].label(k.value),
                    "source": k.source,
                    "rule": k.derivation.rule if k.derivation else None,
                }
                for name, k in self._inference.known.items()
            ],
            "articles": [
                {
                    "id": name,
                    "title": self.knowledge.articles[name].title,
                    "status": c.status,
                    "rule": c.derivation.rule,
                }
                for name, c in self._inference.outcomes.items()
            ],
            "steps": [
                {
                    "id": s.item.id,
                    "number": s.number,
                    "text": s.item.text,
                    "status": "done"
                    if s.item.id in done
                    else "skipped"
                    if s.item.id in skipped
                    else "not done",
                }
                for s in self.steps()
                if s.item.kind == "step"
            ],
        }

    def _explainer(self) -> Explainer:
        return Explainer(self.knowledge, self._inference)

    def _question_text(self, fact: str) -> str:
        question = self.knowledge.facts[fact].question
        return question.text if question is not None else fact

    # -- what changed, in words --------------------------------------------------------

    def _changes(self, before: Inference | None) -> list[Message]:
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
            if name in old_outcomes and old_outcomes[name].status == conclusion.status:
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
