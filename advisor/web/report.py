"""`advisor report`: what the conversations of a support portal came to, for its operators.

It reads the small summaries the service keeps per conversation (`Store.summaries`), never
the conversations' logs, in one pass that keeps counters only: a report over a million
conversations needs no more memory than one over a thousand.
"""

from __future__ import annotations

import argparse
import heapq
import json
import math
import re
import sqlite3
import sys
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from advisor.language import numbers
from advisor.web.report_html import OUTCOMES, render_html, render_text
from advisor.web.settings import DEFAULT_STORE, Settings
from advisor.web.stores import Store, StoreError, open_store

NO_MATCH_SHOWN = 50  # unmatched texts in a report, most frequent first
# Different unmatched texts counted at once (see `Frequent`): the counts are exact until more
# come in, and then a text that is more than 1 in this many is still counted.
NO_MATCH_KEPT = 10_000
# Times to an answer fall in buckets 2**(1/8) apart, ~9% wide: a bucket's middle is within
# ~4.5% of any time in it, and a year of seconds takes a few hundred buckets.
_BUCKET_RATIO = 2 ** (1 / 8)
_SHORTEST = 0.01  # seconds; shorter times share its bucket


@dataclass
class _Entry:
    count: int
    error: int  # how much of `count` may belong to the keys it took the place of
    example: str


