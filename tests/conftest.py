from __future__ import annotations

import os
import re
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import settings

import advisor
from advisor import KnowledgeBase, Reply, Session

# The two messages exactly as the article prints them (wrapped and indented).
FIRST_MESSAGE = """\
  Your server has unexpectedly terminated the connection. Possible causes for
  this include server problems, network problems, or a long period of
  inactivity. Account: 'MSN Mail', Server:'smtp.email.msn.com', Protocol:
  'SMTP', Port: 25, Secure(SSL): No, Error Number: 0x800CCC0F"""
SECOND_MESSAGE = """\
  The TCP/IP connection was unexpectedly terminated by your mail server. If
  this problem persists, contact your LAN Administrator or Internet provider."""


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return advisor.load()


@pytest.fixture
def converse(kb: KnowledgeBase) -> Callable[..., tuple[Session, list[Reply]]]:
    """Start a session and send each answer; return the session and every reply."""

    def run(*answers: str) -> tuple[Session, list[Reply]]:
        session = kb.new_session()
        replies = [session.start()]
        for answer in answers:
            replies.append(session.send(answer))
        return session, replies

    return run


@pytest.fixture
def write_rules(tmp_path: Path) -> Callable[..., Path]:
    """Write rule files (name -> YAML text, dedented) into a fresh folder."""

    def write(**files: str) -> Path:
        folder = tmp_path / "rules"
        folder.mkdir(exist_ok=True)
        for name, text in files.items():
            (folder / f"{name}.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
        return folder

    return write


# Hypothesis: a bounded run by default (CI), many more examples with
# HYPOTHESIS_PROFILE=thorough. Inference takes milliseconds, so there is no deadline.
settings.register_profile("ci", max_examples=60, stateful_step_count=25, deadline=None)
settings.register_profile("thorough", max_examples=3000, stateful_step_count=40, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def fenced(path: Path, info: str = "") -> list[str]:
    """The fenced code blocks of a Markdown file whose info string is `info`."""
    fences = re.finditer(r"^```(\w*)\n(.*?)^```$", path.read_text(), re.DOTALL | re.MULTILINE)
    return [m[2] for m in fences if m[1] == info]
