"""The OpenAPI document of the service, served at /openapi.json.

Written out rather than generated, because the shapes come from the session (`Reply.to_dict`,
`Explanation.to_dict`, `Session.handoff`), not from models of the web layer. The tests check
every documented response against these schemas, and every route and error code against the
application, so the document cannot drift from what the service does.
"""

from __future__ import annotations

from typing import Any

from advisor.dialog.reply import MESSAGE_TYPES
from advisor.version import __version__
from advisor.web.errors import ERRORS

Schema = dict[str, Any]


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(required: dict[str, Schema], optional: dict[str, Schema] | None = None) -> Schema:
    return {
        "type": "object",
        "required": list(required),
        "properties": {**required, **(optional or {})},
    }


_STRING: Schema = {"type": "string"}
_TIME: Schema = {"type": "string", "format": "date-time"}
_NULLABLE_STRING: Schema = {"type": ["string", "null"]}

SCHEMAS: dict[str, Schema] = {
    "Error": _object(
        {"error": _object({"code": {"type": "string", "enum": list(ERRORS)}, "message": _STRING})}
    ),
    "Choice": _object({"id": _STRING, "label": _STRING}),
    "Question": _object(
        {
            "id": _STRING,
            "text": _STRING,
            "kind": {"type": "string", "enum": ["text", "choice", "yesno"]},
            "choices": {"type": "array", "items": _ref("Choice")},
        }
    ),
    "Message": {
        **_object(
            {
                "type": {"type": "string", "enum": list(MESSAGE_TYPES)},
                "text": _STRING,
            },
            {
                "id": _STRING,
                "number": _STRING,
                "level": {"type": "integer"},
                "article": _STRING,
                "title": _STRING,
                "reasons": {"type": "array", "items": _STRING},
                "facts": {"type": "array", "items": {"type": "object"}},
            },
        ),
        "description": "One thing the bot says. Types: "
        + "; ".join(f"`{k}`: {v}" for k, v in MESSAGE_TYPES.items()),
    },
    "Reply": _object(
        {
            "messages": {"type": "array", "items": _ref("Message")},
            "question": {"oneOf": [_ref("Question"), {"type": "null"}]},
            "done": {"type": "boolean"},
        }
    ),
    "Created": _object(
        {
            "conversation_id": _STRING,
            "token": {"type": "string", "description": "send as `Authorization: Bearer <token>`"},
            "reply": _ref("Reply"),
        }
    ),
    "SendMessage": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "text": {"type": "string", "description": "what the person typed or pasted"},
            "choice": {"type": "string", "description": "the id of a choice of the question"},
            "client_message_id": {
                "type": "string",
                "minLength": 1,
                "maxLength": 200,
                "description": "a retry with the same id gets the same reply, answered once",
            },
        },
        "oneOf": [{"required": ["text"]}, {"required": ["choice"]}],
    },
    "Turn": _object(
        {
            "sent": {
                "oneOf": [
                    _object({"text": _STRING}),
                    _object({"choice": _STRING}),
                    {"type": "null"},
                ],
                "description": "null for the opening",
            },
            "client_message_id": _NULLABLE_STRING,
            "reply": _ref("Reply"),
            "at": _TIME,
        }
    ),
    "Handoff": _object(
        {
            "error": _NULLABLE_STRING,
            "facts": {"type": "array", "items": _ref("HandoffFact")},
            "articles": {"type": "array", "items": {"type": "object"}},
            "steps": {"type": "array", "items": {"type": "object"}},
        }
    ),
    "HandoffFact": _object(
        {
            "fact": _STRING,
            "describe": _STRING,
            "value": _STRING,
            "label": _STRING,
            "source": {"type": "string", "enum": ["typed", "chosen", "extracted", "derived"]},
            "rule": _NULLABLE_STRING,
        }
    ),
    "Conversation": _object(
        {
            "conversation_id": _STRING,
            "created": _TIME,
            "updated": _TIME,
            "expires": _TIME,
            "done": {"type": "boolean"},
            "question": {"oneOf": [_ref("Question"), {"type": "null"}]},
            "turns": {"type": "array", "items": _ref("Turn")},
            "handoff": _ref("Handoff"),
        }
    ),
    "Explanation": _object({"title": _STRING, "reasons": {"type": "array", "items": _STRING}}),
    "Health": _object({"status": {"const": "ok"}, "version": _STRING}),
    "Probe": _object(
        {"status": {"type": "string", "enum": ["ok", "unavailable"]}}, {"reason": _STRING}
    ),
    "SendFeedback": {
        **_object(
            {"solved": {"type": "boolean"}},
            {"comment": {"type": ["string", "null"], "description": "in the person's words"}},
        ),
        "additionalProperties": False,
    },
    "Feedback": _object({"solved": {"type": "boolean"}, "comment": _NULLABLE_STRING, "at": _TIME}),
    "AskHandoff": {
        **_object(
            {},
            {
                "contact": {
                    "type": ["string", "null"],
                    "description": "how an agent reaches the person (e-mail, phone)",
                },
                "comment": {"type": ["string", "null"], "description": "what they add"},
            },
        ),
        "additionalProperties": False,
    },
    "HandoffRequest": {
        "allOf": [
            _ref("Handoff"),
            _object(
                {
                    "conversation_id": _STRING,
                    "handoff_id": {
                        "type": "string",
                        "description": "the same in every delivery of one hand-off",
                    },
                    "requested": _TIME,
                    "contact": _NULLABLE_STRING,
                    "comment": _NULLABLE_STRING,
                    "feedback": {"type": "array", "items": _ref("Feedback")},
                }
            ),
        ],
        "description": "The hand-off summary: what the 202 answers, and what is POSTed to "
        "`--handoff-url` with the header `X-Advisor-Signature: sha256=<hex HMAC-SHA256 of the "
        "body, keyed with --handoff-secret>`, at least once.",
    },
}


