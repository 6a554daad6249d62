"""The conversations of the HTTP API, kept in a store: every turn is restore, send, save.

Nothing here decides what the bot says; the session does. This module checks who may talk
to a conversation, keeps its turns (for GET, and to answer a retried message with the reply
it already got), and turns the one refusal of the session that HTTP has a status for,
input after the end, into an error.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from advisor.dialog.explain import Explanation
from advisor.dialog.knowledgebase import KnowledgeBase
from advisor.dialog.session import Session
from advisor.errors import StateError
from advisor.web.errors import ApiError
from advisor.web.metrics import metrics
from advisor.web.settings import Settings
from advisor.web.stores import Conflict, Record, Store
from advisor.web.summary import summarize

# 128 bits for the id, 256 for the secret, from `secrets`. The token starts with its
# conversation's id, so a token used on another conversation is told apart (403) from a
# token that is wrong (401) without a look-up.
_ID_BYTES, _SECRET_BYTES = 16, 32
_TOKEN = re.compile(r"([A-Za-z0-9_-]{22})\.[A-Za-z0-9_-]{43}")

OVER = "This conversation is over. Start a new conversation to ask again."
_TRIES = 8  # turns of one conversation racing each other: all but one are done again
T = TypeVar("T")


@dataclass(frozen=True)
class Said:
    """One message of the person: text, or the id of a choice of the current question."""

    text: str | None = None
    choice: str | None = None
    client_message_id: str | None = None

    @property
    def sent(self) -> dict[str, str]:
        return {"choice": self.choice} if self.choice is not None else {"text": self.text or ""}


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _time(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat(timespec="seconds")


class Conversations:
    def __init__(self, kb: KnowledgeBase, store: Store, settings: Settings) -> None:
        self.kb = kb
        self.store = store
        self.settings = settings

    def create(self) -> dict[str, Any]:
        conversation_id = secrets.token_urlsafe(_ID_BYTES)
        token = f"{conversation_id}.{secrets.token_urlsafe(_SECRET_BYTES)}"
        session = self.kb.new_session()
        reply = session.start().to_dict()
        now = time.time()
        record = Record(conversation_id, _hash(token), session.to_state(), now, now)
        record.add({"sent": None, "client_message_id": None, "reply": reply, "at": now})
        self.store.create(record, summarize(record, session))
        return {"conversation_id": conversation_id, "token": token, "reply": reply}

    def send(
        self, conversation_id: str, token: str | None, said: Said
    ) -> tuple[dict[str, Any], bool]:
        """The reply to `said`, and whether it is the reply to an earlier try of it."""
        self.check(conversation_id, token)
        started = time.perf_counter()
        reply, replayed = self._retrying(self._turn, conversation_id, token, said)
        if not replayed:
            measured = metrics()
            measured.turns.inc()
            measured.turn_seconds.observe(time.perf_counter() - started)
            measured.count_reply(reply)
        return reply, replayed

    def feedback(
        self, conversation_id: str, token: str | None, solved: bool, comment: str | None
    ) -> dict[str, Any]:
        """Whether the advice solved the problem, as the person says; kept with the
        conversation, its summary and any later hand-off."""
        self.check(conversation_id, token)
        now = time.time()
        entry = {"solved": solved, "comment": comment, "at": now}
        self._retrying(self._add, conversation_id, token, "feedback", entry)
        return {**entry, "at": _time(now)}

    def handoff(
        self,
        conversation_id: str,
        token: str | None,
        contact: str | None,
        comment: str | None,
    ) -> dict[str, Any]:
        """Ask for a person: the summary an agent needs, put in the outbox for the webhook
        in the same request, once the request is recorded with the conversation."""
        self.check(conversation_id, token)
        entry = {
            "handoff_id": secrets.token_urlsafe(_ID_BYTES),
            "contact": contact,
            "comment": comment,
            "at": time.time(),
        }
        summary = self._retrying(self._add, conversation_id, token, "handoffs", entry)[1]
        metrics().handoffs.inc()
        return summary

    def _retrying(self, fn: Callable[..., T], *args: Any) -> T:
        for _ in range(_TRIES - 1):
            try:
                return fn(*args)
            except Conflict:  # another turn was saved first: this one goes on from it
                continue
        return fn(*args)

    def _add(
        self, conversation_id: str, token: str | None, kind: str, entry: dict[str, Any]
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Add feedback or a hand-off request to the record: the entry, and the hand-off
        summary as it is now."""
        with self.store.locked(conversation_id) as slot:
            record = self._authorize(slot.record, token)
            getattr(record, kind).append(entry)
            session = self._restore(record)
            slot.save(record, summarize(record, session))
        summary = self._handoff(record, session, entry if kind == "handoffs" else None)
        if kind == "handoffs" and self.settings.handoff_url:
            self.store.post(entry["handoff_id"], json.dumps(summary, ensure_ascii=False))
        return entry, summary

    def _handoff(
        self, record: Record, session: Session, request: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """The hand-off summary: the session's (the error, facts, articles, steps), with
        who asked and how to reach them, and what the person said of the advice."""
        data: dict[str, Any] = {"conversation_id": record.id}
        if request is not None:
            data |= {
                "handoff_id": request["handoff_id"],
                "requested": _time(request["at"]),
                "contact": request["contact"],
                "comment": request["comment"],
            }
        # The widget shows every step at once.
        data |= session.handoff(shown=[s.item.id for s in session.steps()])
        data["feedback"] = [{**f, "at": _time(f["at"])} for f in record.feedback]
        return data

    def _turn(
        self, conversation_id: str, token: str | None, said: Said
    ) -> tuple[dict[str, Any], bool]:
        with self.store.locked(conversation_id) as slot:
            record = self._authorize(slot.record, token)
            earlier = self._earlier(record, said)
            if earlier is not None:
                return earlier, True
            if record.count > self.settings.max_turns:
                raise ApiError(
                    "conversation_full",
                    f"This conversation has {self.settings.max_turns} turns, its limit. "
                    "Start a new conversation.",
                )
            session = self._restore(record)
            was_done = session.done
            reply = session.send(self._text(session, said))
            ended = reply.messages and all(m.type == "ended" for m in reply.messages)
            if was_done and ended:
                raise ApiError(
                    "conversation_over", reply.messages[0].text if reply.messages else OVER
                )
            now = time.time()
            data = reply.to_dict()
            record.add(
                {
                    "sent": said.sent,
                    "client_message_id": said.client_message_id,
                    "reply": data,
                    "at": now,
                }
            )
            record.state, record.updated = session.to_state(), now
            # The report's summary changes in the same write as the conversation.
            slot.save(record, summarize(record, session))
        return data, False

    def show(self, conversation_id: str, token: str | None) -> dict[str, Any]:
        """The whole conversation: every turn, where it stands, and the hand-off summary."""
        record = self._load(conversation_id, token)
        session = self._restore(record)
        return {
            "conversation_id": record.id,
            "created": _time(record.created),
            "updated": _time(record.updated),
            "expires": _time(record.updated + self.settings.idle_timeout),
            "done": session.done,
            "question": session.reply([]).to_dict()["question"],
            "turns": [{**turn, "at": _time(turn["at"])} for turn in self.store.turns(record)],
            "handoff": self._handoff(record, session),
        }

    def explain(
        self, conversation_id: str, token: str | None, how: Callable[[Session], Explanation]
    ) -> dict[str, Any]:
        session = self._restore(self._load(conversation_id, token))
        return how(session).to_dict()

    # -- who may talk to a conversation ------------------------------------------------

    def check(self, conversation_id: str, token: str | None) -> None:
        """Refuse a missing or malformed token (401), or another conversation's (403).

        Nothing is read from the store for this, so it is done before anything else.
        """
        match = _TOKEN.fullmatch(token or "")
        if match is None:
            raise ApiError(
                "unauthorized",
                "Send the conversation's token as `Authorization: Bearer <token>`.",
                {"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        # Bytes: compare_digest refuses a str with characters beyond ASCII, and an id in
        # the path can have any.
        if not hmac.compare_digest(match[1].encode(), conversation_id.encode()):
            raise ApiError("forbidden", "This token belongs to another conversation.")

    def _authorize(self, record: Record | None, token: str | None) -> Record:
        if record is None:
            raise ApiError("not_found", "No such conversation; it may have expired.")
        if not hmac.compare_digest(record.token_hash, _hash(token or "")):
            raise ApiError(
                "unauthorized",
                "This is not the token of this conversation.",
                {"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        return record

    def _load(self, conversation_id: str, token: str | None) -> Record:
        self.check(conversation_id, token)
        return self._authorize(self.store.load(conversation_id), token)

    # -- a turn -------------------------------------------------------------------------

    def _restore(self, record: Record) -> Session:
        try:
            return self.kb.restore(record.state)
        except StateError as exc:
            raise ApiError(
                "stale_conversation",
                f"This conversation cannot go on with the rules of this server ({exc}). "
                "Start a new conversation.",
            ) from exc

    def _earlier(self, record: Record, said: Said) -> dict[str, Any] | None:
        """The reply already given to this message, when it is a retry."""
        n = record.messages.get(said.client_message_id or "")
        if n is None:
            return None
        (turn,) = self.store.turns(record, n, n + 1)
        if turn["sent"] != said.sent:
            raise ApiError(
                "client_message_id_reused",
                "This client_message_id was sent before with another message.",
            )
        reply: dict[str, Any] = turn["reply"]
        return reply

    @staticmethod
    def _text(session: Session, said: Said) -> str:
        """What to send the session: the text, or a choice checked against the question."""
        if said.choice is None:
            return said.text or ""
        question = session.question
        if question is None:
            raise ApiError("conversation_over", OVER)
        ids = [c.id for c in question.choices]
        if said.choice not in ids:
            offered = ", ".join(ids) if ids else "none: it takes text"
            raise ApiError(
                "invalid_choice",
                f"{said.choice!r} is not a choice of the question {question.fact!r} "
                f"(its choices: {offered}).",
            )
        return said.choice
