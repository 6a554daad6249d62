"""Replay transcripts against fresh sessions: report mismatches, update, measure coverage."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TextIO

from advisor.dialog.knowledgebase import KnowledgeBase
from advisor.dialog.reply import Reply
from advisor.transcripts import coverage
from advisor.transcripts.coverage import Element
from advisor.transcripts.format import (
    SUFFIX,
    Transcript,
    TranscriptError,
    bot_lines,
    check,
    diff,
    parse_file,
    updated,
)

ReplyData = Mapping[str, Any]


class Conversation(Protocol):
    """A conversation with the bot, local or remote, in the JSON reply form."""

    def start(self) -> ReplyData: ...

    def send(self, text: str) -> ReplyData: ...


class LocalConversation:
    """A session of a knowledge base in this process; it also knows what it reached."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.session = kb.new_session()
        self.replies: list[Reply] = []
        self.matched: set[str] = set()

    def start(self) -> ReplyData:
        return self._keep(self.session.start())

    def send(self, text: str) -> ReplyData:
        self.matched |= self.kb.understander.reader.matching(text)
        return self._keep(self.session.send(text))

    def _keep(self, reply: Reply) -> ReplyData:
        self.replies.append(reply)
        return reply.to_dict()

    def reached(self) -> set[Element]:
        return coverage.reached(self.session, self.replies, self.matched)


@dataclass(frozen=True)
class Failure:
    line: int
    message: str
    diff: str = ""


@dataclass
class Result:
    transcript: Transcript
    failures: list[Failure] = field(default_factory=list)
    said: list[list[str]] = field(default_factory=list)  # the bot's lines, turn by turn

    @property
    def ok(self) -> bool:
        return not self.failures

    def report(self) -> str:
        lines = []
        for f in self.failures:
            lines.append(f"{self.transcript.path}:{f.line}: {f.message}")
            if f.diff:
                lines.append(f.diff)
        return "\n".join(lines)


def replay(transcript: Transcript, conversation: Conversation) -> Result:
    """Say the transcript's lines to the bot; compare every reply with what it expects."""
    result = Result(transcript)
    reply = conversation.start()
    for turn in transcript.turns:
        if turn.text is not None:
            reply = conversation.send(turn.text)
        said = bot_lines(reply)
        result.said.append(said)
        mismatch = check(turn, said)
        if mismatch is not None:
            result.failures.append(
                Failure(mismatch.line, mismatch.describe(), diff(turn, said, transcript.path))
            )
    if not reply.get("done"):
        question = (reply.get("question") or {}).get("text", "")
        last = transcript.turns[-1]
        result.failures.append(
            Failure(
                last.expect[-1].line if last.expect else last.end,
                f"the transcript ends, but the bot still waits for an answer to: {question!r}",
            )
        )
    return result


def update(result: Result) -> bool:
    """Rewrite the failing expectations of a transcript file; True when it changed.

    Comments inside a rewritten reply move to its top; blank lines inside it go.
    """
    transcript = result.transcript
    lines = list(transcript.lines)
    changed = False
    # From the last turn up, so the line numbers of the turns above stay right.
    for turn, said in reversed(list(zip(transcript.turns, result.said, strict=False))):
        if check(turn, said) is None:
            continue
        new = updated(turn, said)
        if turn.expect:
            first, last = turn.expect[0].line, turn.expect[-1].line
            kept = [ln for ln in lines[first - 1 : last] if ln.startswith("#")]
            lines[first - 1 : last] = kept + new
        else:
            lines[turn.end : turn.end] = new
        changed = True
    if changed:
        Path(transcript.path).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return changed


def find(paths: Iterable[str | Path]) -> list[Path]:
    """The transcript files named, and those in the folders named, in a stable order."""
    found: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found.extend(sorted(p.rglob(f"*.{SUFFIX}")))
        else:
            found.append(p)
    return found


def run(
    paths: list[Path],
    conversation: Callable[[], Conversation],
    out: TextIO,
    *,
    fix: bool = False,
    knowledge_coverage: KnowledgeBase | None = None,
) -> int:
    """The `advisor replay` command: 0 all pass, 1 a failure (or a coverage gap), 2 malformed."""
    malformed = failed = 0
    reach: dict[str, set[Element]] = {}
    for path in paths:
        try:
            transcript = parse_file(path)
        except TranscriptError as exc:
            out.write(f"{exc}\n")
            malformed += 1
            continue
        talk = conversation()
        result = replay(transcript, talk)
        if isinstance(talk, LocalConversation):
            reach[path.name] = talk.reached()
        if result.ok:
            continue
        if fix and update(result):
            again = replay(parse_file(path), conversation())
            if again.ok:
                out.write(f"{path}: updated\n")
                continue
            result = again
        failed += 1
        out.write(result.report() + "\n")
    total = len(paths)
    out.write(
        f"{total} transcript{'' if total == 1 else 's'}: "
        f"{total - failed - malformed} passed, {failed} failed"
        + (f", {malformed} malformed" if malformed else "")
        + "\n"
    )
    status = 2 if malformed else 1 if failed else 0
    if knowledge_coverage is not None:
        lines, complete = coverage.report(knowledge_coverage.knowledge, reach)
        out.write("\n".join(lines) + "\n")
        if not complete and status == 0:
            status = 1
    return status
