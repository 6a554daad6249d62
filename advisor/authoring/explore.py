"""`advisor check --explore`: every path of the conversation, walked with real sessions.

Every choice of every choice question is tried, and every sample text the knowledge base
declares for a text question. Each path must end (a resolution, or an honest no-match)
within a bounded number of turns without asking a question twice; every step, note and
warning must be reached by some path; no question may be asked whose answers all lead to
the same advice; and on a path that ends in an article, every question asked must be about
a fact that article depends on.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterator
from dataclasses import dataclass, field

from advisor.dialog.knowledgebase import KnowledgeBase
from advisor.dialog.session import Session
from advisor.knowledge.model import Condition, Knowledge, Pattern, Question, Rule

MAX_TURNS = 20

# An outcome: which articles were concluded how, and which steps, notes and warnings shown.
Outcome = tuple[tuple[tuple[str, str], ...], frozenset[str]]


@dataclass
class Path:
    answers: list[tuple[str, str]]  # (question, answer) in the order asked
    outcome: Outcome

    @property
    def article(self) -> str:
        """The article the path ends in, or "no match"."""
        applying = [a for a, status in self.outcome[0] if status == "applies"]
        return applying[0] if applying else "no match"


@dataclass
class Exploration:
    paths: list[Path] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    unreached: list[str] = field(default_factory=list)
    depends: dict[str, set[str]] = field(default_factory=dict)  # article -> its questions

    def questions(self) -> dict[str, list[int]]:
        """For each outcome article (and "no match"), the number of questions on each path."""
        found: dict[str, list[int]] = {}
        for p in self.paths:
            found.setdefault(p.article, []).append(len(p.answers))
        return found

    def summary(self) -> list[str]:
        counts = self.questions()
        every = [n for ns in counts.values() for n in ns]
        lines = [
            f"Explored {len(self.paths)} paths: "
            + ", ".join(f"{a} {len(ns)}" for a, ns in sorted(counts.items()))
        ]
        if every:
            lines.append(
                f"Questions per conversation: average {statistics.mean(every):.1f}, "
                f"worst {max(every)}"
            )
            for article, ns in sorted(counts.items()):
                bound = self.depends.get(article)
                lines.append(
                    f"  {article:<20} paths {len(ns):>4}  questions: average "
                    f"{statistics.mean(ns):.1f}, worst {max(ns)}"
                    + (f" (it depends on {len(bound)})" if bound is not None else "")
                )
        lines.extend(f"problem: {p}" for p in self.problems)
        lines.extend(f"problem: {u} is reached by no path" for u in self.unreached)
        return lines

    @property
    def ok(self) -> bool:
        return not self.problems and not self.unreached

    def to_dict(self) -> dict[str, object]:
        return {
            "paths": len(self.paths),
            "questions": {
                a: {
                    "paths": len(ns),
                    "average": round(statistics.mean(ns), 2),
                    "worst": max(ns),
                    "depends_on": sorted(self.depends.get(a, ())),
                }
                for a, ns in sorted(self.questions().items())
            },
            "problems": self.problems,
            "unreached": self.unreached,
        }


def explore(kb: KnowledgeBase, max_turns: int = MAX_TURNS) -> Exploration:
    knowledge = kb.knowledge
    depends = {a: depends_on(knowledge, a) for a in knowledge.articles}
    result = Exploration(depends=depends)
    session = kb.new_session()
    session.start()
    _walk(session, [], result, knowledge, depends, max_turns)
    shown = set().union(*(p.outcome[1] for p in result.paths)) if result.paths else set()
    result.unreached = [
        i.id for a in knowledge.articles.values() for i, _ in a.items() if i.id not in shown
    ]
    return result


def _walk(
    session: Session,
    asked: list[tuple[str, str]],
    result: Exploration,
    knowledge: Knowledge,
    depends: dict[str, set[str]],
    max_turns: int,
) -> set[Outcome]:
    """Try every answer to the session's question; the outcomes below this point."""
    question = session.question
    if question is None:
        path = Path(asked, _outcome(session))
        result.paths.append(path)
        if path.article != "no match":
            stray = [q for q, _ in asked if q not in depends[path.article]]
            if stray:
                result.problems.append(
                    f"{_show(asked)} ends in {path.article}, which does not "
                    f"depend on {', '.join(stray)}"
                )
        return {path.outcome}
    where = _show(asked)
    if len(asked) >= max_turns:
        result.problems.append(f"{where} does not end within {max_turns} questions")
        return set()
    if any(q == question.id for q, _ in asked):
        result.problems.append(f"{where} asks {question.id!r} a second time")
        return set()
    below: list[frozenset[Outcome]] = []
    for answer in _answers(knowledge, question):
        branch = session.copy()
        reply = branch.send(answer)
        if (
            reply.question is not None
            and reply.question.id == question.id
            and reply.of_type("hint")
        ):
            # "I don't know" first gets how to find out; said again, it is the answer.
            reply = branch.send(answer)
        if any(m.type == "invalid" for m in reply.messages):
            result.problems.append(f"{where}: {question.id} = {answer!r} was not taken")
            continue
        below.append(
            frozenset(
                _walk(
                    branch, [*asked, (question.id, answer)], result, knowledge, depends, max_turns
                )
            )
        )
    if len(below) > 1 and len(set(below)) == 1:
        result.problems.append(f"{where}: no answer to {question.id!r} changes the advice")
    return set().union(*below) if below else set()


def _answers(knowledge: Knowledge, question: Question) -> Iterator[str]:
    """The answers to try: a text question's samples, or every choice offered (a
    "Did you mean ...?" question is answered yes and no too)."""
    if question.kind == "text":
        yield from knowledge.samples(question.fact)
    else:
        yield from (c.id for c in question.choices)


def _outcome(session: Session) -> Outcome:
    inference = session.inference
    verdicts = tuple(sorted((a, c.status) for a, c in inference.outcomes.items()))
    return verdicts, frozenset(s.item.id for s in session.steps())


def _show(asked: list[tuple[str, str]]) -> str:
    if not asked:
        return "the start"
    return " > ".join(f"{q}={a[:30]!r}" for q, a in asked)


def depends_on(knowledge: Knowledge, article: str) -> set[str]:
    """The questions whose answers can change an article's decision or its steps: the facts
    of its conditions and of its items', through the rules and patterns that give them."""
    conditions: list[Condition] = [
        c for r in knowledge.rules if r.article == article for c in r.when
    ]
    conditions += [c for i, _ in knowledge.articles[article].items() for c in i.when]
    wanted = {c.fact for c in conditions if not c.negated}
    found: set[str] = set()
    while wanted:
        fact = wanted.pop()
        if fact in found:
            continue
        found.add(fact)
        for thing in knowledge.by_id.values():
            if isinstance(thing, Rule) and any(f == fact for f, _ in thing.sets):
                wanted |= {c.fact for c in thing.when if not c.negated}
            elif isinstance(thing, Pattern) and fact in thing.produces:
                wanted.add(thing.source)
    return {f for f in found if knowledge.facts[f].question is not None}
