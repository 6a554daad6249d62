"""What the operators of a portal get from a real `advisor serve`: configuration from the
environment, hand-offs signed and delivered to their webhook (again after a restart),
feedback, probes, Prometheus metrics over several workers, and JSON logs."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import FIRST_MESSAGE
from servers import Client, Server
from test_cli import advisor_command

from benchmarks.services import start_redis

pytestmark = pytest.mark.slow

Serve = Callable[..., Server]
SECRET = "webhook-key-0123"
PLAN = {
    "error_text": FIRST_MESSAGE,
    "mail_service": "#msn",
    "connection": "#lan",
    "windows": "#win98",
    "network_adapter": "#yes",
}
TURNS = 4  # the pasted message names MSN's server: the mail service is not asked


class Webhook:
    """The operator's receiver: keeps what it is sent; answers `status` (a list: one per
    request, the last repeated)."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.statuses = statuses or [204]
        received, statuses_left = self.received, self.statuses

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status = statuses_left.pop(0) if len(statuses_left) > 1 else statuses_left[0]
                if status < 300:
                    received.append((dict(self.headers), body))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/advisor"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait(self, count: int = 1, seconds: float = 20) -> list[tuple[dict[str, str], bytes]]:
        deadline = time.monotonic() + seconds
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.received) >= count, f"{len(self.received)} deliveries"
        return self.received

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook() -> Iterator[Callable[..., Webhook]]:
    made: list[Webhook] = []

    def make(statuses: list[int] | None = None) -> Webhook:
        made.append(Webhook(statuses))
        return made[-1]

    yield make
    for hook in made:
        hook.close()


