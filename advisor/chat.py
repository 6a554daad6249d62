"""`advisor chat`: the conversation on a terminal or over a pipe.

Over a pipe it reads one answer per line and writes plain text (or, with --jsonl, each
reply as one JSON line), so other programs can drive it. The session does all the work.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TextIO

from advisor.plain import reply_lines
from advisor.reply import Reply
from advisor.session import Session
from advisor.transcript import Recorder
from advisor.understand import clean, excerpt

GOODBYE = "Goodbye."
ECHO_LIMIT = 200


def run(
    session: Session,
    stdin: TextIO,
    stdout: TextIO,
    *,
    jsonl: bool = False,
    interactive: bool = False,
    record: Recorder | None = None,
) -> int:
    """Hold the conversation until it is over (interactive) or the input ends."""
    show = _jsonl_writer(stdout) if jsonl else _text_writer(stdout)

    def emit(reply: Reply) -> None:
        show(reply)
        if record is not None:
            record.bot(reply.to_dict())

    emit(session.start())
    while True:
        if interactive and not session.done:
            stdout.write("> ")
            stdout.flush()
        line = stdin.readline()
        if not line:
            break
        line = line.rstrip("\n")
        if not interactive and not jsonl:
            # Echo piped answers so the output reads as the conversation it was.
            stdout.write(f"> {excerpt(clean(line), ECHO_LIMIT)}\n")
        if record is not None:
            record.user(line)
        reply = session.send(line)
        emit(reply)
        # A person at a terminal is done when the advice is given; a pipe is read to its
        # end so that nothing it holds goes unanswered.
        if interactive and reply.done:
            return 0
    if not jsonl and not session.done:
        stdout.write(("\n" if interactive else "") + GOODBYE + "\n")
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
