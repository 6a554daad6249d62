"""Inference: provenance of every conclusion, and asking only what a live rule needs."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

from conftest import FIRST_MESSAGE

import advisor
from advisor import KnowledgeBase
from advisor.inference.engine import EnginePool
from advisor.inference.facts import Derivation, Goal, Known


def infer(kb: KnowledgeBase, **answers: str):
    """The inference for answers, the error text with what the language layer reads from it
    (the engine gets facts; reading text is not its job)."""
    given = []
    for fact, value in answers.items():
        if fact == "error_text":
            question = kb.knowledge.facts[fact].question
            read = kb.understand(value, question).readings
            given += [
                Known(r.fact, r.value, "extracted", Derivation(r.by, said=r.said)) for r in read
            ]
            given.append(Known(fact, value, "typed"))
        else:
            given.append(Known(fact, value, "chosen"))
    return kb.infer(given)


def test_every_fact_keeps_where_it_came_from(kb: KnowledgeBase) -> None:
    inference = infer(kb, error_text=FIRST_MESSAGE, connection="lan")
    known = inference.known
    assert known["error_text"].source == "typed" and known["error_text"].derivation is None
    assert known["connection"].source == "chosen"
    number = known["error_number"]
    assert number.source == "extracted"
    assert number.derivation.rule == "error_text/error-number"
    assert number.derivation.said == "0x800CCC0F"
    symptom = known["symptom"]
    assert symptom.source == "derived"
    assert symptom.derivation.rule == "error-0x800CCC0F/error-number"
    assert symptom.derivation.premises == (("error_number", "0x800CCC0F"),)


def test_a_conclusion_records_its_rule_facts_and_assumptions(kb: KnowledgeBase) -> None:
    inference = infer(kb, error_text="0x800CCC0F", mail_service="msn", connection="isp")
    conclusion = inference.outcomes["Q194068"]
    assert conclusion.status == "applies"
    d = conclusion.derivation
    assert d.rule == "Q194068/lan-or-third-party-isp"
    assert d.premises == (
        ("symptom", "connection_terminated"),
        ("mail_service", "msn"),
        ("connection", "isp"),
    )
    assert {c.fact for c in d.absent} == {"mail_direction"}


def test_a_tailored_item_records_why_it_is_shown(kb: KnowledgeBase) -> None:
    shown = infer(
        kb, error_text="0x800CCC0F", mail_service="msn", connection="isp", windows="win98se"
    ).shown
    warning = shown["Q194068/windows-98-tcpip-warning"]
    assert warning.premises == (("windows", "win98se"),)


def test_goals_say_which_rules_wait_for_which_question(kb: KnowledgeBase) -> None:
    first = infer(kb)
    assert first.question == "error_text"
    # The error is awaited through the pattern that reads the number and the rule that
    # derives the symptom from it, for the symptom that chooses which articles to consider.
    assert (
        Goal(
            "error_text",
            ("error_text/error-number", "error-0x800CCC0F/error-number", "route:symptom"),
        )
        in first.goals
    )
    assert {g.fact for g in first.goals} == {"error_text"}  # the symptom comes first
    later = infer(kb, error_text="0x800CCC0F")
    # Nothing about MSN is asked before the mail service: every article waits for it.
    assert later.question == "mail_service"
    assert Goal("mail_service", ("Q194068/lan-or-third-party-isp",)) in later.goals
    assert {g.fact for g in later.goals} == {"mail_service"}
    # Rules that only rule an article out wait for nothing: they say why with what is known.
    assert not any(
        r in g.path for g in later.goals for r in ("Q194068/msn-dial-up", "Q194068/not-msn-mail")
    )
    msn = infer(kb, error_text="0x800CCC0F", mail_service="msn")
    assert msn.question == "connection"
    assert Goal("connection", ("Q194068/lan-or-third-party-isp",)) in msn.goals


def test_a_goal_goes_away_when_its_fact_is_known(kb: KnowledgeBase) -> None:
    after = infer(kb, error_text="0x800CCC0F", mail_service="msn", connection="lan")
    assert not any(g.fact == "connection" for g in after.goals)
    assert {g.fact for g in after.goals} == {"windows"}


ARTICLE = """\
format: 1
article: {id: A, title: Paint, source: written for the tests}
facts:
  problem:
    describe: the problem
    question:
      kind: choice
      text: What is wrong?
      choices: [{id: peeling, label: Peeling}, {id: fading, label: Fading}]
  surface:
    describe: the surface
    question:
      kind: choice
      text: Inside or outside?
      choices: [{id: inside, label: Inside}, {id: outside, label: Outside}]
  weather:
    describe: the weather
    question:
      kind: choice
      text: Is it raining?
      choices: [{id: rain, label: Rain}, {id: dry, label: Dry}]
  colour:
    describe: the colour
    question:
      kind: choice
      text: Which colour?
      choices: [{id: red, label: Red}, {id: blue, label: Blue}]
