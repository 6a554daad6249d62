"""advisor on the Microsoft Knowledge Base archive: import, load, recognise, converse.

    python -m benchmarks.archive [--archive DIR] [--limit N] [--sample N]

It imports the articles of DIR (default: the shared slice, `../shared/kbarchive/kb` beside
the repository) into a temporary knowledge base and measures: the import; loading, cold
and from the cache; the memory of a worker that holds it; and, for every imported article,
a conversation that pastes the article's own first quoted message and answers what the bot
asks as the person in that article's situation would (its product, version, system, which
of several articles' situations is theirs, "I don't know" to anything else). Recognition is
top-1 when the first article concluded is that article. Turns are timed in that pass (each
first conversation about an error compiles its partition), again on a sample once the
worker is warm, and once more on that sample in other words, as situations it has seen
(their inferences remembered). The baseline, in the same run, recognises the same
messages by scanning every article's messages with rapidfuzz for each paste, as a knowledge
base without an index would. Nothing here asserts a time: it prints what it measured.
"""

from __future__ import annotations

import argparse
import gc
import io
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz import fuzz, process

import advisor
from advisor.importing import run as importer
from advisor.importing.source import NotAnArticle, read
from advisor.knowledge.model import Question

DEFAULT = Path(__file__).resolve().parents[1].parent / "shared" / "kbarchive" / "kb"
CONFIRM = "Did you mean"


@dataclass
class Conversation:
    article: str
    turns: list[float] = field(default_factory=list)
    top: str | None = None  # the first article concluded
    shown: tuple[str, ...] = ()


class Person:
    """Someone in the situation of one article, answering the bot as they would."""

    def __init__(self, kb: advisor.KnowledgeBase, article: str) -> None:
        self.kb, self.article = kb, kb.knowledge.articles[article]
        self.message = self.article.samples["error_text"][0]

    def answer(self, question: Question) -> str | None:
        facts, ids = self.kb.knowledge.facts, [c.id for c in question.choices]
        if question.fact in self.article.distinguish:
            mine = next((v for v in self.article.distinguish[question.fact] if v in ids), None)
            return facts[question.fact].label(mine) if mine else "I don't know"
        if question.fact == "situation":
            return next((c.label for c in question.choices if c.id == self.article.id), None)
        if question.text.startswith(CONFIRM):
            return "yes"
        if question.kind == "choice" and question.fact == "error_message":
            words = " ".join(self.message.lower().split())
            own = [c.label for c in question.choices if " ".join(c.label.lower().split()) == words]
            return own[0] if own else question.choices[-1].label
        if question.kind == "text":
            return None  # asked for the error again: not recognised
        return "I don't know"


def converse(kb: advisor.KnowledgeBase, article: str, user: int) -> Conversation:
    person, done = Person(kb, article), Conversation(article)
    session = kb.new_session()
    session.start()
    text: str | None = f"{person.message} (seen by user {user})"
    while text is not None and len(done.turns) < 10:
        t = time.perf_counter()
        session.send(text)
        done.turns.append(time.perf_counter() - t)
        text = person.answer(session.question) if session.question is not None else None
    outcomes = session.inference.outcomes
    done.shown = tuple(a for a, c in outcomes.items() if c.status == "applies")
    done.top = done.shown[0] if done.shown else None
    return done


def scan_baseline(kb: advisor.KnowledgeBase, articles: list[str]) -> tuple[float, float]:
    """(top-1, median ms per paste) of recognising each article's message by scoring every
    message of every article (rapidfuzz, no index)."""
    messages = [(a, m) for a in kb.knowledge.articles for m in _messages(kb, a)]
    texts = [m for _, m in messages]
    hits, times = 0, []
    for article in articles:
        pasted = _messages(kb, article)[0]
        t = time.perf_counter()
        best = process.extractOne(pasted, texts, scorer=fuzz.token_set_ratio)
        times.append(time.perf_counter() - t)
        hits += best is not None and messages[best[2]][0] == article
    return hits / max(1, len(articles)), statistics.median(times) * 1000


