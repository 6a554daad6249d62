"""`advisor chat` at a terminal: prompt_toolkit over the same session as every frontend.

What this adds is only presentation: a completion menu of the choices (labels, synonyms,
numbers and commands), answers checked in place by the session's own rules, a paste of a
whole error dialog, a toolbar of what is known, colour (none with NO_COLOR or a dumb
terminal), lines wrapped between words at the terminal's width, Ctrl-C to cancel an answer
and Ctrl-D to leave, and a walk through the steps. Commands typed during the walk go to the
session, as at every question; when one changes the advice, the conversation goes on from
its reply.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from typing import Any

from prompt_toolkit import PromptSession, print_formatted_text
from prompt_toolkit.buffer import Buffer
from prompt_toolkit.completion import Completer, Completion
from prompt_toolkit.document import Document
from prompt_toolkit.filters import has_completions, has_validation_error, to_filter
from prompt_toolkit.formatted_text import FormattedText
from prompt_toolkit.history import InMemoryHistory
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from prompt_toolkit.layout import ConditionalContainer, Window
from prompt_toolkit.styles import Style
from prompt_toolkit.utils import is_dumb_terminal
from prompt_toolkit.validation import DummyValidator, ValidationError, Validator

from advisor.dialog import commands, wording
from advisor.dialog.commands import COMMANDS
from advisor.dialog.render import handoff_lines, message_lines
from advisor.dialog.reply import Reply
from advisor.dialog.session import Session
from advisor.knowledge.model import Question
from advisor.terminal import guide, screen
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
            raise _invalid(problem, document)


class _Words(Validator):
    """Takes one of `words`, or a command (for the session)."""

    def __init__(self, words: set[str], hint: str) -> None:
        self.words, self.hint = words, hint

    def validate(self, document: Document) -> None:
        said = document.text.strip()
        if said.lower() not in self.words and commands.parse(said) is None:
            raise _invalid(self.hint, document)


def _invalid(message: str, document: Document) -> ValidationError:
    """The message on as many lines as it takes at the terminal's width (see `_grown`)."""
    text = "\n".join(screen.wrap(message, screen.columns()))
    return ValidationError(message=text, cursor_position=len(document.text))


