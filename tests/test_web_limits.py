"""What a real `advisor serve` does with clients that send too much, too slowly, too many
at once, or not HTTP at all: each refused in the API's JSON error shape, and none able to
grow a worker or hold its connections."""

from __future__ import annotations

import contextlib
import json
import socket
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from servers import Server

from advisor.web.errors import ERRORS

pytestmark = pytest.mark.slow

Serve = Callable[..., Server]
HEAD = b"GET /healthz HTTP/1.1\r\nHost: advisor\r\n"


def connect(server: Server) -> socket.socket:
    url = urlsplit(server.url)
    assert url.hostname is not None and url.port is not None
    return socket.create_connection((url.hostname, url.port), timeout=10)


def answer(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """The one answer on `sock`, read until the server closes it: status, headers, body."""
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines)
    return int(status_line.split()[1]), headers, body


def error_code(status: int, headers: dict[str, str], body: bytes) -> str:
    """The code of an error answer in the API's shape (checked against its status)."""
    assert headers["content-type"] == "application/json", headers
    error = json.loads(body)["error"]
    assert set(error) == {"code", "message"} and ERRORS[error["code"]][0] == status
    return str(error["code"])


def peak_memory(server: Server) -> int:
    """The most resident memory the worker has had, bytes (what it takes while reading a
    request, which it may give back once it is answered)."""
    status = Path(f"/proc/{server.process.pid}/status").read_text()
    [line] = [ln for ln in status.splitlines() if ln.startswith("VmHWM:")]
    return int(line.split()[1]) * 1024


def test_malformed_http_is_answered_in_the_json_error_shape(serve: Serve) -> None:
    server = serve()
    with connect(server) as sock:
        sock.sendall(b"THIS IS NOT HTTP\r\n\r\n")
        status, headers, body = answer(sock)
    assert status == 400
    assert error_code(status, headers, body) == "malformed_request"


def test_a_request_head_over_the_limit_is_431_and_does_not_grow_the_worker(
    serve: Serve,
) -> None:
    server = serve("--max-header-bytes", "16384")
    with connect(server) as sock:  # a head just within the limit is served
        sock.sendall(HEAD + b"X-Pad: " + b"a" * 16_000 + b"\r\nConnection: close\r\n\r\n")
        assert answer(sock)[0] == 200
    before = peak_memory(server)
    for size in (1 << 20, 32 << 20):  # one header of 1 MB, then one of 32 MB
        with connect(server) as sock:
            # Closed before all of it is sent, maybe: the answer is there to read anyway.
            with contextlib.suppress(OSError):
                sock.sendall(HEAD + b"X-Big: " + b"a" * size + b"\r\n\r\n")
            status, headers, body = answer(sock)
        assert status == 431
        assert error_code(status, headers, body) == "headers_too_large"
    assert peak_memory(server) - before < 4 << 20
    assert httpx.get(f"{server.url}/healthz").status_code == 200


def test_half_sent_requests_are_closed_after_the_header_timeout(serve: Serve) -> None:
    """100 clients that never finish their request head: answered 408 once the header
    timeout (set in the environment here) is over, and served no one less meanwhile."""
    env = {"ADVISOR_PORT": "0", "ADVISOR_LOG_LEVEL": "warning", "ADVISOR_HEADER_TIMEOUT": "1"}
    server = serve(env=env)
    started = time.monotonic()
    slow = [connect(server) for _ in range(100)]
    for sock in slow:
        sock.sendall(HEAD)  # and never the blank line that ends it
    with httpx.Client(base_url=server.url) as client:
        assert client.get("/healthz").status_code == 200
        assert client.post("/v1/conversations").status_code == 201
    codes = []
    for sock in slow:
        with sock:
            codes.append(error_code(*answer(sock)))
    assert codes == ["request_timeout"] * 100
    assert time.monotonic() - started < 6  # not held until the clients give up


def test_a_half_sent_body_is_answered_408(serve: Serve) -> None:
    server = serve("--header-timeout", "1")
    started = time.monotonic()
    with connect(server) as sock:
        sock.sendall(
            b"POST /v1/conversations HTTP/1.1\r\nHost: advisor\r\n"
            b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
        )
        assert error_code(*answer(sock)) == "request_timeout"
    assert time.monotonic() - started < 4
    assert httpx.post(f"{server.url}/v1/conversations").status_code == 201


def test_an_idle_connection_is_closed_after_the_keep_alive_timeout(serve: Serve) -> None:
    server = serve("--keep-alive-timeout", "0.5")
    with connect(server) as sock:
        sock.sendall(HEAD + b"\r\n")
        time.sleep(0.2)
        assert sock.recv(65536).startswith(b"HTTP/1.1 200")
        started = time.monotonic()
        assert sock.recv(65536) == b""  # closed by the server
        assert time.monotonic() - started < 2  # uvicorn's own default is 5 s


def test_past_max_connections_a_request_is_answered_503(serve: Serve) -> None:
    server = serve("--max-connections", "5")
    idle = [connect(server) for _ in range(5)]
    time.sleep(0.3)  # all five are accepted
    with connect(server) as sock:
        sock.sendall(HEAD + b"\r\n")
        status, headers, body = answer(sock)
    assert status == 503 and headers["retry-after"] == "1"
    assert error_code(status, headers, body) == "overloaded"
    for sock in idle:
        sock.close()
    time.sleep(0.3)
    assert httpx.get(f"{server.url}/healthz").status_code == 200
