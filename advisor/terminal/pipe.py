"""`advisor chat` over a pipe: one answer per line in, plain text (or JSON lines) out.

Other programs drive advisor this way; at a terminal, `advisor.terminal.app` takes over. The
session does all the work in both.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TextIO

from advisor.dialog.render import reply_lines
from advisor.dialog.reply import Reply
from advisor.dialog.session import Session
from advisor.language.text import clean, excerpt
from advisor.transcripts.format import Recorder

GOODBYE = "Goodbye."
ECHO_LIMIT = 200


def run(
    session: Session,
    stdin: TextIO,
    stdout: TextIO,
    *,
    jsonl: bool = False,
    record: Recorder | None = None,
) -> int:
    """Hold the conversation until the input ends; every line is answered."""
    show = _jsonl_writer(stdout) if jsonl else _text_writer(stdout)

    def emit(reply: Reply) -> None:
        show(reply)
        if record is not None:
            record.bot(reply.to_dict())

    emit(session.start())
    for raw in iter(stdin.readline, ""):
        line = raw.rstrip("\n")
        if not jsonl:
            # Echo piped answers so the output reads as the conversation it was.
            stdout.write(f"> {excerpt(clean(line), ECHO_LIMIT)}\n")
        if record is not None:
            record.user(line)
        emit(session.send(line))
    if not jsonl and not session.done:
        stdout.write(GOODBYE + "\n")
    return 0


def _text_writer(stdout: TextIO) -> Callable[[Reply], None]:
    def emit(reply: Reply) -> None:
        lines = list(reply_lines(reply.to_dict()))
        if lines:  # a blank line between turns keeps them apart
            stdout.write("\n".join(lines) + "\n\n")
            stdout.flush()

    return emit


def _jsonl_writer(stdout: TextIO) -> Callable[[Reply], None]:
    def emit(reply: Reply) -> None:
        stdout.write(json.dumps(reply.to_dict(), ensure_ascii=False) + "\n")
        stdout.flush()

    return emit
