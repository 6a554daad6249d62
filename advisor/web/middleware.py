"""ASGI middleware of the service: errors as JSON, CORS, and the per-client rate limit."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import ClientDisconnect
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from advisor.web.errors import ApiError
from advisor.web.metrics import metrics
from advisor.web.responses import error_response
from advisor.web.stores import Busy, Conflict, Store, StoreError

log = logging.getLogger("advisor.web")


class CatchAll:
    """Every failure becomes a JSON error; an unexpected one is logged, and its details kept."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except ClientDisconnect:
            return  # the client left before it had sent its request: nobody to answer
        except Exception as exc:
            if started:  # too late for an error answer: the server closes the connection
                raise
            await error_response(_as_api_error(exc, scope))(scope, receive, send)


def _as_api_error(exc: Exception, scope: Scope) -> ApiError:
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, Busy | Conflict):
        return ApiError("busy", "This conversation is busy with another request; retry.", _RETRY)
    if isinstance(exc, StoreError):
        metrics().store_errors.inc()
        log.error("%s %s: %s", scope["method"], scope["path"], exc)
        return ApiError(
            "store_unavailable", "The conversation store is unavailable; retry.", _RETRY
        )
    log.exception("%s %s failed", scope["method"], scope["path"])
    return ApiError("internal_error", "Something went wrong on the server; it has been logged.")


_RETRY = {"Retry-After": "1"}


class Cors:
    """CORS for an allow-list of origins ("*" for any), preflight included.

    Only the listed origins get the headers that let a browser page read an answer; other
    requests are served as usual, and the browser keeps the answer from the page. The API
    takes its token in a header, never a cookie, so no credentials mode is needed.
    """

    METHODS = "GET, POST"
    HEADERS = "Authorization, Content-Type"

    def __init__(self, app: ASGIApp, origins: Sequence[str], max_age: int = 600) -> None:
        self.app = app
        self.any = "*" in origins
        self.origins = frozenset(origins)
        self.max_age = max_age

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = Headers(scope=scope) if scope["type"] == "http" else None
        origin = headers.get("origin") if headers is not None else None
        if headers is None or origin is None:
            await self.app(scope, receive, send)
            return
        allowed = self.any or origin in self.origins
        if scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            await self._preflight(origin, allowed)(scope, receive, send)
            return
        if not allowed:
            await self.app(scope, receive, send)
            return

        async def add_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                response_headers = MutableHeaders(scope=message)
                response_headers.update(self._allow(origin))
                response_headers["Access-Control-Expose-Headers"] = (
                    "Retry-After, Location, Idempotent-Replayed, X-Request-ID"
                )
                response_headers.add_vary_header("Origin")
            await send(message)

        await self.app(scope, receive, add_headers)

    def _allow(self, origin: str) -> dict[str, str]:
        return {"Access-Control-Allow-Origin": "*" if self.any else origin}

    def _preflight(self, origin: str, allowed: bool) -> Response:
        if not allowed:
            return error_response(
                ApiError("origin_not_allowed", f"Pages from {origin} may not call this API.")
            )
        headers = {
            **self._allow(origin),
            "Access-Control-Allow-Methods": self.METHODS,
            "Access-Control-Allow-Headers": self.HEADERS,
            "Access-Control-Max-Age": str(self.max_age),
            "Vary": "Origin",
        }
        return Response(status_code=204, headers=headers)


class RateLimit:
    """At most `limit` requests per client address and `window` seconds, counted in the store.

    The count lives in the store so that every worker and machine counts against the same
    budget. The address is the peer's, or the one a trusted proxy forwarded (uvicorn's
    `--forwarded-allow-ips`).
    """

    def __init__(self, app: ASGIApp, store: Store, limit: int, window: float) -> None:
        self.app = app
        self.store = store
        self.limit = limit
        self.window = window

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.limit > 0 and scope["method"] != "OPTIONS":
            client = scope.get("client")
            address = client[0] if client else "unknown"
            wait = await run_in_threadpool(self.store.hit, address, self.limit, self.window)
            if wait is not None:
                seconds = max(1, math.ceil(wait))
                raise ApiError(
                    "rate_limited",
                    f"Too many requests; try again in {seconds} s.",
                    {"Retry-After": str(seconds)},
                )
        await self.app(scope, receive, send)
