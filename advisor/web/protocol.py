"""The HTTP/1.1 connections of `advisor serve`: uvicorn's httptools protocol, with limits.

uvicorn's httptools protocol (the fast one) reads a request head of any size for as long
as the client takes: a 50 MB header grew a worker by 60 MB, and 1,000 half-sent requests
held their connections (and file descriptors) until the clients gave up. Its h11 protocol
has a size limit (`h11_max_incomplete_event_size`) but no such timeout either. `Protocol`
adds them to the httptools one, at no cost measured (155-175 µs of CPU a `GET /livez`
with it and without):

- a request head over `Limits.head_bytes` is answered 431; the parser is never given more
  than that, so a worker's memory does not grow with what a client sends;
- a head not complete `Limits.head_seconds` after its first byte (or after the connection
  opened) is answered 408, or closed if nothing came; so is a body not complete as long
  again after its head;
- past `Limits.connections` open connections, a request is answered 503;
- what the server itself refuses (those, and malformed HTTP) is answered in the API's JSON
  error shape, not uvicorn's text.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from advisor.web.errors import ApiError
from advisor.web.responses import error_response

# How long a refused connection is still read (and what comes thrown away) before it is
# closed: closing with unread data resets it, and the client might never see the answer.
LINGER = 1.0


@dataclass(frozen=True)
class Limits:
    """What one connection may take (picklable: each worker process gets a copy)."""

    head_bytes: int = 64 * 1024  # the request line and headers together
    head_seconds: float = 10.0  # to send them; a body gets as long again
    connections: int = 1000  # open at once in one worker; 0 for no limit


async def _overloaded(scope: Any, receive: Any, send: Any) -> None:
    error = ApiError(
        "overloaded",
        "This server has too many connections open; retry.",
        {"Retry-After": "1", "Connection": "close"},
    )
    await error_response(error)(scope, receive, send)


class Protocol(HttpToolsProtocol):
    """One connection (uvicorn makes one per connection, with `limits` bound in)."""

    def __init__(self, *args: Any, limits: Limits, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limits = limits
        self.head_left = limits.head_bytes  # what the head being read may still take
        self.in_head = True  # the bytes that come now are a request head
        self.timer: asyncio.TimerHandle | None = None  # for the head, or the body, to come
        self.refused = False

    # -- the head's size -----------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        if self.refused:
            return  # read only so that the answer is not reset away
        if not self.in_head:
            super().data_received(data)
            return
        room = self.head_left
        self.head_left -= min(room, len(data))
        super().data_received(data[:room])
        if self.refused or self.transport.is_closing():
            return
        if self.in_head:
            if self.head_left <= 0:
                limit = self.limits.head_bytes
                self.refuse("headers_too_large", f"The request head is over {limit} bytes.")
        elif len(data) > room:
            self.data_received(data[room:])  # a body, or the next request

    def on_headers_complete(self) -> None:
        self.in_head = False
        self.disarm()
        limit = self.limits.connections
        # `tasks` does not count this request yet; `connections` counts this connection.
        busy = limit > 0 and (len(self.connections) > limit or len(self.tasks) >= limit)
        self.app = _overloaded if busy else self.config.loaded_app
        if busy:
            self.logger.warning("over %d connections: a request is answered 503", limit)
        super().on_headers_complete()
        self.arm()  # for the body; a request without one is complete at once

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self.disarm()
        self.in_head, self.head_left = True, self.limits.head_bytes

    # -- the time a request takes ----------------------------------------------------------

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self.timer is None:  # else the connection's first head: timed from its start
            self.arm()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self.disarm()
        super().connection_lost(exc)

    def arm(self) -> None:
        self.timer = self.loop.call_later(self.limits.head_seconds, self.timed_out)

    def disarm(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def timed_out(self) -> None:
        self.timer = None
        seconds = self.limits.head_seconds
        if self.transport.is_closing():
            return
        if not self.in_head:  # the body: the application waits for it
            if self.cycle.response_started:  # answered without it: nothing left to do
                self.transport.close()
            else:
                # As if the client had gone: the application stops waiting, answers nothing.
                self.cycle.disconnected = True
                self.cycle.message_event.set()
                self.refuse("request_timeout", f"The body took over {seconds:g} seconds.")
        elif self.cycle is not None and not self.cycle.response_complete:
            self.arm()  # a pipelined head: its time starts once the answer before it is out
        elif self.head_left == self.limits.head_bytes:
            self.transport.close()  # nothing sent: nothing to answer
        else:
            self.refuse("request_timeout", f"The request head took over {seconds:g} seconds.")

    # -- answers of the server itself -----------------------------------------------------

    def send_400_response(self, msg: str) -> None:
        """uvicorn's answer to what httptools cannot parse, in the API's shape."""
        self.refuse("malformed_request", "The request is not valid HTTP/1.1.")

    def refuse(self, code: str, message: str) -> None:
        """Answer `code` and close the connection (after `LINGER`)."""
        response = error_response(ApiError(code, message))
        head = [STATUS_LINE[response.status_code]]
        headers = [*self.server_state.default_headers, *response.raw_headers]
        head += [b"%s: %s\r\n" % (name, value) for name, value in headers]
        self.transport.write(b"".join([*head, b"connection: close\r\n\r\n", response.body]))
        self.refused = True
        self.disarm()
        self.loop.call_later(LINGER, self.transport.close)
