"""The responses of the service: JSON for the API, files for the widget and the demo page."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from advisor.web.errors import ApiError

STATIC = Path(__file__).parent / "static"

# Every answer: no guessing of content types, no referrer sent on from the demo page.
_COMMON = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
# API answers carry tokens and a person's words: no cache may keep them.
_API = {**_COMMON, "Cache-Control": "no-store"}
# The demo page runs only the widget from this origin: no inline script, no other origin,
# no framing, so even a rendering mistake could not run what someone typed.
DEMO_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


def json_response(
    data: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    return Response(body, status, {**_API, **(headers or {})}, media_type="application/json")


def error_response(error: ApiError) -> Response:
    return json_response(error.to_dict(), error.status, error.headers)


class StaticFile:
    """A file of `static/`, read once, answered with an ETag so browsers revalidate cheaply."""

    def __init__(self, name: str, media_type: str, headers: Mapping[str, str]) -> None:
        self.body = (STATIC / name).read_bytes()
        self.media_type = media_type
        etag = '"' + hashlib.sha256(self.body).hexdigest()[:32] + '"'
        self.headers = {**_COMMON, **headers, "ETag": etag, "Cache-Control": "no-cache"}

    async def endpoint(self, request: Request) -> Response:
        if request.headers.get("if-none-match") == self.headers["ETag"]:
            return Response(status_code=304, headers=self.headers)
        return Response(self.body, headers=self.headers, media_type=self.media_type)