rules:
  - id: peeling-outside
    when: {problem: peeling, surface: outside}
    conclude: applies
resolution:
  cause: Sun and rain.
  steps:
    - id: scrape
      step: Scrape it.
    - id: wait
      when: {weather: rain}
      step: Wait for a dry day.
    - id: red-note
      when: {colour: red, weather: dry}
      note: Red fades first.
"""


def questions_asked(kb: KnowledgeBase, answers: dict[str, str]) -> list[str]:
    session = kb.new_session()
    reply = session.start()
    asked = []
    while reply.question is not None:
        asked.append(reply.question.id)
        reply = session.send(answers[reply.question.id])
    return asked


def test_only_what_a_live_rule_needs_is_asked(write_rules: Callable[..., Path]) -> None:
    kb = advisor.load(write_rules(paint=ARTICLE))
    # Fading rules the article out: nothing more is asked.
    assert questions_asked(kb, {"problem": "fading"}) == ["problem"]
    # Inside rules it out after two questions.
    assert questions_asked(kb, {"problem": "peeling", "surface": "inside"}) == [
        "problem",
        "surface",
    ]
    # Rain: the note about red needs dry weather, so the colour is never asked.
    assert questions_asked(kb, {"problem": "peeling", "surface": "outside", "weather": "rain"}) == [
        "problem",
        "surface",
        "weather",
    ]
    assert questions_asked(
        kb, {"problem": "peeling", "surface": "outside", "weather": "dry", "colour": "red"}
    ) == ["problem", "surface", "weather", "colour"]


def test_an_engine_is_built_once_and_reused(kb: KnowledgeBase) -> None:
    pool = EnginePool(kb.knowledge)
    built = []
    original = pool.build
    pool.build = lambda: built.append(1) or original()  # type: ignore[method-assign]
    for _ in range(10):
        pool.infer([Known("error_text", "0x800CCC0F", "typed")])
    assert len(built) == 1


def test_no_goal_waits_on_a_rule_that_what_is_known_rules_out(kb: KnowledgeBase) -> None:
    # Goals used to outlive their withdrawal by the network (experta's agenda), so `/why`
    # named articles already ruled out, and which ones depended on how rules were compiled.
    choices = {
        "error_text": [None, "0x800CCC0F", FIRST_MESSAGE],
        "connection": [None, "lan", "isp", "msn_dialup", "not_msn"],
        "network_adapter": [None, "yes", "no"],
        "antivirus_scan": [None, "yes", "no"],
    }
    rules = {r.id: r for r in kb.knowledge.rules}
    checked = 0
    for picked in itertools.product(*choices.values()):
        given = {f: v for f, v in zip(choices, picked, strict=True) if v is not None}
        inference = infer(kb, **given)
        values = {f: k.value for f, k in inference.known.items()}
        for goal in inference.goals:
            for c in (c for step in goal.path if step in rules for c in rules[step].when):
                assert not c.fails(values.get(c.fact)), (given, goal)
            checked += 1
    assert checked > 100
