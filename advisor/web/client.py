"""A conversation with a running `advisor serve`, for `advisor replay --url`.

It speaks the API as a portal would (a client_message_id on every message, Retry-After
honoured), and gives the replies in the same JSON form as a local session, so the same
transcripts test the engine and a deployment.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx

from advisor.errors import AdvisorError
from advisor.transcripts.replay import ReplyData

_RETRIES = 5


class RemoteError(AdvisorError):
    """The server refused a request: its status, error code and message."""

    def __init__(self, response: httpx.Response) -> None:
        self.status = response.status_code
        try:
            error = response.json()["error"]
            self.code, self.message = str(error["code"]), str(error["message"])
        except (ValueError, KeyError, TypeError):  # not the API's error shape: a proxy's page
            self.code, self.message = "", response.text[:200]
        super().__init__(f"{response.request.url}: {self.status} {self.code} {self.message}")


RATE_LIMITED = (
    "advisor replay: {url} limits requests (429 rate_limited): waiting {wait:g} s each time "
    "it says so. Start it with --rate-limit 0 (or ADVISOR_RATE_LIMIT=0) to replay at full "
    "speed."
)


class HttpConversation:
    def __init__(
        self, client: httpx.Client, url: str, warn: Callable[[str], None] | None = None
    ) -> None:
        self.client = client
        self.url = url.rstrip("/")
        self.warn = warn  # told why a replay waits
        self.conversation_id = ""
        self.token = ""

    def start(self) -> ReplyData:
        data = self._post(f"{self.url}/v1/conversations", {}, {})
        self.conversation_id, self.token = data["conversation_id"], data["token"]
        reply: ReplyData = data["reply"]
        return reply

    def send(self, text: str) -> ReplyData:
        url = f"{self.url}/v1/conversations/{self.conversation_id}/messages"
        body = {"text": text, "client_message_id": uuid.uuid4().hex}
        try:
            reply: ReplyData = self._post(url, body, {"Authorization": f"Bearer {self.token}"})
        except RemoteError as exc:
            if exc.code != "conversation_over":
                raise
            # HTTP says "over" with a 409; a transcript reads it as the bot's line that it is.
            ended = {"type": "ended", "text": exc.message}
            return {"messages": [ended], "question": None, "done": True}
        return reply

    def _post(self, url: str, body: dict[str, Any], headers: dict[str, str]) -> Any:
        for _ in range(_RETRIES):
            response = self.client.post(url, json=body, headers=headers)
            if response.status_code != 429:
                break
            # The same client_message_id goes again, so a retry is never answered twice.
            wait = float(response.headers.get("Retry-After", "1"))
            if self.warn is not None:
                self.warn(RATE_LIMITED.format(url=self.url, wait=wait))
            time.sleep(wait)
        if not response.is_success:
            raise RemoteError(response)
        return response.json()
