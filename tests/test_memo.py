"""The bounded memo that the reading of texts and the inference share."""

from __future__ import annotations

from advisor.memo import Memo


def test_the_least_recently_used_goes_first_and_the_bound_is_read_when_storing() -> None:
    bound = [2]
    memo: Memo[str, int] = Memo(lambda: bound[0])
    memo.keep("a", 1)
    memo.keep("b", 2)
    assert memo.get("a") == 1  # now "b" is the least recently used
    memo.keep("c", 3)
    assert memo.get("b") is None and memo.get("a") == 1 and memo.get("c") == 3
    bound[0] = 1
    memo.keep("a", 4)  # stored again: the most recent, and the only one left
    assert len(memo) == 1 and memo.get("a") == 4 and memo.get("c") is None
    memo.clear()
    assert len(memo) == 0 and memo.get("a") is None
