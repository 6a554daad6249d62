"""The ASGI application in this process: the rarer errors, and mounting it in a portal."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Mount, Route
from starlette.types import ASGIApp

from advisor import KnowledgeBase
from advisor.cli import main
from advisor.web import Settings, create_app
from advisor.web.conversations import Conversations
from advisor.web.errors import ERRORS
from advisor.web.stores import Busy, SQLiteStore, StoreError


class InProcess:
    """Requests to an ASGI application in this process, one event loop each."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    def request(self, method: str, url: str, **options: Any) -> httpx.Response:
        async def send() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                return await client.request(method, url, **options)

        return asyncio.run(send())

    def get(self, url: str, **options: Any) -> httpx.Response:
        return self.request("GET", url, **options)

    def post(self, url: str, **options: Any) -> httpx.Response:
        return self.request("POST", url, **options)


def app_client(settings: Settings, kb: KnowledgeBase, mount: str = "") -> Iterator[InProcess]:
    app = create_app(settings, kb=kb)
    try:
        if not mount:
            yield InProcess(app)
            return

        async def home(request: Request) -> PlainTextResponse:
            return PlainTextResponse("portal home")

        yield InProcess(Starlette(routes=[Route("/", home), Mount(mount, app=app)]))
    finally:
        app.state.store.close()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(store=f"sqlite:{tmp_path / 'app.sqlite3'}", max_turns=3)


@pytest.fixture
def client(settings: Settings, kb: KnowledgeBase) -> Iterator[InProcess]:
    yield from app_client(settings, kb)


def start(client: InProcess, prefix: str = "") -> tuple[str, dict[str, str]]:
    created = client.post(f"{prefix}/v1/conversations", json={}).json()
    return created["conversation_id"], {"Authorization": f"Bearer {created['token']}"}


def error(response: Any) -> tuple[int, str]:
    assert "Traceback" not in response.text
    return response.status_code, response.json()["error"]["code"]


def test_a_conversation_has_a_limit_of_turns(client: InProcess) -> None:
    conversation_id, auth = start(client)
    path = f"/v1/conversations/{conversation_id}/messages"
    for _ in range(3):
        assert client.post(path, json={"text": "/why"}, headers=auth).status_code == 200
    assert error(client.post(path, json={"text": "/why"}, headers=auth)) == (
        409,
        "conversation_full",
    )


def test_a_state_saved_with_other_rules_is_409(
    client: InProcess, settings: Settings, kb: KnowledgeBase
) -> None:
    conversation_id, auth = start(client)
    store = SQLiteStore(settings.store.removeprefix("sqlite:"), idle_timeout=60, lock_wait=1)
    with store.locked(conversation_id) as slot:
        assert slot.record is not None
        slot.record.state = {"format": 99, "answers": []}
        slot.save(slot.record)
    store.close()
    response = client.get(f"/v1/conversations/{conversation_id}", headers=auth)
    assert error(response) == (409, "stale_conversation")
    assert "format" in response.json()["error"]["message"]