def metric(text: str, name: str, **labels: str) -> float:
    """The value of one sample in the Prometheus text format (0 when absent)."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    pattern = re.escape(name) + (r"\{" + re.escape(wanted) + r"\}" if labels else "")
    found = re.search(rf"^{pattern} (\S+)$", text, re.MULTILINE)
    return float(found[1]) if found else 0.0


def to_advice(client: Client) -> dict[str, Any]:
    replies = [client.start()]
    while not replies[-1]["done"]:
        replies.append(client.say(PLAN[replies[-1]["question"]["id"]]))
    said = [m["type"] for reply in replies for m in reply["messages"]]
    assert len(replies) - 1 == TURNS and "diagnosis" in said and "step" in said
    return replies[-1]


def test_a_server_configured_by_the_environment_alone(
    serve: Serve, webhook: Callable[..., Webhook], tmp_path: Path
) -> None:
    hook = webhook()
    store = f"sqlite:{tmp_path / 'env.sqlite3'}"
    server = serve(
        env={
            "ADVISOR_PORT": "0",
            "ADVISOR_STORE": store,
            "ADVISOR_HANDOFF_URL": hook.url,
            "ADVISOR_HANDOFF_SECRET": SECRET,
            "ADVISOR_LOG_FORMAT": "json",
            "ADVISOR_RATE_LIMIT": "0",
        }
    )
    with Client(server.url) as client:
        to_advice(client)
        feedback = client.http.post(
            f"/v1/conversations/{client.conversation_id}/feedback",
            json={"solved": False, "comment": "still the same error"},
            headers=client.auth,
        )
        assert feedback.status_code == 201, feedback.text
        asked = client.http.post(
            f"/v1/conversations/{client.conversation_id}/handoff",
            json={"contact": "pat@example.com", "comment": "please call"},
            headers=client.auth,
        )
        assert asked.status_code == 202, asked.text
        summary = asked.json()
        assert summary["conversation_id"] == client.conversation_id
        assert summary["contact"] == "pat@example.com"
        assert [a["id"] for a in summary["articles"] if a["status"] == "applies"] == ["Q194068"]
        advised = client.conversation_id
        assert {f["fact"]: f["source"] for f in summary["facts"]}["windows"] == "chosen"
        assert [f["solved"] for f in summary["feedback"]] == [False]
        assert "2.3" in [s["number"] for s in summary["steps"]]

        [(headers, body)] = hook.wait()
        expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        assert headers["X-Advisor-Signature"] == expected
        assert json.loads(body) == summary

        assert client.http.get("/livez").status_code == 200
        assert client.http.get("/readyz").json() == {"status": "ok"}
        scraped = client.http.get("/metrics")
        assert scraped.headers["content-type"].startswith("text/plain")
        text = scraped.text
        assert metric(text, "advisor_turns_total") == TURNS
        assert metric(text, "advisor_turn_seconds_count") == TURNS
        assert metric(text, "advisor_outcomes_total", article="Q194068", status="applies") == 1
        assert metric(text, "advisor_handoffs_total") == 1
        assert metric(text, "advisor_no_match_total") == 0

        # A conversation no article fits is counted as such.
        client.start()
        client.say("0x12345678")
        client.say("I have no error number")
        text = client.http.get("/metrics").text
        assert metric(text, "advisor_no_match_total") == 1

        # A third person leaves at the first question after their paste.
        client.start()
        client.say(FIRST_MESSAGE)

    # The report, from what the service kept as the conversations went.
    done = subprocess.run(
        [*advisor_command(), "report", "--store", store, "--format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    report = json.loads(done.stdout)
    counts = report["conversations"]
    assert (counts["total"], counts["advice"], counts["no_match"], counts["open"]) == (3, 1, 1, 1)
    assert (counts["not_solved"], counts["handed_off"]) == (1, 1)
    [q194068] = [a for a in report["per_article"] if a["article"] == "Q194068"]
    assert (q194068["concluded"], q194068["not_solved"], q194068["handed_off"]) == (1, 1, 1)
    assert [m["example"] for m in report["no_match"]] == ["0x12345678"]
    assert [d["question"] for d in report["drop_off"]] == ["connection"]

    # JSON logs: one object a line, with the request and the conversation, and none of
    # what the person typed.
    lines = [json.loads(line) for line in server.log.read_text().splitlines() if line]
    assert all({"time", "level", "message", "request_id"} <= set(line) for line in lines)
    turns = [line for line in lines if line["conversation_id"] == advised]
    assert turns and all(line["request_id"] for line in turns)
    assert "0x12345678" not in server.log.read_text()


def test_a_hand_off_survives_a_restart_and_a_failing_receiver(
    serve: Serve, webhook: Callable[..., Webhook], tmp_path: Path
) -> None:
    hook = webhook([503, 204])  # the receiver fails once, then takes it
    store = f"sqlite:{tmp_path / 'outbox.sqlite3'}"
    unreachable = "http://127.0.0.1:9/nobody-listens"
    server = serve("--store", store, "--handoff-url", unreachable, "--rate-limit", "0")
    with Client(server.url) as client:
        to_advice(client)
        asked = client.http.post(
            f"/v1/conversations/{client.conversation_id}/handoff", json={}, headers=client.auth
        )
        assert asked.status_code == 202
    server.stop()  # before anything could be delivered
    serve("--store", store, "--handoff-url", hook.url, "--handoff-secret", SECRET)
    [(_, body)] = hook.wait(seconds=30)
    assert json.loads(body)["handoff_id"] == asked.json()["handoff_id"]
    assert hook.statuses == [204]  # the 503 was met, and the delivery tried again


def test_metrics_add_up_over_worker_processes(serve: Serve, tmp_path: Path) -> None:
    server = serve(
        "--workers", "2", "--store", f"sqlite:{tmp_path / 'w.sqlite3'}", "--rate-limit", "0"
    )
    conversations = 6
    for _ in range(conversations):  # new connections: the kernel spreads them over workers
        with Client(server.url) as client:
            to_advice(client)
    text = httpx.get(f"{server.url}/metrics").text
    assert metric(text, "advisor_turns_total") == conversations * TURNS
    assert metric(text, "advisor_outcomes_total", article="Q194068", status="applies") == 6


def test_readyz_says_when_the_store_is_gone(serve: Serve, tmp_path: Path) -> None:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server; CI does)")
    redis, url = start_redis(tmp_path)
    try:
        server = serve("--store", url)
        assert httpx.get(f"{server.url}/readyz").status_code == 200
    finally:
        redis.kill()
        redis.wait()
    gone = httpx.get(f"{server.url}/readyz", timeout=30)
    assert gone.status_code == 503 and gone.json()["status"] == "unavailable"
    assert httpx.get(f"{server.url}/livez").status_code == 200  # the process still serves
    text = httpx.get(f"{server.url}/metrics").text
    assert metric(text, "advisor_store_errors_total") >= 1
