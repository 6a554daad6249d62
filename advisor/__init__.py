"""advisor: a rule-based expert system that troubleshoots e-mail errors in a conversation.

>>> import advisor
>>> kb = advisor.load()
>>> session = kb.new_session()
>>> reply = session.start()
>>> reply.question.id
'error_text'

The names below are imported when first used, so that importing a part of advisor (its
pytest plugin, loaded in every test run of an environment that has advisor) does not load
the rule engine.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from advisor.errors import AdvisorError, KnowledgeBaseError, Problem, StateError
from advisor.version import __version__

if TYPE_CHECKING:
    from advisor.dialog.knowledgebase import KnowledgeBase, load
    from advisor.dialog.reply import Message, Reply
    from advisor.dialog.session import Session
    from advisor.inference.runtime import configure_gc

_LAZY = {
    "KnowledgeBase": "advisor.dialog.knowledgebase",
    "load": "advisor.dialog.knowledgebase",
    "Message": "advisor.dialog.reply",
    "Reply": "advisor.dialog.reply",
    "Session": "advisor.dialog.session",
    "configure_gc": "advisor.inference.runtime",
}

__all__ = [
    "AdvisorError",
    "KnowledgeBase",
    "KnowledgeBaseError",
    "Message",
    "Problem",
    "Reply",
    "Session",
    "StateError",
    "__version__",
    "configure_gc",
    "load",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value  # once found, an ordinary attribute
        return value
    raise AttributeError(f"module 'advisor' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
