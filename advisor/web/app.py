"""The ASGI application: routes, request checks, and the widget's files.

Each endpoint checks the request, then hands one call to `Conversations` in a worker
thread (the engine and the stores are synchronous). `create_app` builds the whole service;
a portal can mount it under a path of its own ASGI application.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import anyio
import anyio.to_thread
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route

from advisor.dialog.explain import Explanation
from advisor.dialog.knowledgebase import KnowledgeBase, load
from advisor.dialog.session import Session
from advisor.inference.engine import WouldBuild, without_building
from advisor.inference.runtime import configure_gc
from advisor.version import __version__
from advisor.web.conversations import Conversations, Said
from advisor.web.errors import ApiError
from advisor.web.logs import RequestIds
from advisor.web.metrics import CONTENT_TYPE as METRICS_TYPE
from advisor.web.metrics import exposition, metrics
from advisor.web.middleware import CatchAll, Cors, RateLimit
from advisor.web.openapi import document as openapi_document
from advisor.web.responses import DEMO_CSP, StaticFile, error_response, json_response
from advisor.web.settings import Settings
from advisor.web.stores import Busy, Conflict, StoreError, WouldWait, open_store, without_waiting
from advisor.web.webhook import Courier

# The widget's files are loaded by pages of other origins (the portals).
_EMBEDDABLE = {"Cross-Origin-Resource-Policy": "cross-origin"}
_DEMO = {"Content-Security-Policy": DEMO_CSP, "X-Frame-Options": "DENY"}
_MESSAGE_FIELDS = {"text", "choice", "client_message_id"}
_MAX_CLIENT_MESSAGE_ID = 200
log = logging.getLogger("advisor.web")


Endpoint = Callable[[Request], Awaitable[Response]]
T = TypeVar("T")


def _unavailable(exc: Exception) -> bool:
    """Whether `exc` says the store cannot be used, rather than that a turn holds a
    conversation or that the request is wrong."""
    return isinstance(exc, StoreError) and not isinstance(exc, Busy | Conflict)


def _bearer(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


class Api:
    """The endpoints under /v1, and /healthz."""

    def __init__(self, conversations: Conversations, settings: Settings) -> None:
        self.conversations = conversations
        self.settings = settings
        self._limiter: anyio.CapacityLimiter | None = None
        self._builder = anyio.CapacityLimiter(1)
        self._store_failing = False  # see `work`
        self.courier: Courier | None = None  # delivers hand-offs, once the app runs

    async def work(self, fn: Callable[..., T], *args: Any) -> T:
        """Run blocking work (a turn: the engine, the store) on the event loop, one turn at
        a time, or with `threads` on that many threads.

        A turn is about a millisecond of Python under one interpreter lock. On threads, the
        event loop had to win the lock back from a busy thread (up to the 5 ms switch
        interval) at every step of every request: measured with one worker and SQLite, two
        threads did 328-338 turns/s at 10 conversations and the loop 399-417; at 100, 247-266
        against 273-309. A turn that would wait for its conversation or build an engine
        raises before it changes anything, and is made again on a thread; a long history
        replayed still holds up the worker's other requests."""
        if self.settings.threads == 0 and not self._store_failing:
            try:
                with without_waiting(), without_building():
                    return fn(*args)
            except WouldWait:
                # Another turn holds the conversation (on another worker, or a retry): this
                # one waits for it in a thread, and the loop serves everyone else meanwhile.
                return await anyio.to_thread.run_sync(functools.partial(fn, *args))
            except WouldBuild:
                # Tens of milliseconds of Python (after a start, one per conversation until
                # the pools are full). One thread builds: the loop competes with it alone
                # for the interpreter lock, and each build takes the least time it can.
                return await anyio.to_thread.run_sync(
                    functools.partial(fn, *args), limiter=self._builder
                )
            except Exception as exc:
                # A store that fails may also hang: a stopped Redis answers nothing until
                # the client's timeout (5 s), and on the loop that stops every request of
                # this worker. Until the store works again, its calls wait in threads.
                if _unavailable(exc):
                    self._set_failing(True)
                raise
        if self.settings.threads and self._limiter is None:
            self._limiter = anyio.CapacityLimiter(self.settings.threads)
        try:
            result = await anyio.to_thread.run_sync(
                functools.partial(fn, *args), limiter=self._limiter
            )
        except Exception as exc:
            self._set_failing(_unavailable(exc))
            raise
        self._set_failing(False)
        return result

    def _set_failing(self, failing: bool) -> None:
        if failing != self._store_failing:
            log.warning(
                "the store failed: this worker uses it from threads until it answers"
                if failing
                else "the store answers again: this worker uses it from its event loop"
            )
        self._store_failing = failing

    async def create(self, request: Request) -> Response:
        body = await self._body(request, required=False)
        if body != {}:
            raise ApiError("invalid_request", "A new conversation takes no fields: send {}.")
        created = await self.work(self.conversations.create)
        location = request.url_for("conversation", conversation_id=created["conversation_id"])
        return json_response(created, 201, {"Location": location.path})

    async def message(self, request: Request) -> Response:
        conversation_id, token = request.path_params["conversation_id"], _bearer(request)
        self.conversations.check(conversation_id, token)
        said = self._said(await self._body(request, required=True))
        reply, replayed = await self.work(self.conversations.send, conversation_id, token, said)
        if self.settings.log_user_text:
            log.info("said %r", said.text if said.choice is None else f"#{said.choice}")
        else:
            log.info("answered a message (%d characters)", len(said.text or said.choice or ""))
        return json_response(reply, headers={"Idempotent-Replayed": "true"} if replayed else None)

    async def show(self, request: Request) -> Response:
        data = await self.work(
            self.conversations.show, request.path_params["conversation_id"], _bearer(request)
        )
        return json_response(data)

    def explanation(self, how: Callable[[Request, Session], Explanation]) -> Endpoint:
        """An endpoint that answers with `how(request, session)` for the conversation."""

        async def explain(request: Request) -> Response:
            data = await self.work(
                self.conversations.explain,
                request.path_params["conversation_id"],
                _bearer(request),
                functools.partial(how, request),
            )
            return json_response(data)

        return explain

    async def feedback(self, request: Request) -> Response:
        conversation_id, token = request.path_params["conversation_id"], _bearer(request)
        self.conversations.check(conversation_id, token)
        body = _fields(await self._body(request, required=True), {"solved", "comment"})
        solved = body.get("solved")
        if not isinstance(solved, bool):
            raise ApiError("invalid_request", "`solved` is true or false.")
        comment = _string(body, "comment")
        saved = await self.work(
            self.conversations.feedback, conversation_id, token, solved, comment
        )
        return json_response(saved, 201)

    async def handoff(self, request: Request) -> Response:
        conversation_id, token = request.path_params["conversation_id"], _bearer(request)
        self.conversations.check(conversation_id, token)
        body = _fields(await self._body(request, required=False), {"contact", "comment"})
        contact, comment = _string(body, "contact"), _string(body, "comment")
        summary = await self.work(
            self.conversations.handoff, conversation_id, token, contact, comment
        )
        if self.courier is not None:
            self.courier.wake.set()
        return json_response(summary, 202)

    async def health(self, request: Request) -> Response:
        await self.work(self.conversations.store.ping)
        return json_response({"status": "ok", "version": __version__})

    async def live(self, request: Request) -> Response:
        return json_response({"status": "ok"})

    async def ready(self, request: Request) -> Response:
        """Whether this worker can serve a turn: its store reads and writes."""
        try:
            await anyio.to_thread.run_sync(self.conversations.store.probe)
        except StoreError as exc:
            metrics().store_errors.inc()
            return json_response({"status": "unavailable", "reason": str(exc)}, 503)
        return json_response({"status": "ok"})

    async def metrics(self, request: Request) -> Response:
        return Response(exposition(), media_type=METRICS_TYPE)

    # -- the request body ----------------------------------------------------------------

    async def _body(self, request: Request, *, required: bool) -> Any:
        limit = self.settings.max_body
        too_large = ApiError("body_too_large", f"The body is over {limit} bytes.")
        length = request.headers.get("content-length", "")
        if length.isdecimal() and int(length) > limit:
            raise too_large
        raw = bytearray()
        async for chunk in request.stream():  # a chunked body has no length to check first
            raw += chunk
            if len(raw) > limit:
                raise too_large
        if not raw and not required:
            return {}  # no body: no fields (a JSON `null` is not an object)
        media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
        if media_type != "application/json":
            raise ApiError("unsupported_media_type", "Send the body as application/json.")
        try:
            return json.loads(raw.decode("utf-8"))
        except (ValueError, RecursionError) as exc:
            raise ApiError("invalid_json", f"The body is not JSON: {exc}") from None

    def _said(self, body: Any) -> Said:
        if not isinstance(body, dict):
            raise ApiError("invalid_request", 'Send an object: {"text": ...} or {"choice": ...}.')
        _fields(body, _MESSAGE_FIELDS)
        if (body.get("text") is None) == (body.get("choice") is None):
            raise ApiError("invalid_request", "Send exactly one of `text` and `choice`.")
        text, choice, message_id = (
            _string(body, f) for f in ("text", "choice", "client_message_id")
        )
        if text is not None and len(text.encode()) > self.settings.max_text:
            raise ApiError("text_too_long", f"`text` is over {self.settings.max_text} bytes.")
        if message_id is not None and not 0 < len(message_id) <= _MAX_CLIENT_MESSAGE_ID:
            raise ApiError(
                "invalid_request",
                f"`client_message_id` has 1 to {_MAX_CLIENT_MESSAGE_ID} characters.",
            )
        return Said(text, choice, message_id)


