from __future__ import annotations

import os
import re
import shutil
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import settings

import advisor
from advisor import KnowledgeBase, Reply, Session
from advisor.inference.facts import Known
from benchmarks.services import start_redis

if TYPE_CHECKING:
    from playwright.sync_api import Browser
    from servers import Server

# The two messages exactly as the article prints them (wrapped and indented).
FIRST_MESSAGE = """\
  Your server has unexpectedly terminated the connection. Possible causes for
  this include server problems, network problems, or a long period of
  inactivity. Account: 'MSN Mail', Server:'smtp.email.msn.com', Protocol:
  'SMTP', Port: 25, Secure(SSL): No, Error Number: 0x800CCC0F"""
SECOND_MESSAGE = """\
  The TCP/IP connection was unexpectedly terminated by your mail server. If
  this problem persists, contact your LAN Administrator or Internet provider."""

# The error messages a person who names none is offered, in the order of the rule files,
# then "I don't know".
OFFERED_MESSAGES = [
    "server_terminated",
    "tcpip_terminated",
    "host_not_found",
    "invalid_address",
    "not_responded",
    "no_dial_up_connection",
    "dpa_loading",
    "spa_logon",
    "unknown",
]


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return advisor.load()


CHROMIUM = Path("/usr/bin/chromium")
# Playwright's own browser download does not work here; Debian's chromium does, and without
# the background-networking flags it keeps trying to reach Google's hosts.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's chromium, driven by Playwright, for the tests of pages of one module (its
    event loop must not outlive them: other tests run their own)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium; CI does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def said(kb: KnowledgeBase, text: str) -> list[Known]:
    """The answers a session holds after the person typed `text` for the error: the text,
    and what the language layer read from it (the engine gets facts, not text)."""
    session = kb.new_session()
    session.start()
    session.send(text)
    return list(session.answers)


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


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real redis-server for the session, on a free loopback port."""
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server; CI does)")
    process, url = start_redis(tmp_path_factory.mktemp("redis"))
    yield url
    process.terminate()
    process.wait(10)


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., Server]]:
    """Start `advisor serve` processes (in tmp_path, or `folder=`); all stop at the end."""
    from servers import Server

    servers: list[Server] = []

    def start(*args: str, folder: Path | None = None, env: dict[str, str] | None = None) -> Server:
        server = Server(list(args), folder or tmp_path, env)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


# Hypothesis: a bounded run by default (CI), many more examples with
# HYPOTHESIS_PROFILE=thorough. Inference takes milliseconds, so there is no deadline.
settings.register_profile("ci", max_examples=60, stateful_step_count=25, deadline=None)
settings.register_profile("thorough", max_examples=3000, stateful_step_count=40, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def fenced(path: Path, info: str = "") -> list[str]:
    """The fenced code blocks of a Markdown file whose info string is `info`."""
    fences = re.finditer(r"^```(\w*)\n(.*?)^```$", path.read_text(), re.DOTALL | re.MULTILINE)
    return [m[2] for m in fences if m[1] == info]