def _messages(kb: advisor.KnowledgeBase, article: str) -> tuple[str, ...]:
    return kb.knowledge.articles[article].samples.get("error_text", ())


def error_articles(files: list[Path]) -> set[str]:
    """The articles the archive tags as error-message articles (kberrmsg)."""
    tagged = set()
    for path in files:
        try:
            source = read(path)
        except NotAnArticle:
            continue
        if "kberrmsg" in source.header.get("Keyword(s)", "").split():
            tagged.add(source.id)
    return tagged


def memory(folder: Path, articles: list[str]) -> float:
    """What a worker holds once warm: the knowledge base, its partitions, engines, caches."""
    gc.collect()
    tracemalloc.start()
    kb = advisor.load(folder)
    for n, article in enumerate(articles):
        converse(kb, article, -n - 1)
    gc.collect()
    size = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return size / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--archive", type=Path, default=DEFAULT, help="a folder of articles")
    parser.add_argument("--limit", type=int, help="import only the first N article files")
    parser.add_argument("--sample", type=int, default=500, help="conversations timed warm")
    args = parser.parse_args()
    if not args.archive.is_dir():
        print(f"archive benchmark skipped: no archive at {args.archive}")
        return
    files = list(importer.articles([args.archive]))[: args.limit]
    ms = 1000
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "kb"
        report = importer.run(files, folder, errors=io.StringIO())
        print(f"archive benchmark: {len(files)} article files from {args.archive}")
        print(
            f"import        {report.seconds:8.1f} s   {report.imported} articles imported, "
            f"{sum(report.skipped.values())} skipped, {report.messages} messages"
        )
        t = time.perf_counter()
        kb = advisor.load(folder)
        cold = time.perf_counter() - t
        t = time.perf_counter()
        kb = advisor.load(folder)
        cached = time.perf_counter() - t
        print(f"load          {cold:8.1f} s cold, {cached:.2f} s from the cache")
        articles = sorted(a for a in kb.knowledge.articles if _messages(kb, a))
        t = time.perf_counter()
        first = [converse(kb, a, n) for n, a in enumerate(articles)]
        elapsed = time.perf_counter() - t
        tagged = error_articles(files) & set(articles)
        for name, group in (
            ("all imported", first),
            ("kberrmsg", [c for c in first if c.article in tagged]),
        ):
            top = sum(c.top == c.article for c in group) / max(1, len(group))
            shown = sum(c.article in c.shown for c in group) / max(1, len(group))
            print(
                f"recognition   {name:>12}: {len(group)} articles, top-1 {top:.3f}, in {shown:.3f}"
            )
        turns = sorted(t for c in first for t in c.turns)
        print(
            f"turns, first pass ({elapsed:.0f} s): median {statistics.median(turns) * ms:.2f} ms, "
            f"p99 {turns[int(0.99 * len(turns))] * ms:.1f} ms"
        )
        sample = random.Random(7).sample(articles, min(args.sample, len(articles)))
        warm = sorted(t for n, a in enumerate(sample) for t in converse(kb, a, 10**6 + n).turns)
        print(
            f"turns, warm ({len(sample)} conversations): median {statistics.median(warm) * ms:.2f}"
            f" ms, p99 {warm[int(0.99 * len(warm))] * ms:.1f} ms"
        )
        # The same situations once more, in other words each time: what a worker answers
        # from the inferences it remembers (the language layer's cost, and the dialog's).
        seen = sorted(t for n, a in enumerate(sample) for t in converse(kb, a, 2 * 10**6 + n).turns)
        print(
            f"turns, situations seen before: median {statistics.median(seen) * ms:.2f} ms, "
            f"p99 {seen[int(0.99 * len(seen))] * ms:.1f} ms"
        )
        top, per = scan_baseline(kb, sample)
        print(
            f"baseline      scan of every message per paste: top-1 {top:.3f}, {per:.1f} ms a paste"
        )
        print(f"memory        {memory(folder, sample):8.1f} MB (a warm worker, tracemalloc)")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