class Frequent:
    """The most frequent keys of a stream, in at most `capacity` entries: Space-Saving
    (Metwally, Agrawal and El Abbadi, 2005). The counts are exact until more than `capacity`
    different keys come in; then a new key takes the place of a least counted one, and its
    count plus one. So a count is high by at most its `error`, and a key seen more than
    items / capacity times is never lost."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.entries: dict[str, _Entry] = {}
        # The keys by count, so that a least counted one is found at once.
        self._by_count: dict[int, dict[str, None]] = {}
        self._least = 0

    def add(self, key: str, example: str) -> None:
        entry = self.entries.get(key)
        if entry is None and len(self.entries) < self.capacity:
            entry = self.entries[key] = _Entry(0, 0, example)
        elif entry is None:
            replaced = next(iter(self._by_count[self._least]))
            entry = self.entries.pop(replaced)
            self._unfile(replaced, entry.count)
            entry.error, entry.example = entry.count, example
            self.entries[key] = entry
        else:
            self._unfile(key, entry.count)
        entry.count += 1
        self._by_count.setdefault(entry.count, {})[key] = None
        # Counts go up by one: when the least count's last key moved, it moved to the least.
        if self._least not in self._by_count or entry.count < self._least:
            self._least = entry.count

    def _unfile(self, key: str, count: int) -> None:
        keys = self._by_count[count]
        del keys[key]
        if not keys:
            del self._by_count[count]

    def top(self, n: int) -> list[tuple[str, _Entry]]:
        return heapq.nsmallest(n, self.entries.items(), key=lambda kv: (-kv[1].count, kv[0]))


_ADDRESS = re.compile(r"[^\s@'\"<>()]+@[^\s@'\"<>()]+")
_LONG_NUMBER = re.compile(r"(?<!\w)\d{6,}(?!\w)")
_TOKEN = re.compile(r"[^\W_]+|[#@]")


def no_match_key(text: str) -> str:
    """What unmatched texts are grouped by. Case, spacing and punctuation do not count, nor
    how an error number is written (0x800CCC0F, 800ccc0f, 0x800 CCC 0F): the error number
    is what tells one error from another. Short decimal numbers are kept too (a port, a
    socket error, a server's reply code); long ones (sizes, dates, phone numbers) and
    e-mail addresses differ from person to person, so they are masked."""
    parts, at = [], 0
    for found in numbers.find(text, {}):
        parts += [text[at : found.start], f" {found.value} "]
        at = found.end
    parts.append(text[at:])
    flat = _LONG_NUMBER.sub(" # ", _ADDRESS.sub(" @ ", "".join(parts)))
    return " ".join(_TOKEN.findall(flat.casefold()))


class _LogHistogram:
    """Counts of positive numbers in log buckets: quantiles to within a bucket's width."""

    def __init__(self) -> None:
        self.counts: Counter[int] = Counter()
        self.total = 0

    def add(self, value: float) -> None:
        self.counts[math.floor(math.log(max(value, _SHORTEST), _BUCKET_RATIO))] += 1
        self.total += 1

    def quantile(self, q: float) -> float | None:
        if not self.total:
            return None
        bucket = _ranked(self.counts, max(math.ceil(q * self.total) - 1, 0))
        return float(_BUCKET_RATIO ** (bucket + 0.5))


def _ranked(counts: Mapping[int, int], rank: int) -> int:
    """The value at `rank` (from 0) of the values counted, in increasing order."""
    seen = 0
    for value in sorted(counts):
        seen += counts[value]
        if seen > rank:
            return value
    raise IndexError(rank)


def _median(counts: Counter[int]) -> float:
    n = counts.total()
    return (_ranked(counts, (n - 1) // 2) + _ranked(counts, n // 2)) / 2


@dataclass
class _Article:
    concluded: int = 0
    solved: int = 0
    not_solved: int = 0
    handed_off: int = 0


@dataclass
class Tally:
    """The counters of a report, one summary at a time. Its memory is bounded by the
    articles and questions of the knowledge base, the turns a conversation may take
    (`Settings.max_turns`), the buckets of times, and `Frequent` for unmatched texts."""

    no_match_kept: int = NO_MATCH_KEPT
    outcomes: Counter[str] = field(default_factory=Counter)
    feedback: Counter[str] = field(default_factory=Counter)
    articles: dict[str, _Article] = field(default_factory=dict)
    stopped: Counter[str] = field(default_factory=Counter)
    question_texts: dict[str, str] = field(default_factory=dict)
    turns: Counter[int] = field(default_factory=Counter)
    answer_seconds: _LogHistogram = field(default_factory=_LogHistogram)
    no_match: Frequent = field(init=False)

    def __post_init__(self) -> None:
        self.no_match = Frequent(self.no_match_kept)

    def add(self, summary: Mapping[str, Any]) -> None:
        outcome = summary["outcome"] or "open"
        solved, handed_off = summary["solved"], summary["handed_off"]
        self.outcomes[outcome] += 1
        if solved is not None:
            self.feedback["solved" if solved else "not_solved"] += 1
        if handed_off:
            self.feedback["handed_off"] += 1
        self.turns[summary["turns"]] += 1
        if summary["seconds_to_answer"] is not None:
            self.answer_seconds.add(summary["seconds_to_answer"])
        if outcome == "advice":
            for article_id in summary["articles"]:
                article = self.articles.setdefault(article_id, _Article())
                article.concluded += 1
                article.solved += solved is True
                article.not_solved += solved is False
                article.handed_off += bool(handed_off)
        elif outcome == "no_match" and summary["no_match"]:
            self.no_match.add(no_match_key(summary["no_match"]), summary["no_match"])
        elif outcome == "open" and summary["question"]:
            self.stopped[summary["question"]] += 1
            self.question_texts.setdefault(summary["question"], summary["question_text"] or "")

    def result(self, since: datetime | None, generated: datetime) -> dict[str, Any]:
        total = self.outcomes.total()
        conversations = {"total": total, **{o: self.outcomes[o] for o in OUTCOMES}}
        conversations |= {f: self.feedback[f] for f in ("solved", "not_solved", "handed_off")}
        turns = self.turns.total()
        return {
            "since": None if since is None else since.isoformat(),
            "generated": generated.isoformat(timespec="seconds"),
            "conversations": conversations,
            "per_article": [
                {"article": article_id, **vars(a)}
                for article_id, a in sorted(
                    self.articles.items(), key=lambda kv: (-kv[1].concluded, kv[0])
                )
            ],
            "no_match": [
                {
                    "text": key,
                    "example": e.example,
                    "count": e.count,
                    "overcounted_at_most": e.error,
                }
                for key, e in self.no_match.top(NO_MATCH_SHOWN)
            ],
            "drop_off": [
                {"question": q, "text": self.question_texts[q], "count": n}
                for q, n in sorted(self.stopped.items(), key=lambda qn: (-qn[1], qn[0]))
            ],
            "turns": {
                "median": _median(self.turns) if turns else None,
                "mean": sum(t * n for t, n in self.turns.items()) / turns if turns else None,
            },
            "seconds_to_answer": {
                "answered": self.answer_seconds.total,
                "median": self.answer_seconds.quantile(0.5),
                "p90": self.answer_seconds.quantile(0.9),
                "approximate": True,
            },
        }


def build(
    summaries: Iterable[Mapping[str, Any]],
    *,
    since: datetime | None = None,
    generated: datetime | None = None,
    no_match_kept: int = NO_MATCH_KEPT,
) -> dict[str, Any]:
    """The report over `summaries`, as the JSON object `--format json` prints."""
    tally = Tally(no_match_kept)
    for summary in summaries:
        tally.add(summary)
    return tally.result(since, generated or datetime.now(UTC))


def collect(store: Store, since: datetime | None = None) -> dict[str, Any]:
    """The report over the conversations in `store` started at `since` or later."""
    return build(store.summaries(0.0 if since is None else since.timestamp()), since=since)


def parse_since(text: str) -> datetime:
    """A date (midnight UTC) or an ISO date and time (UTC unless it says otherwise)."""
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"--since: not a date: {text!r} (use YYYY-MM-DD, or an ISO date and time "
            "such as 2026-11-30T08:00Z)"
        ) from None
    return when.astimezone(UTC) if when.tzinfo is not None else when.replace(tzinfo=UTC)


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = commands.add_parser(
        "report", help="what the conversations came to: outcomes, articles, gaps, drop-off"
    )
    p.add_argument(
        "--store",
        default=DEFAULT_STORE,
        help="the store of `advisor serve`: sqlite:PATH or redis://HOST:PORT/DB "
        "(default: %(default)s)",
    )
    p.add_argument(
        "--since",
        metavar="DATE",
        help="only conversations started then or later: YYYY-MM-DD (UTC) or an ISO date and time",
    )
    p.add_argument(
        "--format",
        choices=["text", "json", "html"],
        default="text",
        help="text to read (default), json for programs, or html: one page with charts",
    )
    p.add_argument("--output", metavar="FILE", help="write the report to FILE (default: stdout)")


def run(args: argparse.Namespace) -> int:
    try:
        since = None if args.since is None else parse_since(args.since)
    except ValueError as exc:
        return _fail(str(exc))
    if args.store.startswith("sqlite:"):
        # Opening a SQLite store creates it: a mistyped path would report nothing, quietly.
        path = Path(args.store.removeprefix("sqlite:").removeprefix("//"))
        if not path.is_file():
            return _fail(f"no such store: {path} (see --store)")
    settings = Settings()
    try:
        store = open_store(
            args.store, idle_timeout=settings.idle_timeout, lock_wait=settings.lock_wait
        )
        try:
            report = collect(store, since)
        finally:
            store.close()
    except StoreError as exc:
        return _fail(str(exc))
    except sqlite3.DatabaseError as exc:
        # A file that is not a database: the store makes StoreError of busy and I/O only.
        return _fail(f"{args.store}: {exc}")
    if args.format == "json":
        text = json.dumps(report, indent=2, ensure_ascii=False) + "\n"
    elif args.format == "html":
        text = render_html(report)
    else:
        text = render_text(report)
    if args.output is None:
        sys.stdout.write(text)
        return 0
    try:
        Path(args.output).write_text(text, encoding="utf-8")
    except OSError as exc:
        return _fail(f"cannot write {args.output}: {exc.strerror}")
    return 0


def _fail(message: str) -> int:
    print(f"advisor: {message}", file=sys.stderr)
    return 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="advisor")
    add_parser(parser.add_subparsers(dest="command", required=True))
    return run(parser.parse_args(["report", *(sys.argv[1:] if argv is None else argv)]))


if __name__ == "__main__":
    sys.exit(main())
