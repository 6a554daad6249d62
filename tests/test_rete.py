"""The experta compatibility step and the cache fixes in advisor/inference/rete.py."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from conftest import FIRST_MESSAGE, said

import advisor
from advisor.inference.engine import EnginePool
from advisor.inference.facts import Known
from advisor.inference.rete import experta

PACKAGE = Path(advisor.__file__).parent


def test_experta_imports_on_this_python() -> None:
    assert experta.__version__ == "1.9.4"


# Run in a process of its own: what advisor leaves behind for others who use experta.
AFTER_ADVISOR = """
import collections, collections.abc, json
import advisor

session = advisor.load().new_session()
session.start()
asked = session.send("0x800CCC0F").question.id

from experta import NOT, Fact, KnowledgeEngine, Rule
from experta.activation import Activation
from experta.matchers import rete
from experta.matchers.rete.token import Token

class Plain(KnowledgeEngine):
    @Rule(Fact(colour="red"), NOT(Fact(size="big")))
    def red(self):
        fired.append("red")

fired = []
plain = Plain()
plain.reset()
plain.declare(Fact(colour="red"))
plain.run()
try:
    Token.valid("not a fact")
    checked = False
except TypeError:
    checked = True
print(json.dumps({
    "asked": asked,
    "aliases": [n for n in collections.abc.__all__ if hasattr(collections, n)],
    "code": {
        "Token.__new__": Token.__new__.__code__.co_filename,
        "Token.copy": Token.copy.__code__.co_filename,
        "Activation.__hash__": Activation.__hash__.__code__.co_filename,
        "wire_rule": rete.wire_rule.__code__.co_filename,
    },
    "fired": fired,
    "checked": checked,
}))
"""


def test_advisor_leaves_experta_and_collections_as_they_were() -> None:
    done = subprocess.run(
        [sys.executable, "-c", AFTER_ADVISOR], capture_output=True, text=True, check=True
    )
    seen = json.loads(done.stdout)
    assert seen["asked"] == "mail_service"  # advisor's engine works without the aliases
    assert seen["aliases"] == []
    experta_home = Path(experta.__file__).parent
    for name, filename in seen["code"].items():
        assert Path(filename).is_relative_to(experta_home), name
    assert seen["fired"] == ["red"]
    assert seen["checked"]  # experta's own token checks are still there for its users


def test_experta_is_imported_only_through_rete() -> None:
    importers = {
        path.name
        for path in PACKAGE.rglob("*.py")
        if re.search(r"^\s*(from|import)\s+experta\b", path.read_text(), re.MULTILINE)
    }
    assert importers == {"rete.py"}


def test_importing_advisor_leaves_logging_alone() -> None:
    # experta calls logging.basicConfig() on import; an embedding program must keep control.
    code = "import logging, advisor.inference.rete; print(len(logging.getLogger().handlers))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0"


ANSWERS = [
    *said(advisor.load(), FIRST_MESSAGE),
    Known("connection", "isp", "chosen"),
    Known("windows", "win98", "chosen"),
]


def summary(pool: EnginePool, answers: list[Known]) -> tuple[object, ...]:
    inference = pool.infer(answers)
    return (
        inference.values,
        sorted(inference.shown),
        inference.question,
        {a: c.status for a, c in inference.outcomes.items()},
    )


def test_experta_process_wide_caches_are_not_used(kb: advisor.KnowledgeBase) -> None:
    from experta.matchers import ReteMatcher
    from experta.strategies import DepthStrategy

    DepthStrategy.get_key.cache_clear()
    ReteMatcher._get_conflict_set_nodes.cache_clear()
    for _ in range(20):
        kb.pool.infer(ANSWERS)
    assert DepthStrategy.get_key.cache_info().currsize == 0
    assert ReteMatcher._get_conflict_set_nodes.cache_info().currsize == 0


def test_a_reused_engine_gives_what_a_new_one_gives(kb: advisor.KnowledgeBase) -> None:
    pool = EnginePool(kb.knowledge)
    fresh = summary(EnginePool(kb.knowledge), ANSWERS)
    other = [
        *said(kb, "0x800CCC0F"),
        Known("mail_service", "msn", "chosen"),
        Known("connection", "msn_dialup", "chosen"),
    ]
    for _ in range(50):
        summary(pool, other)
        assert summary(pool, ANSWERS) == fresh


def test_two_engines_in_turn_do_not_disturb_each_other(kb: advisor.KnowledgeBase) -> None:
    one, two = EnginePool(kb.knowledge).build(), EnginePool(kb.knowledge).build()
    expected = one.infer(ANSWERS).values
    for _ in range(20):
        assert two.infer(said(kb, "0x800CCC0F")).question == "mail_service"
        assert one.infer(ANSWERS).values == expected


def test_threads_each_get_their_own_engine(kb: advisor.KnowledgeBase) -> None:
    pool = EnginePool(kb.knowledge)
    expected = summary(pool, ANSWERS)
    wrong: list[object] = []

    def work() -> None:
        for _ in range(40):
            got = summary(pool, ANSWERS)
            if got != expected:
                wrong.append(got)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wrong == []
    assert 1 <= len(pool._idle) <= 4  # engines are reused, at most one per thread


def test_advisor_network_builds_unchecked_tokens_of_its_own(
    kb: advisor.KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Points 4 and 7 of rete.py: the speed of a turn, kept without touching experta's classes.
    from experta.matchers.rete.token import Token

    checked: list[type] = []
    experta_new = Token.__new__

    def counted(cls: type, *args: object, **kwargs: object) -> object:
        checked.append(cls)
        return experta_new(cls, *args, **kwargs)

    monkeypatch.setattr(Token, "__new__", counted)
    engine = EnginePool(kb.knowledge).build()
    assert engine.infer(ANSWERS).values["windows"] == "win98"
    assert checked == []
    kinds = {type(node).__name__ for node in engine.matcher._nodes}
    assert {"_BusNode", "_ConflictSetNode"} <= kinds
    assert not kinds & {"BusNode", "ConflictSetNode", "OrdinaryMatchNode"}


def test_a_withdrawn_activation_leaves_the_agenda_among_many_of_the_same_key() -> None:
    from experta.activation import Activation
    from experta.agenda import Agenda

    from advisor.inference.rete import _Strategy

    strategy, agenda = _Strategy(), Agenda()
    rules = [advisor.inference.rete.Rule(salience=-1)(lambda engine: None) for _ in range(12)]
    fact = advisor.inference.rete.Fact(__factid__=3)
    tied = [Activation(rule, [fact]) for rule in rules]
    strategy.update_agenda(agenda, tied, [])
    # experta's own search looked one place either side of the first equal key only
    strategy.update_agenda(agenda, [], [Activation(rules[7], [fact])])
    assert [a.rule for a in agenda.activations] == [r for i, r in enumerate(rules) if i != 7]


def test_an_answer_replaces_what_the_text_said_in_a_reused_engine(
    kb: advisor.KnowledgeBase,
) -> None:
    # The paste says ISP; the person then answers LAN (/change). The engine that held the
    # ISP read from the paste must not keep it beside the answer.
    read = said(kb, "0x800CCC0F, msn mail, third-party ISP, Windows 95")
    assert any(k.fact == "connection" and k.value == "isp" for k in read)
    answers = [k for k in read if k.fact != "connection"] + [Known("connection", "lan", "chosen")]
    fresh = EnginePool(kb.knowledge).build().infer(answers)
    engine = EnginePool(kb.knowledge).build()
    assert engine.infer(read).values["connection"] == "isp"
    reused = engine.infer(answers)
    assert reused.values["connection"] == "lan"
    assert reused.outcomes == fresh.outcomes and reused.goals == fresh.goals
