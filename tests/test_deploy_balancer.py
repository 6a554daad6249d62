"""Two `advisor serve` processes on one Redis behind HAProxy, run with the repository's
deploy/haproxy.cfg as it is (its addresses come from the environment)."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from conftest import fenced
from servers import Client, Server
from test_web_deploy import answer, local_replies

from advisor import KnowledgeBase
from benchmarks.services import free_port

pytestmark = pytest.mark.slow

Serve = Callable[..., Server]
ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "deploy" / "haproxy.cfg"
PLAN = {
    "error_text": "0x800CCC0F",
    "mail_service": "msn",
    "connection": "isp",
    "windows": "win98se",
    "network_adapter": "yes",
}


class Balancer:
    """HAProxy in the foreground on deploy/haproxy.cfg, in front of `servers`."""

    def __init__(self, servers: list[Server], folder: Path) -> None:
        listen = f"127.0.0.1:{free_port()}"
        env = {
            **os.environ,
            "ADVISOR_LISTEN": listen,
            **{f"ADVISOR{n}": s.url.removeprefix("http://") for n, s in enumerate(servers, 1)},
        }
        self.log = folder / "haproxy.log"
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                ["haproxy", "-db", "-f", str(CONFIG)],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.url = f"http://{listen}"

    def wait_until_up(self, names: set[str]) -> None:
        """Until requests have reached each of `names` (the health checks passed)."""
        seen: set[str] = set()
        deadline = time.monotonic() + 30
        while seen < names:
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError(f"HAProxy reached {seen} only:\n{self.log.read_text()}")
            try:
                response = httpx.get(f"{self.url}/livez", timeout=2)
                seen.add(response.headers.get("x-advisor-server", ""))
            except httpx.TransportError:
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


@pytest.fixture
def balanced(
    serve: Serve, redis_url: str, tmp_path: Path
) -> Iterator[tuple[Balancer, dict[str, Server]]]:
    """The balancer and its servers by the names the config gives them."""
    if shutil.which("haproxy") is None:
        pytest.skip("haproxy is not installed (apt-get install haproxy; CI does)")
    servers = {"advisor1": serve("--store", redis_url), "advisor2": serve("--store", redis_url)}
    balancer = Balancer(list(servers.values()), tmp_path)
    try:
        balancer.wait_until_up(set(servers))
        yield balancer, servers
    finally:
        balancer.stop()


def served_by(response: httpx.Response) -> str:
    return response.headers["x-advisor-server"]


def converse(client: Client, plan: dict[str, str], turns: int | None = None) -> list[str]:
    """Answer the questions (`turns` of them, or to the end); the server of each request,
    including a GET of the conversation and of its explanation."""
    servers = []
    while turns is None or turns > 0:
        shown = client.get()
        assert shown.status_code == 200, shown.text
        servers.append(served_by(shown))
        question = shown.json()["turns"][-1]["reply"]["question"]
        if question is None:
            break
        response = client.post(**answer(plan, {"question": question}))
        assert response.status_code == 200, response.text
        servers.append(served_by(response))
        turns = None if turns is None else turns - 1
    why = client.get("/facts")
    assert why.status_code == 200, why.text
    return [*servers, served_by(why)]


def test_each_conversation_keeps_to_one_server_and_they_spread_over_both(
    balanced: tuple[Balancer, dict[str, Server]], kb: KnowledgeBase
) -> None:
    balancer, _ = balanced
    per_conversation = []
    for _ in range(24):
        with Client(balancer.url) as client:
            client.start()
            per_conversation.append(converse(client, PLAN, turns=1))
    for servers in per_conversation:
        assert len(set(servers)) == 1, servers  # all requests of one conversation
    spread = Counter(servers[0] for servers in per_conversation)
    assert set(spread) == {"advisor1", "advisor2"}, spread

    with Client(balancer.url) as client:
        replies = [client.start()]
        servers = converse(client, PLAN)
        replies += [t["reply"] for t in client.get().json()["turns"][1:]]
    assert replies == local_replies(kb, PLAN)  # the advice, through the balancer
    assert len(set(servers)) == 1


def test_a_conversation_continues_on_the_other_server_when_its_server_stops(
    balanced: tuple[Balancer, dict[str, Server]], kb: KnowledgeBase
) -> None:
    balancer, servers = balanced
    with Client(balancer.url) as client:
        client.start()
        [first] = set(converse(client, PLAN, turns=2))
        servers[first].stop()
        # No wait for the health check: a request HAProxy cannot send goes elsewhere.
        then = set(converse(client, PLAN))
        assert then == set(servers) - {first}
        turns = client.get().json()["turns"]
    assert [t["reply"] for t in turns] == local_replies(kb, PLAN)


def test_the_deploy_guide_shows_the_config_that_is_tested() -> None:
    [shown] = fenced(ROOT / "docs" / "deploy.md", "haproxy")
    lines = CONFIG.read_text().splitlines()
    for line in shown.splitlines():
        assert line.strip() == "..." or line in lines, line
