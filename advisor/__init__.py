"""advisor: a rule-based expert system that troubleshoots e-mail errors in a conversation.

>>> import advisor
>>> kb = advisor.load()
>>> session = kb.new_session()
>>> reply = session.start()
>>> reply.question.id
'error_text'
"""

from advisor.dialog.knowledgebase import KnowledgeBase, load
from advisor.dialog.reply import Message, Reply
from advisor.dialog.session import Session
from advisor.errors import AdvisorError, KnowledgeBaseError, Problem, StateError
from advisor.inference.runtime import configure_gc
from advisor.version import __version__

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
