"""advisor: a rule-based expert system that troubleshoots e-mail errors in a conversation.

>>> import advisor
>>> kb = advisor.load()
>>> session = kb.new_session()
>>> reply = session.start()
>>> reply.question.id
'error_text'
"""

from advisor.errors import AdvisorError, KnowledgeBaseError, Problem, StateError
from advisor.knowledgebase import KnowledgeBase, load
from advisor.reply import Message, Reply
from advisor.runtime import configure_gc
from advisor.session import Session

__version__ = "0.1.0"

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
