"""What keeps cost flat as a knowledge base grows: partitions, the router, the cache of the
checked knowledge base, and engines that go on from a conversation's previous turn."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

import advisor
from advisor.authoring.explore import explore
from advisor.inference.engine import EnginePool
from advisor.inference.facts import Known
from advisor.inference.partition import restrict, split
from advisor.knowledge import cache, loader
from benchmarks import synthetic


@pytest.fixture(scope="module")
def synthetic_kb(tmp_path_factory: pytest.TempPathFactory) -> tuple[advisor.KnowledgeBase, Path]:
    folder = synthetic.write(60, tmp_path_factory.mktemp("synthetic"))
    return advisor.load(folder), folder


def converse(kb: advisor.KnowledgeBase, answers: list[str]) -> advisor.Session:
    session = kb.new_session()
    session.start()
    for answer in answers:
        session.send(answer)
    return session


def test_the_bundled_knowledge_base_is_split_by_the_problem(kb: advisor.KnowledgeBase) -> None:
    assert kb.split is not None and kb.split.entry == {"symptom"}
    terminated = kb.split.articles_for({"symptom": "connection_terminated"})
    assert terminated == {
        "Q194068",
        "ADV-ANTIVIRUS",
        "ADV-FIREWALL",
        "ADV-PORT-25",
        "ADV-LARGE-MESSAGES",
    }
    assert "Q181129" in kb.split.articles_for({"symptom": "host_not_found"})


def test_a_synthetic_knowledge_base_is_split_by_error_code(
    synthetic_kb: tuple[advisor.KnowledgeBase, Path],
) -> None:
    kb, _ = synthetic_kb
    assert kb.split is not None
    assert kb.split.entry == {"error_code"}
    families = list(synthetic.families(60))
    for family, size in families:
        articles = kb.split.articles_for({"error_code": family.code})
        assert articles == {f"{family.code}-{m}" for m in range(size)}
        part = kb.split.part(articles)
        assert set(part.articles) == articles
        assert {r.article for r in part.rules} == articles
        assert [p.id for p in part.facts["error_text"].patterns] == ["error_text/code"]


def test_every_synthetic_conversation_reaches_its_own_article(
    synthetic_kb: tuple[advisor.KnowledgeBase, Path],
) -> None:
    kb, _ = synthetic_kb
    for family, size in synthetic.families(60):
        for member in range(size):
            session = converse(kb, synthetic.conversation(family, member))
            assert session.done
            assert list(session.inference.outcomes) == [f"{family.code}-{member}"]
            assert f"{family.code}-{member}/tailored" in session.inference.shown


def test_the_router_asks_the_error_and_explains_why(
    synthetic_kb: tuple[advisor.KnowledgeBase, Path],
) -> None:
    kb, _ = synthetic_kb
    session = kb.new_session()
    assert session.start().question.id == "error_text"
    assert session.why().reasons == (
        "From your answer I read the error code.",
        "The error code decides which articles I consider.",
    )
    assert session.why(ids=True).reasons == (
        "I read the error code from your answer (pattern error_text/code)",
        "the error code decides which articles to consider",
    )
    ended = session.send("Error 0x8004FFFF when sending")
    assert ended.done
    assert ended.messages[-1].type == "no_match"


def test_only_the_partitions_in_use_are_compiled(
    synthetic_kb: tuple[advisor.KnowledgeBase, Path],
) -> None:
    _, folder = synthetic_kb
    fresh = advisor.load(folder)
    family, _ = next(synthetic.families(60))
    converse(fresh, synthetic.conversation(family, 0))
    compiled = [key for key in fresh._pools if key is not None]
    assert compiled == [frozenset(f"{family.code}-{m}" for m in range(10))]
    whole = EnginePool(fresh.knowledge, keep=0).rule_count
    assert fresh._pools[compiled[0]].rule_count * 5 < whole


def test_a_split_knowledge_base_explores_cleanly(tmp_path: Path) -> None:
    kb = advisor.load(synthetic.write(20, tmp_path))
    exploration = explore(kb)
    assert exploration.ok, exploration.summary()
    assert {p.article for p in exploration.paths} == {*kb.knowledge.articles, "no match"}


def test_restrict_keeps_what_the_articles_need(kb: advisor.KnowledgeBase) -> None:
    assert kb.split is not None
    part = restrict(kb.knowledge, frozenset({"ADV-LARGE-MESSAGES"}), entry=kb.split.entry)
    assert set(part.articles) == {"ADV-LARGE-MESSAGES"}
    assert {r.id for r in part.rules} == {
        "ADV-LARGE-MESSAGES/only-large-messages",
        "error-0x800CCC0F/error-number",
        "error-0x800CCC0F/error-message",
        "error-0x800CCC0F/msn-through-another-network",
        "error-0x800CCC0F/msn-through-msn-or-unknown",
        "error-0x800CCC0F/not-msn",
    }
    kept = {p.id.split("/")[1] for p in part.facts["error_text"].patterns}
    assert "error-number" in kept and "account" not in kept
    assert part.facts["windows"].patterns == ()  # nothing the article needs is read there
    assert split(part) is None


# -- engines that go on from the previous turn ---------------------------------------------


def test_a_turn_added_to_an_engine_infers_what_a_new_engine_infers(
    kb: advisor.KnowledgeBase,
) -> None:
    pool = EnginePool(kb.knowledge)
    going_on, scratch = pool.build(), pool.build()
    for path in explore(kb).paths:
        steps = converse(kb, [a for _, a in path.answers]).answers
        going_on.answers = None  # a conversation of its own
        for n in range(1, len(steps) + 1):
            answers = steps[:n]
            added = going_on.infer(answers)
            scratch.answers = None  # from reset, as a new engine would
            fresh = scratch.infer(answers)
            assert added == fresh
            assert list(added.known) == list(fresh.known)  # the same order, too


def test_an_answer_that_falsifies_an_earlier_conclusion_starts_again(write_rules: object) -> None:
    # The article applies while the colour is not known to be red; a step asks the colour
    # (only after the article applies), and red takes the article back.
    folder = write_rules(
        a="""\
        format: 1
        article: {id: A, title: Paint, source: tests}
        facts:
          problem:
            describe: the problem
            question: {kind: choice, text: "What?", choices: [{id: peeling, label: Peeling}, {id: fading, label: Fading}]}
          colour:
            describe: the colour
            question: {kind: choice, text: "Colour?", choices: [{id: red, label: Red}, {id: blue, label: Blue}]}
        rules:
          - {id: a, when: {problem: peeling, colour: {not: red}}, conclude: applies}
        resolution:
          cause: Sun.
          steps:
            - {id: s, step: Scrape it.}
            - {id: red-note, when: {colour: red}, note: Red is special.}
            - {id: blue-note, when: {colour: blue}, note: Blue is fine.}
        """
    )
    kb = advisor.load(folder)  # type: ignore[arg-type]
    engine = kb.pool.build()
    first = engine.infer([Known("problem", "peeling", "chosen")])
    assert first.outcomes["A"].status == "applies"
    both = [Known("problem", "peeling", "chosen"), Known("colour", "red", "chosen")]
    assert engine.infer(both) == kb.pool.build().infer(both)
    assert "A" not in engine.infer(both).outcomes


# -- the cache of the checked knowledge base ------------------------------------------------


def test_a_knowledge_base_is_read_from_its_cache_until_a_file_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = synthetic.write(10, tmp_path / "kb")
    first = loader.load_knowledge(folder)
    assert list(cache.folder(folder).glob("knowledge-*.pickle"))
    read_files: list[int] = []
    original = loader._load
    monkeypatch.setattr(loader, "_load", lambda paths: read_files.append(1) or original(paths))
    assert loader.load_knowledge(folder) == first
    assert read_files == []
    article = next(folder.glob("0x*-3.yaml"))
    article.write_text(article.read_text().replace("Cause", "The cause"))
    os.utime(article, ns=(time.time_ns(), time.time_ns() + 10**9))
    changed = loader.load_knowledge(folder)
    assert read_files == [1]
    assert changed.articles[article.stem].cause.startswith("The cause")
    assert len(list(cache.folder(folder).glob("knowledge-*.pickle"))) == 1


def test_a_broken_file_is_reported_even_with_a_cache(tmp_path: Path) -> None:
    folder = synthetic.write(10, tmp_path / "kb")
    loader.load_knowledge(folder)
    (folder / "0x80040000-1.yaml").write_text("format: 1\narticle: [\n")
    with pytest.raises(advisor.KnowledgeBaseError, match="not valid YAML"):
        loader.load_knowledge(folder)


def test_one_situation_is_inferred_once_for_everyone_in_it(
    kb: advisor.KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two people paste the same message around their own words: the second is not
    inferred again, yet keeps their own words, and its explanations are the first's."""
    from conftest import FIRST_MESSAGE

    fresh = advisor.KnowledgeBase(kb.knowledge)
    inferred: list[int] = []
    real = fresh._infer
    monkeypatch.setattr(fresh, "_infer", lambda answers: inferred.append(1) or real(answers))
    sessions = []
    for person in ("Pat", "Sam"):
        session = fresh.new_session()
        session.start()
        session.send(f"{FIRST_MESSAGE}\nthis is {person}'s computer")
        session.send("lan")
        sessions.append(session)
    pat, sam = sessions
    assert len(inferred) == 3  # Pat's start, paste and answer; Sam's are all remembered
    assert sam.inference.known["error_text"].value.endswith("Sam's computer")
    assert "Sam's computer" in str(sam.handoff()["error"])
    assert sam.why().to_dict() == pat.why().to_dict()
    assert sam.how().to_dict() == pat.how().to_dict()
    assert sam.question == pat.question
