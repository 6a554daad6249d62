"""The public surface stays small and deliberate."""

from __future__ import annotations

import advisor


def test_public_names() -> None:
    assert sorted(advisor.__all__) == sorted(
        [
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
    )
    for name in advisor.__all__:
        assert hasattr(advisor, name)


def test_every_error_is_an_advisor_error() -> None:
    assert issubclass(advisor.KnowledgeBaseError, advisor.AdvisorError)
    assert issubclass(advisor.StateError, advisor.AdvisorError)
