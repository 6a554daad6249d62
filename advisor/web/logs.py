"""The service's logs: plain text, or one JSON object per line (`--log-format json`).

Every line written while a request is served carries its request id (the client's
`X-Request-ID` when it sends a sensible one, else a new one, and sent back in the answer)
and the conversation it is about, so that one person's conversation can be followed
through several workers. What people type is not logged unless `--log-user-text`.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID = "X-Request-ID"
request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
conversation_id: ContextVar[str | None] = ContextVar("conversation_id", default=None)
_SENSIBLE = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_CONVERSATION = re.compile(r"/v1/conversations/([^/]+)")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": request_id.get(),
            "conversation_id": conversation_id.get(),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


class RequestIds:
    """Names each request for the logs, and sends the name back in `X-Request-ID`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(REQUEST_ID.lower().encode(), b"").decode("latin-1")
        name = given if _SENSIBLE.fullmatch(given) else uuid.uuid4().hex
        request_id.set(name)
        found = _CONVERSATION.match(scope["path"])
        conversation_id.set(found[1] if found else None)

        async def named(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[REQUEST_ID] = name
            await send(message)

        await self.app(scope, receive, named)


def log_config(log_format: str, level: str) -> dict[str, Any] | None:
    """uvicorn's logging configuration for `--log-format json` (None: uvicorn's own)."""
    if log_format != "json":
        return None
    handler = {"handlers": ["json"], "level": level.upper(), "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {
            "json": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            "uvicorn": handler,
            "uvicorn.access": handler,
            "uvicorn.error": {"level": level.upper()},
            "advisor": handler,
        },
    }
