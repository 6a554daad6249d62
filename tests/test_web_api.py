"""The HTTP API over a real socket: `advisor serve` in a subprocess, with the SQLite store."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import jsonschema
import pytest
from conftest import FIRST_MESSAGE, OFFERED_MESSAGES
from openapi_spec_validator import validate
from servers import Client, Server

from advisor import KnowledgeBase, Reply, Session
from advisor.web.errors import ERRORS

pytestmark = pytest.mark.slow

PORTAL = "https://portal.example"
# The whole Q194068 conversation, as a portal's page sends it: the pasted error, then clicks.
Q194068 = [FIRST_MESSAGE, "#lan", "#win98", "#no"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    args = ["--store", "sqlite:api.sqlite3", "--rate-limit", "40", "--cors-origin", PORTAL]
    server = Server(args, tmp_path_factory.mktemp("api"))
    yield server
    server.stop()


@pytest.fixture
def client(server: Server) -> Iterator[Client]:
    with Client(server.url) as client:
        yield client


def local(converse: Callable[..., tuple[Session, list[Reply]]], answers: list[str]) -> list[Any]:
    """The replies of a session in this process to the same answers."""
    _, replies = converse(*(a.lstrip("#") for a in answers))
    return [r.to_dict() for r in replies]


def error_of(response: httpx.Response, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == code
    assert ERRORS[code][0] == status
    assert "Traceback" not in response.text
    return str(body["error"]["message"])


def schema(name: str) -> dict[str, Any]:
    from advisor.web.openapi import document

    return {"$ref": f"#/components/schemas/{name}", "components": document()["components"]}


# -- a conversation -----------------------------------------------------------------------


def test_the_whole_q194068_conversation_over_http(client: Client, converse: Any) -> None:
    replies = [client.start(), *(client.say(answer) for answer in Q194068)]
    assert replies == local(converse, Q194068)
    final = replies[-1]
    assert final["done"] is True and final["question"] is None
    assert [m["text"] for m in final["messages"] if m["type"] == "warning"] == [
        "Windows 98 will prompt you with a warning about changing the TCP/IP configuration: click OK."
    ]
    assert any(m["type"] == "step" and m["number"] == "2.3" for m in final["messages"])
    for reply in replies:
        jsonschema.validate(reply, schema("Reply"))


def test_ids_and_tokens_are_long_random_and_tied_to_their_conversation(server: Server) -> None:
    with Client(server.url) as client:
        response = client.http.post("/v1/conversations", json={})
    data = response.json()
    jsonschema.validate(data, schema("Created"))
    assert response.headers["location"] == f"/v1/conversations/{data['conversation_id']}"
    conversation_id, secret = data["token"].split(".")
    assert conversation_id == data["conversation_id"]
    assert len(conversation_id) >= 22 and len(secret) >= 43  # 128 and 256 bits, base64url


def test_get_returns_the_whole_conversation_and_the_handoff(client: Client) -> None:
    client.start()
    client.say(FIRST_MESSAGE)
    client.say("#lan")
    response = client.get()
    assert response.status_code == 200
    data = response.json()
    jsonschema.validate(data, schema("Conversation"))
    assert data["conversation_id"] == client.conversation_id
    assert [t["sent"] for t in data["turns"]] == [None, {"text": FIRST_MESSAGE}, {"choice": "lan"}]
    assert data["done"] is False and data["question"]["id"] == "windows"
    assert data["turns"][-1]["reply"]["question"]["id"] == "windows"
    facts = {f["fact"]: f for f in data["handoff"]["facts"]}
    assert facts["server"]["value"] == "smtp.email.msn.com"
    assert facts["server"]["source"] == "extracted"
    assert facts["connection"]["source"] == "chosen"
    assert data["handoff"]["articles"][0]["id"] == "Q194068"


def test_explanations_are_endpoints(client: Client, kb: KnowledgeBase) -> None:
    client.start()
    client.say("0x800CCC0F")
    why = client.get("/why")
    assert why.status_code == 200
    assert why.json()["title"] == "Why I ask about the e-mail service you send through:"
    # The explanation is in words; an author asks for the rules by id as at the terminal.
    assert "(rule " not in why.text
    [authors] = client.say("/why --ids")["messages"]
    assert authors["type"] == "explanation" and "(rule Q194068/" in authors["text"]
    for answer in ["#msn", "#lan", "#win98", "#yes"]:
        client.say(answer)
    session = kb.new_session()
    session.start()
    for answer in ["0x800CCC0F", "msn", "lan", "win98", "yes"]:
        session.send(answer)
    how = client.get("/how", target="2.3")
    assert how.json() == session.how("2.3").to_dict()
    jsonschema.validate(how.json(), schema("Explanation"))
    assert client.get("/how").json() == session.how().to_dict()
    assert client.get("/facts").json() == session.facts().to_dict()


def test_a_retry_with_the_same_client_message_id_is_answered_once(client: Client) -> None:
    client.start()
    first = client.post(text="0x800CCC0F", client_message_id="m-1")
    again = client.post(text="0x800CCC0F", client_message_id="m-1")
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert "idempotent-replayed" not in first.headers
    assert again.headers["idempotent-replayed"] == "true"
    assert len(client.get().json()["turns"]) == 2
    error_of(
        client.post(text="something else", client_message_id="m-1"),
        422,
        "client_message_id_reused",
    )


def test_slash_commands_work_through_messages(client: Client) -> None:
    client.start()
    client.say("0x800CCC0F")
    reply = client.say("/why")
    assert reply["messages"][0]["type"] == "explanation"
    assert reply["question"]["id"] == "mail_service"


# -- every error ------------------------------------------------------------------------


def test_a_choice_must_be_one_of_the_questions_choices(client: Client) -> None:
    client.start()
    message = error_of(client.post(choice="lan"), 422, "invalid_choice")
    assert "takes text" in message
    client.say("0x800CCC0F")
    message = error_of(client.post(choice="win98"), 422, "invalid_choice")
    assert "msn, other, unknown" in message
    assert len(client.get().json()["turns"]) == 2  # refused messages are not turns


def test_a_text_question_offers_the_messages_it_knows_once_help_was_given(
    client: Client,
) -> None:
    client.start()
    reply = client.say("my outlook wont send")
    assert [m["type"] for m in reply["messages"]][-2:] == ["hint", "hint"]
    assert reply["question"]["kind"] == "text"
    ids = [c["id"] for c in reply["question"]["choices"]]
    assert ids == OFFERED_MESSAGES
    reply = client.say("#tcpip_terminated")  # picked, as the widget's button does
    assert reply["question"]["id"] == "mail_service"
    facts = {f["fact"]: f for f in client.get().json()["handoff"]["facts"]}
    assert facts["error_message"]["source"] == "chosen"


def test_a_message_to_a_finished_conversation_is_409(client: Client) -> None:
    client.start()
    for answer in ["0x800CCC0F", "#msn", "#lan", "#win95", "#no"]:
        client.say(answer)
    message = error_of(client.post(text="and one more thing"), 409, "conversation_over")
    assert message == (
        "This conversation is over, so I did not use “and one more thing”. "
        "Start a new conversation to ask again."
    )
    # Thanks are not refused: they get a goodbye.
    assert client.say("thank you")["messages"][0]["type"] == "goodbye"
    error_of(client.post(choice="yes"), 409, "conversation_over")
    # The commands still work after the advice, as at the terminal.
    assert client.say("/how 2.3")["messages"][0]["type"] == "explanation"


def test_malformed_json_is_400(client: Client) -> None:
    client.start()
    path = f"/v1/conversations/{client.conversation_id}/messages"
    headers = {**client.auth, "Content-Type": "application/json"}
    for body in [b'{"text": ', b"\xff\xfe not utf-8", b"[" * 100_000]:
        error_of(client.http.post(path, content=body, headers=headers), 400, "invalid_json")
    error_of(
        client.http.post("/v1/conversations", content=b"{", headers=headers), 400, "invalid_json"
    )


def test_a_body_that_is_not_json_is_415(client: Client) -> None:
    client.start()
    path = f"/v1/conversations/{client.conversation_id}/messages"
    response = client.http.post(path, data={"text": "hello"}, headers=client.auth)
    error_of(response, 415, "unsupported_media_type")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ([], "Send an object"),
        ({}, "exactly one of"),
        ({"text": "a", "choice": "lan"}, "exactly one of"),
        ({"text": 3}, "`text` is a string"),
        ({"choice": None}, "exactly one of"),
        ({"text": "a", "html": "<b>"}, "Unknown fields: html"),
        ({"text": "a", "client_message_id": ""}, "1 to 200"),
        ({"text": "a", "client_message_id": "x" * 201}, "1 to 200"),
        ({"text": "\ud800"}, "not valid Unicode"),
    ],
)
def test_a_body_of_the_wrong_shape_is_422(client: Client, body: Any, expected: str) -> None:
    client.start()
    path = f"/v1/conversations/{client.conversation_id}/messages"
    content = json.dumps(body).encode()
    headers = {**client.auth, "Content-Type": "application/json"}
    message = error_of(
        client.http.post(path, content=content, headers=headers), 422, "invalid_request"
    )
    assert expected in message


def test_a_new_conversation_takes_no_fields(client: Client) -> None:
    error_of(client.http.post("/v1/conversations", json={"x": 1}), 422, "invalid_request")
    assert client.http.post("/v1/conversations").status_code == 201  # no body at all is fine


def test_text_over_the_limit_is_422_and_a_body_over_the_limit_is_413(client: Client) -> None:
    client.start()
    error_of(client.post(text="x" * 70_000), 422, "text_too_long")
    error_of(client.post(text="x" * 300_000), 413, "body_too_large")
    path = f"/v1/conversations/{client.conversation_id}/messages"

    def chunks() -> Iterator[bytes]:  # no Content-Length: the server counts what arrives
        yield b'{"text": "'
        for _ in range(300):
            yield b"x" * 1024
        yield b'"}'

    headers = {**client.auth, "Content-Type": "application/json"}
    response = client.http.post(path, content=chunks(), headers=headers)
    error_of(response, 413, "body_too_large")
    assert client.say("0x800CCC0F")["question"]["id"] == "mail_service"


def test_wrong_tokens_are_401_and_another_conversations_token_is_403(server: Server) -> None:
    with Client(server.url) as alice, Client(server.url) as mallory:
        alice.start()
        mallory.start()
        path = f"/v1/conversations/{alice.conversation_id}"
        messages = f"{path}/messages"
        for headers in [
            {},
            {"Authorization": "Basic dXNlcjpwYXNz"},
            {"Authorization": "Bearer"},
            {"Authorization": "Bearer not-a-token"},
            {"Authorization": f"Bearer {alice.token}x"},
        ]:
            response = mallory.http.post(messages, json={"text": "hi"}, headers=headers)
            error_of(response, 401, "unauthorized")
            assert response.headers["www-authenticate"].startswith("Bearer")
        forged = alice.token[:-43] + "A" * 43  # the right id, a guessed secret
        error_of(
            mallory.http.get(path, headers={"Authorization": f"Bearer {forged}"}),
            401,
            "unauthorized",
        )
        for method, url in [("GET", path), ("POST", messages), ("GET", f"{path}/why")]:
            response = mallory.http.request(method, url, json={"text": "hi"}, headers=mallory.auth)
            error_of(response, 403, "forbidden")
        assert len(alice.get().json()["turns"]) == 1


def test_unknown_conversations_and_paths_are_404_and_wrong_methods_405(client: Client) -> None:
    gone = "A" * 22
    token = f"{gone}.{'B' * 43}"
    for path in [f"/v1/conversations/{gone}", f"/v1/conversations/{gone}/why"]:
        error_of(
            client.http.get(path, headers={"Authorization": f"Bearer {token}"}), 404, "not_found"
        )
    response = client.http.post(
        f"/v1/conversations/{gone}/messages",
        json={"text": "a"},
        headers={"Authorization": f"Bearer {token}"},
    )
    error_of(response, 404, "not_found")
    error_of(client.http.get("/v2/anything"), 404, "not_found")
    error_of(client.http.get("/v1/conversations"), 405, "method_not_allowed")


def test_too_many_requests_is_429_with_retry_after(server: Server) -> None:
    with Client(server.url) as client, Client(server.url) as neighbour:
        client.start()
        answered = 1
        while (response := client.get("/why")).status_code == 200 and answered < 200:
            answered += 1
        # 40 a minute; a new minute may start once during the loop.
        assert 40 <= answered < 80
        error_of(response, 429, "rate_limited")
        assert 1 <= int(response.headers["retry-after"]) <= 60
        neighbour.start()  # another client has its own budget
        assert neighbour.get("/why").status_code == 200
    assert httpx.get(f"{server.url}/healthz").status_code == 200  # not rate limited


def test_cors_answers_preflight_for_allowed_origins_only(client: Client) -> None:
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type",
    }
    response = client.http.options("/v1/conversations", headers={"Origin": PORTAL, **preflight})
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == PORTAL
    assert "POST" in response.headers["access-control-allow-methods"]
    assert "Authorization" in response.headers["access-control-allow-headers"]
    evil = client.http.options(
        "/v1/conversations", headers={"Origin": "https://evil.example", **preflight}
    )
    error_of(evil, 403, "origin_not_allowed")
    assert "access-control-allow-origin" not in evil.headers

    allowed = client.http.post("/v1/conversations", json={}, headers={"Origin": PORTAL})
    assert allowed.headers["access-control-allow-origin"] == PORTAL
    assert "Origin" in allowed.headers["vary"]
    other = client.http.post(
        "/v1/conversations", json={}, headers={"Origin": "https://evil.example"}
    )
    assert "access-control-allow-origin" not in other.headers


def test_idle_conversations_expire(serve: Callable[..., Server]) -> None:
    server = serve("--store", "sqlite:expiring.sqlite3", "--idle-timeout", "1")
    with Client(server.url) as client:
        client.start()
        assert client.get().status_code == 200
        time.sleep(1.5)
        error_of(client.get(), 404, "not_found")
        error_of(client.post(text="0x800CCC0F"), 404, "not_found")


# -- the service around the API -------------------------------------------------------------


def test_healthz_and_the_openapi_document(server: Server) -> None:
    health = httpx.get(f"{server.url}/healthz")
    assert health.json()["status"] == "ok"
    jsonschema.validate(health.json(), schema("Health"))
    document = httpx.get(f"{server.url}/openapi.json").json()
    validate(document)
    for code, (status, _) in ERRORS.items():
        assert f"`{code}` ({status})" in document["info"]["description"]
    # Each operation lists the errors it can answer with.
    post = document["paths"]["/v1/conversations/{conversation_id}/messages"]["post"]
    assert "`conversation_over`" in post["responses"]["409"]["description"]


def test_the_demo_page_and_the_widget_are_served_with_security_headers(server: Server) -> None:
    page = httpx.get(f"{server.url}/")
    assert page.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    assert '<script src="widget.js" data-endpoint="./"></script>' in page.text
    widget = httpx.get(f"{server.url}/widget.js")
    assert widget.headers["content-type"].startswith("text/javascript")
    assert widget.headers["cross-origin-resource-policy"] == "cross-origin"
    again = httpx.get(f"{server.url}/widget.js", headers={"If-None-Match": widget.headers["etag"]})
    assert again.status_code == 304
    assert "innerHTML" not in widget.text and "insertAdjacentHTML" not in widget.text
    assert httpx.get(f"{server.url}/widget.css").headers["content-type"].startswith("text/css")
