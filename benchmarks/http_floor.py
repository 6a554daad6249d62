"""The floor of the HTTP service: what a turn costs on the same stack with no advisor in it.

    python -m benchmarks.http_floor --store sqlite:floor.sqlite3 [--workers N]

The same routes as `advisor serve` for a conversation (create it, send a message), on the
same stack: Starlette, uvicorn as `advisor serve` runs it (its default HTTP parser and
event loop: httptools and uvloop when installed; one listening socket shared by the
workers) and advisor's own stores. A message loads the conversation's record under its
lock, checks the token, looks up its reply in a dictionary where advisor would read the
text and infer, adds the turn to the log and writes the record back, and answers with JSON
of the size advisor's has. It prints the line `advisor serve` prints, so the benchmark
starts either the same way.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import hmac
import secrets
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

import advisor
from advisor.web.logs import RequestIds
from advisor.web.responses import json_response
from advisor.web.server import bind, run
from advisor.web.stores import Record, open_store
from benchmarks.measure import BUNDLED


def replies() -> dict[str, dict[str, Any]]:
    """advisor's replies to the bundled conversations, by the first word of each answer
    (lower case); "" holds the opening. Made once, when the app starts."""
    kb = advisor.load()
    found: dict[str, dict[str, Any]] = {}
    for answers in BUNDLED:
        session = kb.new_session()
        found[""] = session.start().to_dict()
        for answer in answers:
            found.setdefault(_word(answer), session.send(answer).to_dict())
    return found


def _word(text: str) -> str:
    return text.split(maxsplit=1)[0].lower() if text.strip() else ""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_app(store_url: str) -> Starlette:
    store = open_store(store_url, idle_timeout=3600.0, lock_wait=5.0)
    table = replies()

    async def create(request: Request) -> Response:
        conversation_id = secrets.token_urlsafe(16)
        token = f"{conversation_id}.{secrets.token_urlsafe(32)}"
        now = time.time()
        record = Record(conversation_id, _hash(token), {"answers": []}, now, now)
        reply = table[""]
        record.add({"sent": None, "client_message_id": None, "reply": reply, "at": now})
        store.create(record)
        return json_response(
            {"conversation_id": conversation_id, "token": token, "reply": reply}, 201
        )

    async def message(request: Request) -> Response:
        conversation_id = request.path_params["conversation_id"]
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        text = str((await request.json()).get("text", ""))
        with store.locked(conversation_id) as slot:
            record = slot.record
            if record is None or not hmac.compare_digest(record.token_hash, _hash(token)):
                return json_response({"error": {"code": "unauthorized"}}, 401)
            word = _word(text)
            reply = table.get(word, table[""])
            record.state["answers"].append(word)
            record.updated = time.time()
            sent = {"text": text}
            record.add(
                {"sent": sent, "client_message_id": None, "reply": reply, "at": record.updated}
            )
            slot.save(record)
        return json_response(reply)

    async def health(request: Request) -> Response:
        store.ping()
        return json_response({"status": "ok"})

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        advisor.configure_gc()  # as an advisor worker does
        yield
        store.close()

    one = "/v1/conversations/{conversation_id}"
    return Starlette(
        routes=[
            Route("/v1/conversations", create, methods=["POST"]),
            Route(f"{one}/messages", message, methods=["POST"]),
            Route("/healthz", health, methods=["GET"]),
        ],
        # advisor's names each request, and the load finds a reply's conversation by it.
        middleware=[Middleware(RequestIds)],
        lifespan=lifespan,
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--store", required=True, help="sqlite:PATH or redis://HOST:PORT/DB")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    sock = bind("127.0.0.1", args.port)
    print(f"floor: serving on http://127.0.0.1:{sock.getsockname()[1]}/ ", flush=True)
    config = uvicorn.Config(
        functools.partial(create_app, args.store),
        factory=True,
        workers=args.workers,
        log_level="warning",
        server_header=False,
    )
    run(config, sock)


if __name__ == "__main__":
    main()
