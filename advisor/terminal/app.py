"""`advisor chat` at a terminal: prompt_toolkit over the same session as every frontend.

What this adds is only presentation: a completion menu of the choices (labels, synonyms,
numbers and commands), answers checked in place by the session's own rules, a paste of a
whole error dialog, a toolbar of what is known, colour (none with NO_COLOR or a dumb
terminal), Ctrl-C to cancel an answer and Ctrl-D to leave, and a walk through the steps.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from typing import Any

from prompt_toolkit import PromptSession, print_formatted_text
from prompt_toolkit.buffer import Buffer
from prompt_toolkit.completion import Completer, Completion, DummyCompleter
from prompt_toolkit.document import Document
from prompt_toolkit.filters import has_completions
from prompt_toolkit.formatted_text import FormattedText
from prompt_toolkit.history import InMemoryHistory
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from prompt_toolkit.styles import Style
from prompt_toolkit.utils import is_dumb_terminal
from prompt_toolkit.validation import DummyValidator, ValidationError, Validator

from advisor.dialog import wording
from advisor.dialog.commands import COMMANDS
from advisor.dialog.render import handoff_lines, message_lines
from advisor.dialog.reply import Reply
from advisor.dialog.session import Session
from advisor.knowledge.model import Question
from advisor.terminal import guide
from advisor.transcripts.format import Recorder

STYLE = Style.from_dict(
    {
        "question": "bold",
        "number": "ansicyan",
        "invalid": "ansired",
        "understood": "ansigreen",
        "diagnosis": "bold ansigreen",
        "not_applicable": "bold ansiyellow",
        "no_match": "bold ansiyellow",
        "warning": "bold ansired",
        "note": "ansicyan",
        "hint": "ansicyan",
        "title": "bold",
        "explanation": "ansiblue",
        "facts": "ansiblue",
        "workaround": "ansicyan",
        "more_info": "italic",
        "tip": "ansibrightblack",
        "bottom-toolbar": "noreverse bg:ansiblue ansiwhite",
    }
)
YES = {"y", "yes", "", "guided", "one", "1"}
NO = {"n", "no", "all", "2"}


class _SessionValidator(Validator):
    """Explains an answer the session would not take, before it is sent."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def validate(self, document: Document) -> None:
        problem = self.session.check(document.text)
        if problem is not None:
            raise ValidationError(message=problem, cursor_position=len(document.text))


class _Words(Validator):
    def __init__(self, words: set[str], hint: str) -> None:
        self.words, self.hint = words, hint

    def validate(self, document: Document) -> None:
        if document.text.strip().lower() not in self.words:
            raise ValidationError(message=self.hint, cursor_position=len(document.text))


class _Commands(Completer):
    """Completes commands, and only once a line starts with `/` (a paste is never disturbed)."""

    def get_completions(self, document: Document, complete_event: Any) -> Iterable[Completion]:
        text = document.text_before_cursor
        if text.startswith("/") and " " not in text:
            for name, (meaning, _) in COMMANDS.items():
                if name.startswith(text[1:].lower()):
                    yield Completion(f"/{name}", -len(text), display_meta=meaning)


class _Choices(Completer):
    """One menu entry per choice, shown with its number; typing narrows it by the beginnings
    of the words of its label, id or synonyms, or by its number."""

    def __init__(self, question: Question) -> None:
        self.question = question

    def get_completions(self, document: Document, complete_event: Any) -> Iterable[Completion]:
        typed = document.text_before_cursor
        if typed.startswith("/"):
            yield from _Commands().get_completions(document, complete_event)
            return
        wanted = typed.strip().lower()
        for number, choice in enumerate(self.question.choices, 1):
            names = (choice.label, choice.id, *choice.synonyms)
            # A number picks by position ("4"), not the words that hold it ("NT 4").
            by_words = not wanted.isdecimal() and any(_fuzzy(wanted, n.lower()) for n in names)
            if wanted == str(number) or by_words:
                yield Completion(choice.label, -len(typed), display=f"{number}. {choice.label}")


def _arrow_keys(question: Question) -> KeyBindings:
    """Up and Down step through the choices; when the menu is open they move in it instead."""
    keys = KeyBindings()
    labels = [c.label for c in question.choices]

    def move(buffer: Buffer, step: int) -> None:
        at = labels.index(buffer.text) if buffer.text in labels else (-1 if step > 0 else 0)
        buffer.text = labels[(at + step) % len(labels)]
        buffer.cursor_position = len(buffer.text)

    @keys.add("down", filter=~has_completions)
    def _down(event: KeyPressEvent) -> None:
        move(event.current_buffer, 1)

    @keys.add("up", filter=~has_completions)
    def _up(event: KeyPressEvent) -> None:
        move(event.current_buffer, -1)

    return keys


def _fuzzy(wanted: str, name: str) -> bool:
    """Each word typed begins a word of the name ("win se" finds "Windows 98 SE")."""
    words = re.findall(r"\w+", name)
    return all(any(w.startswith(t) for w in words) for t in re.findall(r"\w+", wanted))


