"""The errors of the HTTP API: one stable code each, with its status.

Integrators branch on `code`, so a code never changes meaning; `message` is for people and
may be reworded. `ERRORS` is the single list the handlers, the OpenAPI document and the
README are checked against.
"""

from __future__ import annotations

from collections.abc import Mapping

from advisor.errors import AdvisorError

ERRORS: Mapping[str, tuple[int, str]] = {
    "invalid_json": (400, "the body is not JSON (or not UTF-8)"),
    "malformed_request": (400, "the request is not valid HTTP/1.1"),
    "unauthorized": (401, "no token, a malformed one, or not this conversation's"),
    "forbidden": (403, "the token belongs to another conversation"),
    "origin_not_allowed": (403, "a CORS preflight from an origin not in the allow-list"),
    "not_found": (404, "no such conversation (or it expired), or no such path"),
    "method_not_allowed": (405, "the path does not take this method"),
    "request_timeout": (408, "the request head, or its body, took over the header timeout"),
    "conversation_over": (409, "the conversation has ended; the message was not used"),
    "conversation_full": (409, "the conversation reached its limit of turns"),
    "stale_conversation": (409, "saved with rules that no longer fit; start a new one"),
    "body_too_large": (413, "the body is over the size limit"),
    "unsupported_media_type": (415, "the body is not sent as application/json"),
    "invalid_request": (422, "the JSON does not have the documented shape"),
    "invalid_choice": (422, "`choice` is not a choice of the question being asked"),
    "text_too_long": (422, "`text` is over the size limit"),
    "client_message_id_reused": (422, "a `client_message_id` sent again with another message"),
    "rate_limited": (429, "too many requests from this client; see Retry-After"),
    "headers_too_large": (431, "the request line and headers are over the size limit"),
    "internal_error": (500, "an error of the server; it is logged"),
    "busy": (503, "another request of this conversation took too long; retry"),
    "store_unavailable": (503, "the conversation store cannot be reached; retry"),
    "overloaded": (503, "the server has as many connections open as it takes; retry"),
}


class ApiError(AdvisorError):
    """An answer other than success: a code of `ERRORS`, a message, and extra headers."""

    def __init__(self, code: str, message: str, headers: Mapping[str, str] | None = None) -> None:
        self.status = ERRORS[code][0]
        self.code = code
        self.message = message
        self.headers = dict(headers or {})
        super().__init__(f"{self.status} {code}: {message}")

    def to_dict(self) -> dict[str, dict[str, str]]:
        return {"error": {"code": self.code, "message": self.message}}