def _grown(prompt: PromptSession[str]) -> PromptSession[str]:
    """prompt_toolkit shows a validation message on one line, cut at the terminal's edge,
    which loses the choices that advisor's messages end with: its window grows to the
    message's lines instead."""
    for container in prompt.layout.walk():
        if isinstance(container, ConditionalContainer) and container.filter is has_validation_error:
            window = container.content
            if isinstance(window, Window):
                window.height = None
                window.dont_extend_height = to_filter(True)
                window.wrap_lines = to_filter(True)  # should the window be narrowed meanwhile
    return prompt


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
        self.shown: list[str] = []  # every line said, as plain text (before wrapping)
        self.colour = not (os.environ.get("NO_COLOR") or is_dumb_terminal())
        # One long-lived prompt per kind of answer, each with its own history, so that the
        # up arrow at a question about Windows never brings back a pasted error message.
        self._prompts: dict[str, PromptSession[str]] = {}
        # The walk through the latest steps; kept when a command leaves it, so that it goes
        # on where it was if the steps come back the same.
        self._guide: guide.Guide | None = None

    def _prompt(self, kind: str, message: str, **settings: Any) -> str:
        if kind not in self._prompts:
            self._prompts[kind] = _grown(PromptSession(style=STYLE, history=InMemoryHistory()))
        # Settings carry over from one prompt to the next: give all of them every time.
        defaults: dict[str, Any] = {
            "completer": _Commands(),
            "complete_while_typing": True,
            "validator": DummyValidator(),
            "bottom_toolbar": self._toolbar,
            "key_bindings": None,
        }
        return self._prompts[kind].prompt(message, **{**defaults, **settings})

    def _read(
        self, kind: str, message: str, question: Question | None = None, **settings: Any
    ) -> str:
        """An answer; Ctrl-C cancels what is being typed and asks again."""
        while True:
            try:
                return self._prompt(kind, message, **settings)
            except KeyboardInterrupt:
                self._say("tip", wording.CANCELLED)
                if question is not None:
                    self._question(question)

    def run(self) -> int:
        greeting = self.session.start()
        if self.record is not None:
            self.record.bot(greeting.to_dict())
        reply: Reply | None = greeting
        try:
            while reply is not None:
                reply = self._show(reply)
        except EOFError:
            self._say("greeting", wording.GOODBYE)
        return 0

    def _send(self, text: str) -> Reply:
        if self.record is not None:
            self.record.user(text)
        reply = self.session.send(text)
        if self.record is not None:
            self.record.bot(reply.to_dict())
        return reply

    # -- asking -----------------------------------------------------------------------------

    def _show(self, reply: Reply) -> Reply | None:
        """Show a reply and take the next answer; the reply to it (None: the end)."""
        messages = reply.to_dict()["messages"]
        if reply.done and _has_steps(messages):
            return self._resolution(messages)
        for m in messages:
            self._message(m)
        question = self.session.question
        if question is None:
            return None
        self._question(question)
        return self._send(self._ask(question))

    def _ask(self, question: Question) -> str:
        # A text question that offers choices (the error messages advisor knows) takes
        # either: the menu, or anything typed.
        choosing = bool(question.choices)
        return self._read(
            "choice" if choosing else "text",
            "> ",
            question,
            completer=_Choices(question) if choosing else _Commands(),
            validator=_SessionValidator(self.session),
            validate_while_typing=False,
            key_bindings=_arrow_keys(question) if choosing else None,
        )

    def _toolbar(self) -> FormattedText:
        known = self.session.known_in_words()
        text = " · ".join(known) if known else wording.NOTHING_KNOWN
        # Wrapped rather than cut: the toolbar grows a line for what does not fit.
        lines = screen.wrap(f" Known: {text}  (/help)", screen.columns())
        return FormattedText([("class:bottom-toolbar", "\n".join(lines))])

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
        for part in screen.wrap(line, screen.columns()):
            if self.colour:
                print_formatted_text(FormattedText([(f"class:{style}", part)]), style=STYLE)
            else:
                print_formatted_text(part)

    # -- after the advice -------------------------------------------------------------------

    def _command(self, text: str) -> Reply | None:
        """Send a command typed after the advice to the session. While the advice stands,
        its reply is shown here and the same prompt comes again (None); when the advice
        changed, a question was reopened, or the conversation ended, the reply is returned
        for the conversation to go on from it."""
        reply = self._send(text)
        if not self.session.answers:  # /restart: a new conversation, with a walk of its own
            self._guide = None
        messages = reply.to_dict()["messages"]
        if self.session.question is None and not self.session.ended and not _has_steps(messages):
            for m in messages:
                self._message(m)
            return None
        return reply

    def _resolution(self, messages: list[Mapping[str, Any]]) -> Reply | None:
        parts = guide.split(messages)
        walk = self._guide
        if walk is not None and walk.resolution.stops == parts.stops:
            self._say("tip", wording.STEPS_UNCHANGED)
        else:
            walk = self._guide = guide.Guide(parts)
            for m in parts.before:
                self._message(m)
        if walk.mode is None:
            mode = self.steps or self._mode()
            if isinstance(mode, Reply):
                return mode
            walk.mode = "guided" if mode == "guided" else "all"
            if walk.mode == "guided":
                self._say("tip", wording.GUIDE_KEYS.format(keys=guide.KEYS))
        if walk.current is not None:
            left = self._walk(walk) if walk.mode == "guided" else None
            if left is not None:
                return left
            for stop in walk.rest():
                for m in stop.messages:
                    self._message(m)
            for m in parts.after:
                self._message(m)
        return self._solved(walk)

    def _mode(self) -> str | Reply:
        said = self._words(wording.WALK_OR_ALL, YES | NO, wording.WALK_OR_ALL_HINT)
        if isinstance(said, Reply):
            return said
        return "guided" if said in YES else "all"

    def _walk(self, walk: guide.Guide) -> Reply | None:
        """Show one stop at a time, until the last, "all" or "quit" (or a command's reply
        that leaves the walk, returned)."""
        while (stop := walk.current) is not None:
            for m in stop.messages:
                self._message(m)
            if stop.step is None:
                walk.advance()
                continue
            while True:
                text = self._read("guide", "[done] > ")
                meaning = walk.answer(text)
                if meaning == "why":
                    explanation = self.session.how(str(stop.step["id"]))
                    self._message({"type": "explanation", "text": explanation.text})
                elif meaning == "command":
                    left = self._command(text)
                    if left is not None:
                        return left
                elif meaning in {"help", "unknown"}:
                    self._say("tip", guide.KEYS)
                else:
                    break
            if meaning in {"all", "quit"}:
                return None
        return None

    def _solved(self, walk: guide.Guide) -> Reply | None:
        said = self._words(wording.SOLVED, {"y", "yes", "n", "no"}, wording.YES_OR_NO)
        if isinstance(said, Reply):
            return said
        if said.startswith("y"):
            self._say("greeting", wording.GLAD)
            return None
        for line in handoff_lines(self.session.handoff(walk.done, walk.skipped, walk.shown)):
            self._say("facts", line)
        return None

    def _words(self, message: str, words: set[str], hint: str) -> str | Reply:
        """One of `words` (in lower case), or the reply to a command that leaves the prompt."""
        while True:
            said = self._read("words", message, validator=_Words(words, hint)).strip()
            if commands.parse(said) is None:
                return said.lower()
            left = self._command(said)
            if left is not None:
                return left


def _has_steps(messages: list[Mapping[str, Any]]) -> bool:
    return any(m["type"] == "step" for m in messages)