def _fields(body: Any, allowed: set[str]) -> dict[str, Any]:
    """The body as an object of `allowed` fields only."""
    if not isinstance(body, dict):
        raise ApiError("invalid_request", "Send a JSON object.")
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise ApiError("invalid_request", f"Unknown fields: {', '.join(unknown)}.")
    return body


def _string(body: dict[str, Any], field: str) -> str | None:
    value = body.get(field)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ApiError("invalid_request", f"`{field}` is a string.")
    try:
        value.encode()
    except UnicodeEncodeError:  # JSON can carry a lone surrogate; nothing can store it
        raise ApiError("invalid_request", f"`{field}` is not valid Unicode.") from None
    return value


def _how(request: Request, session: Session) -> Explanation:
    return session.how(request.query_params.get("target") or None)


async def _http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own 404 and 405, in the API's error shape."""
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        message = f"{request.method} is not allowed here."
        return error_response(ApiError("method_not_allowed", message, exc.headers))
    return error_response(ApiError("not_found", f"Nothing at {request.url.path}."))


def _warm(kb: KnowledgeBase) -> None:
    """Compile the rules and the language patterns, and build a first engine, before the
    first person waits for them."""
    kb.infer([])
    _ = kb.understander


def create_app(settings: Settings | None = None, *, kb: KnowledgeBase | None = None) -> Starlette:
    """The whole service: API, OpenAPI document, widget and demo page."""
    settings = settings or Settings()
    kb = kb or load(settings.rules, engines=settings.engines)
    store = open_store(
        settings.store, idle_timeout=settings.idle_timeout, lock_wait=settings.lock_wait
    )
    api = Api(Conversations(kb, store, settings), settings)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        configure_gc()  # this process is a worker: see advisor.inference.runtime
        await anyio.to_thread.run_sync(_warm, kb)
        async with anyio.create_task_group() as tasks:
            if settings.handoff_url:
                api.courier = Courier(store, settings.handoff_url, settings.handoff_secret)
                tasks.start_soon(api.courier.run)
            yield
            tasks.cancel_scope.cancel()
        store.close()

    document = openapi_document()

    async def openapi_json(request: Request) -> Response:
        return json_response(document)

    one = "/conversations/{conversation_id}"
    v1 = [
        Route("/conversations", api.create, methods=["POST"]),
        Route(one, api.show, methods=["GET"], name="conversation"),
        Route(f"{one}/messages", api.message, methods=["POST"]),
        Route(f"{one}/why", api.explanation(lambda _, s: s.why()), methods=["GET"]),
        Route(f"{one}/how", api.explanation(_how), methods=["GET"]),
        Route(f"{one}/facts", api.explanation(lambda _, s: s.facts()), methods=["GET"]),
        Route(f"{one}/feedback", api.feedback, methods=["POST"]),
        Route(f"{one}/handoff", api.handoff, methods=["POST"]),
    ]
    limit = Middleware(
        RateLimit, store=store, limit=settings.rate_limit, window=settings.rate_window
    )
    routes = [
        Route("/", StaticFile("demo.html", "text/html", _DEMO).endpoint),
        Route("/widget.js", StaticFile("widget.js", "text/javascript", _EMBEDDABLE).endpoint),
        Route("/widget.css", StaticFile("widget.css", "text/css", _EMBEDDABLE).endpoint),
        Route("/healthz", api.health, methods=["GET"]),
        Route("/livez", api.live, methods=["GET"]),
        Route("/readyz", api.ready, methods=["GET"]),
        Route("/metrics", api.metrics, methods=["GET"]),
        Route("/openapi.json", openapi_json, methods=["GET"]),
        Mount("/v1", routes=v1, middleware=[limit]),
    ]
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(RequestIds),
            Middleware(Cors, origins=settings.cors_origins),
            Middleware(CatchAll),
        ],
        exception_handlers={HTTPException: _http_error},
        lifespan=lifespan,
    )
    app.state.store = store
    return app