def _json(schema: str, description: str) -> Schema:
    return {"description": description, "content": {"application/json": {"schema": _ref(schema)}}}


def _errors(*statuses: int) -> dict[str, Schema]:
    """The error responses of an operation, each listing its codes."""
    out = {}
    for status in statuses:
        codes = [f"`{code}` ({why})" for code, (s, why) in ERRORS.items() if s == status]
        out[str(status)] = _json("Error", "; ".join(codes))
    return out


_CONVERSATION_ID = {
    "name": "conversation_id",
    "in": "path",
    "required": True,
    "schema": _STRING,
}
_AUTH: list[dict[str, list[str]]] = [{"token": []}]
_READ_ERRORS = (401, 403, 404, 409, 429, 500, 503)
_BODY_ERRORS = (400, 413, 415, 422)


def _explanation(summary: str, parameters: list[Schema]) -> Schema:
    return {
        "get": {
            "summary": summary,
            "security": _AUTH,
            "parameters": [_CONVERSATION_ID, *parameters],
            "responses": {"200": _json("Explanation", "the explanation"), **_errors(*_READ_ERRORS)},
        }
    }


PATHS: dict[str, Schema] = {
    "/healthz": {
        "get": {
            "summary": "Whether the service and its store answer",
            "responses": {"200": _json("Health", "ready"), **_errors(503)},
        }
    },
    "/livez": {
        "get": {
            "summary": "Whether the process serves (for a liveness probe)",
            "responses": {"200": _json("Probe", "alive")},
        }
    },
    "/readyz": {
        "get": {
            "summary": "Whether this worker's store answers a read and a write (for a "
            "readiness probe, or a load balancer's health check)",
            "responses": {
                "200": _json("Probe", "ready"),
                "503": _json("Probe", "the store cannot be read or written"),
            },
        }
    },
    "/metrics": {
        "get": {
            "summary": "Prometheus metrics of every worker: advisor_turns_total, "
            "advisor_turn_seconds, advisor_outcomes_total{article,status}, "
            "advisor_no_match_total, advisor_handoffs_total, advisor_store_errors_total",
            "responses": {
                "200": {
                    "description": "the Prometheus text format",
                    "content": {"text/plain": {"schema": _STRING}},
                }
            },
        }
    },
    "/openapi.json": {
        "get": {
            "summary": "This document",
            "responses": {
                "200": {"description": "OpenAPI 3.1", "content": {"application/json": {}}}
            },
        }
    },
    "/v1/conversations": {
        "post": {
            "summary": "Start a conversation: its id, its token, and the bot's greeting",
            "requestBody": {
                "required": False,
                "content": {"application/json": {"schema": {"type": "object", "maxProperties": 0}}},
            },
            "responses": {
                "201": _json("Created", "started"),
                **_errors(*_BODY_ERRORS, 429, 500, 503),
            },
        }
    },
    "/v1/conversations/{conversation_id}": {
        "get": {
            "summary": "The whole conversation: every turn, the question waiting, and the "
            "hand-off for a support agent (facts with their sources, articles, steps)",
            "security": _AUTH,
            "parameters": [_CONVERSATION_ID],
            "responses": {
                "200": _json("Conversation", "the conversation"),
                **_errors(*_READ_ERRORS),
            },
        }
    },
    "/v1/conversations/{conversation_id}/messages": {
        "post": {
            "summary": "Send what the person typed, or the choice they clicked; get the reply",
            "security": _AUTH,
            "parameters": [_CONVERSATION_ID],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _ref("SendMessage")}},
            },
            "responses": {
                "200": _json("Reply", "the bot's reply (header Idempotent-Replayed on a retry)"),
                **_errors(*sorted({*_BODY_ERRORS, *_READ_ERRORS})),
            },
        }
    },
    "/v1/conversations/{conversation_id}/feedback": {
        "post": {
            "summary": "Whether the advice solved the problem (the widget's and the terminal's "
            "question after the steps)",
            "security": _AUTH,
            "parameters": [_CONVERSATION_ID],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _ref("SendFeedback")}},
            },
            "responses": {
                "201": _json("Feedback", "kept"),
                **_errors(*sorted({*_BODY_ERRORS, *_READ_ERRORS})),
            },
        }
    },
    "/v1/conversations/{conversation_id}/handoff": {
        "post": {
            "summary": "Ask for a person: the summary for an agent, delivered to the "
            "operator's webhook",
            "security": _AUTH,
            "parameters": [_CONVERSATION_ID],
            "requestBody": {
                "required": False,
                "content": {"application/json": {"schema": _ref("AskHandoff")}},
            },
            "responses": {
                "202": _json("HandoffRequest", "asked; delivered to the webhook in the background"),
                **_errors(*sorted({*_BODY_ERRORS, *_READ_ERRORS})),
            },
        }
    },
    "/v1/conversations/{conversation_id}/why": _explanation(
        "Why the current question is asked (the terminal's /why)", []
    ),
    "/v1/conversations/{conversation_id}/how": _explanation(
        "How a conclusion was reached (the terminal's /how)",
        [
            {
                "name": "target",
                "in": "query",
                "required": False,
                "description": "a step number (2.3) or id, a fact, or an article (default)",
                "schema": _STRING,
            }
        ],
    ),
    "/v1/conversations/{conversation_id}/facts": _explanation(
        "What is known, and where each fact came from (the terminal's /facts)", []
    ),
}


def document() -> Schema:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "advisor",
            "version": __version__,
            "description": "Troubleshoot e-mail errors in a conversation. Errors are "
            '`{"error": {"code", "message"}}` with a stable code: '
            + "; ".join(f"`{code}` ({status}): {why}" for code, (status, why) in ERRORS.items()),
        },
        "paths": PATHS,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}},
        },
    }