class Terminal:
    def __init__(
        self, session: Session, *, steps: str | None = None, record: Recorder | None = None
    ) -> None:
        self.session = session
        self.steps = steps
        self.record = record
        self.shown: list[str] = []  # everything printed, as plain text
        self.colour = not (os.environ.get("NO_COLOR") or is_dumb_terminal())
        # One long-lived prompt per kind of answer, each with its own history, so that the
        # up arrow at a question about Windows never brings back a pasted error message.
        self._prompts: dict[str, PromptSession[str]] = {}

    def _prompt(self, kind: str, message: str, **settings: Any) -> str:
        if kind not in self._prompts:
            self._prompts[kind] = PromptSession(style=STYLE, history=InMemoryHistory())
        # Settings carry over from one prompt to the next: give all of them every time.
        defaults: dict[str, Any] = {
            "completer": DummyCompleter(),
            "validator": DummyValidator(),
            "bottom_toolbar": None,
            "pre_run": None,
            "complete_while_typing": False,
        }
        return self._prompts[kind].prompt(message, **{**defaults, **settings})

    def run(self) -> int:
        self._show(self.session.start())
        while self.session.question is not None:
            question = self.session.question
            try:
                text = self._ask(question)
            except KeyboardInterrupt:
                self._say("tip", wording.CANCELLED)
                self._question(question)
                continue
            except EOFError:
                self._say("greeting", wording.GOODBYE)
                return 0
            if self.record is not None:
                self.record.user(text)
            self._show(self.session.send(text))
        return 0

    # -- asking -----------------------------------------------------------------------------

    def _ask(self, question: Question) -> str:
        # A text question that offers choices (the error messages advisor knows) takes
        # either: the menu, or anything typed.
        kind = "choice" if question.choices else "text"
        return self._prompt(
            kind,
            "> ",
            completer=_Choices(question) if kind == "choice" else _Commands(),
            complete_while_typing=True,
            validator=_SessionValidator(self.session),
            validate_while_typing=False,
            bottom_toolbar=self._toolbar,
            pre_run=self._open_menu if kind == "choice" else None,
            key_bindings=_arrow_keys(question) if kind == "choice" else None,
        )

    def _open_menu(self) -> None:
        self._prompts["choice"].app.current_buffer.start_completion(select_first=False)

    def _toolbar(self) -> FormattedText:
        known = self.session.known_in_words()
        text = " · ".join(known) if known else wording.NOTHING_KNOWN
        return FormattedText([("class:bottom-toolbar", f" Known: {text}  (/help) ")])

    def _words(self, message: str, words: set[str], hint: str) -> str:
        said = self._prompt("words", message, validator=_Words(words, hint))
        return said.strip().lower()

    def _show(self, reply: Reply) -> None:
        if self.record is not None:
            self.record.bot(reply.to_dict())
        messages = reply.to_dict()["messages"]
        if reply.done and any(m["type"] == "step" for m in messages):
            self._resolution(messages)
            return
        for m in messages:
            self._message(m)
        if reply.question is not None:
            self._question(reply.question)

    def _message(self, m: Mapping[str, Any]) -> None:
        kind = str(m["type"])
        style = "title" if kind == "step" and m.get("level") == 1 else kind
        for line in message_lines(m):
            self._say(style, line)

    def _question(self, question: Question) -> None:
        self._say("question", question.text)
        for number, c in enumerate(question.choices, 1):
            self._say("number", f"  {number}. {c.label}")

    def _say(self, style: str, line: str) -> None:
        self.shown.append(line)
        if self.colour:
            print_formatted_text(FormattedText([(f"class:{style}", line)]), style=STYLE)
        else:
            print_formatted_text(line)

    # -- the steps --------------------------------------------------------------------------

    def _resolution(self, messages: list[Mapping[str, Any]]) -> None:
        parts = guide.split(messages)
        for m in parts.before:
            self._message(m)
        walk = guide.Guide(parts)
        try:
            rest: int | None = 0
            if (self.steps or self._mode()) == "guided":
                rest = self._walk(walk)
            for stop in parts.stops[rest:] if rest is not None else []:
                for m in stop.messages:
                    self._message(m)
                    if m["type"] == "step":
                        walk.shown.append(str(m["id"]))
            for m in parts.after:
                self._message(m)
            self._solved(walk)
        except EOFError:
            self._say("greeting", wording.GOODBYE)

    def _mode(self) -> str:
        try:
            said = self._words(wording.WALK_OR_ALL, YES | NO, wording.WALK_OR_ALL_HINT)
        except KeyboardInterrupt:
            return "all"
        return "guided" if said in YES else "all"

    def _walk(self, walk: guide.Guide) -> int | None:
        """Show one stop at a time; return where the rest starts (None: show no more)."""
        self._say("tip", wording.GUIDE_KEYS.format(keys=guide.KEYS))
        while (stop := walk.current) is not None:
            for m in stop.messages:
                self._message(m)
            if stop.step is None:
                walk.advance()
                continue
            meaning = self._step_answer(walk)
            while meaning in {"why", "help", "unknown"}:
                if meaning == "why":
                    explanation = self.session.how(str(stop.step["id"]))
                    self._message({"type": "explanation", "text": explanation.text})
                else:
                    self._say("tip", guide.KEYS)
                meaning = self._step_answer(walk)
            if meaning == "all":
                return walk.index + 1
            if meaning == "quit":
                return None
        return walk.index

    def _step_answer(self, walk: guide.Guide) -> str:
        while True:
            try:
                return walk.answer(self._prompt("guide", "[done] > "))
            except KeyboardInterrupt:
                continue

    def _solved(self, walk: guide.Guide) -> None:
        try:
            said = self._words(wording.SOLVED, {"y", "yes", "n", "no"}, wording.YES_OR_NO)
        except KeyboardInterrupt:
            said = "no"
        if said.startswith("y"):
            self._say("greeting", wording.GLAD)
            return
        for line in handoff_lines(self.session.handoff(walk.done, walk.skipped, walk.shown)):
            self._say("facts", line)