def test_an_unexpected_error_is_logged_and_answered_without_details(
    client: InProcess, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(self: Conversations) -> None:
        raise RuntimeError("secret detail")

    monkeypatch.setattr(Conversations, "create", broken)
    with caplog.at_level(logging.ERROR, logger="advisor.web"):
        response = client.post("/v1/conversations", json={})
    assert error(response) == (500, "internal_error")
    assert "secret detail" not in response.text
    assert "secret detail" in caplog.text and "Traceback" in caplog.text


def test_a_client_that_leaves_mid_request_is_not_an_error(
    settings: Settings, kb: KnowledgeBase, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(settings, kb=kb)
    sent: list[dict[str, Any]] = []
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/v1/conversations",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"content-type", b"application/json"), (b"content-length", b"100")],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
        "scheme": "http",
        "http_version": "1.1",
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    with caplog.at_level(logging.INFO, logger="advisor.web"):
        asyncio.run(app(scope, receive, send))
    assert sent == [] and caplog.text == ""


@pytest.mark.parametrize(
    ("failure", "expected"),
    [(Busy("held"), (503, "busy")), (StoreError("down"), (503, "store_unavailable"))],
)
def test_store_failures_are_503_with_retry_after(
    client: InProcess,
    monkeypatch: pytest.MonkeyPatch,
    failure: Exception,
    expected: tuple[int, str],
) -> None:
    conversation_id, auth = start(client)

    def fail(*args: object) -> None:
        raise failure

    monkeypatch.setattr(SQLiteStore, "locked", fail)
    monkeypatch.setattr(SQLiteStore, "ping", fail)
    path = f"/v1/conversations/{conversation_id}/messages"
    response = client.post(path, json={"text": "hi"}, headers=auth)
    assert error(response) == expected
    assert response.headers["retry-after"] == "1"
    assert client.get("/healthz").status_code == 503


def test_cors_can_allow_any_origin(tmp_path: Path, kb: KnowledgeBase) -> None:
    settings = Settings(store=f"sqlite:{tmp_path / 'any.sqlite3'}", cors_origins=("*",))
    for client in app_client(settings, kb):
        response = client.post("/v1/conversations", headers={"Origin": "https://a.example"})
    assert response.headers["access-control-allow-origin"] == "*"


def test_the_app_mounts_inside_a_portal(settings: Settings, kb: KnowledgeBase) -> None:
    for client in app_client(settings, kb, mount="/support/advisor"):
        assert client.get("/").text == "portal home"
        response = client.post("/support/advisor/v1/conversations", json={})
        assert response.status_code == 201
        location = f"/support/advisor/v1/conversations/{response.json()['conversation_id']}"
        assert response.headers["location"] == location
        token = response.json()["token"]
        shown = client.get(location, headers={"Authorization": f"Bearer {token}"})
        assert shown.json()["turns"][0]["reply"]["question"]["id"] == "error_text"
        assert client.get("/support/advisor/widget.js").status_code == 200
        page = client.get("/support/advisor/")
        assert 'src="widget.js"' in page.text  # relative: it works under any prefix


def test_the_readme_documents_every_error_code() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    for code, (status, _) in ERRORS.items():
        assert re.search(rf"^\| {status} \| [^|]*`{code}`", readme, re.MULTILINE), code


@pytest.mark.parametrize(
    ("option", "env", "said"),
    [
        (["--threads", "-1"], {}, "--threads: Input should be greater than or equal to 0"),
        (["--workers", "0"], {}, "--workers: Input should be greater than or equal to 1"),
        (["--engines", "many"], {}, "--engines: Input should be a valid integer"),
        (["--port", "99999"], {}, "--port: Input should be less than or equal to 65535"),
        ([], {"ADVISOR_PORT": "-5"}, "ADVISOR_PORT: Input should be greater than or equal to 0"),
        ([], {"ADVISOR_LOG_FORMAT": "xml"}, "ADVISOR_LOG_FORMAT: Input should be 'text' or"),
    ],
)
def test_serve_refuses_values_out_of_range(
    option: list[str],
    env: dict[str, str],
    said: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["serve", *option]) == 2
    err = capsys.readouterr().err
    assert said in err and len(err.strip().splitlines()) == 1


def test_an_id_beyond_ascii_is_refused_not_a_crash(client: InProcess) -> None:
    _, auth = start(client)
    for suffix in ("", "/messages", "/feedback", "/handoff"):
        response = client.request(
            "GET" if not suffix else "POST", f"/v1/conversations/%C3%A9{suffix}", headers=auth
        )
        assert error(response) == (403, "forbidden"), suffix


def test_a_new_conversation_takes_an_object_or_nothing(client: InProcess) -> None:
    assert client.post("/v1/conversations").status_code == 201
    assert client.post("/v1/conversations", json={}).status_code == 201
    for body in (None, [], "x", 0):
        response = client.post(
            "/v1/conversations",
            content=json.dumps(body),
            headers={"Content-Type": "application/json"},
        )
        assert error(response) == (422, "invalid_request"), body


def test_a_hand_off_takes_an_object_or_nothing(client: InProcess) -> None:
    conversation_id, auth = start(client)
    path = f"/v1/conversations/{conversation_id}/handoff"
    null = client.post(path, content="null", headers={**auth, "Content-Type": "application/json"})
    assert error(null) == (422, "invalid_request")
    assert client.post(path, headers=auth).status_code == 202


def test_a_page_of_another_origin_may_read_every_header_it_needs(
    tmp_path: Path, kb: KnowledgeBase
) -> None:
    settings = Settings(store=f"sqlite:{tmp_path / 'cors.sqlite3'}", cors_origins=("*",))
    for client in app_client(settings, kb):
        response = client.post("/v1/conversations", headers={"Origin": "https://a.example"})
        exposed = {h.strip() for h in response.headers["access-control-expose-headers"].split(",")}
        assert {"Idempotent-Replayed", "Retry-After", "Location", "X-Request-ID"} <= exposed


def test_any_redis_failure_is_store_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    """A hung Redis times out with redis-py's TimeoutError, which is no ConnectionError."""
    import redis.exceptions

    from advisor.web.stores import RedisStore

    store = RedisStore.__new__(RedisStore)
    store.url = "redis://hung.example:6379/0"
    for failure in (
        redis.exceptions.TimeoutError("Timeout reading from socket"),
        redis.exceptions.ResponseError("MISCONF no disk"),
        redis.exceptions.ConnectionError("refused"),
    ):
        with pytest.raises(StoreError, match=r"Redis at redis://hung\.example"), store._errors():
            raise failure
