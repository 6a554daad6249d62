"""The same rules in CLIPS (clipspy, from the `bench` extra), for comparison.

Every rule advisor compiles is written out as a CLIPS rule with the same patterns and
salience; the goals (rules that never fire in advisor) go to a module CLIPS never runs,
whose agenda then holds them, as advisor's does. Text patterns are the exception: CLIPS has
no Python regular expressions, so the text is read in Python, as advisor reads it, and the
facts read are asserted with the answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from advisor.inference.compiler import compile_rules
from advisor.inference.facts import Known, Outcome, Shown, Value
from advisor.inference.rete import NOT, PASSIVE
from advisor.knowledge.model import Knowledge


def available() -> bool:
    try:
        import clips  # noqa: F401
    except ImportError:
        return False
    return True


def _q(text: str) -> str:
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _slot(name: str, value: Any) -> str:
    if isinstance(value, str):
        return f"({name} {_q(value)})"
    check = value.match  # an experta P(): a predicate over the slot's value
    inside = getattr(check, "__self__", None)
    if isinstance(inside, frozenset):
        return f"({name} {'|'.join(map(_q, sorted(inside)))})"
    outside = getattr(check, "values", None)
    if outside is not None:
        return f"({name} {'&'.join('~' + _q(v) for v in sorted(outside))})"
    raise ValueError(f"no CLIPS form for {check!r}")


def _pattern(pattern: Any) -> str:
    if isinstance(pattern, NOT):
        return f"(not {_pattern(pattern[0])})"
    template = {Value: "value", Outcome: "outcome", Shown: "shown"}[type(pattern)]
    slots = " ".join(_slot(k, v) for k, v in pattern.items() if not str(k).startswith("__"))
    return f"({template} {slots})"


def _assert(effect: tuple[str, ...]) -> str:
    kind, *args = effect
    if kind == "value":
        fact, value = args
        known = f"(any-factp ((?f value)) (eq ?f:name {_q(fact)}))"
        return f"(if (not {known}) then (assert (value (name {_q(fact)}) (value {_q(value)}))))"
    if kind == "outcome":
        return f"(assert (outcome (article {_q(args[0])}) (status {_q(args[1])})))"
    return f"(assert (shown (item {_q(args[0])})))"


class ClipsEngine:
    """A CLIPS environment holding the compiled rules of one knowledge base."""

    def __init__(self, knowledge: Knowledge) -> None:
        import clips

        self.k = knowledge
        self.env = clips.Environment()
        build = self.env.build
        build("(defmodule MAIN (export ?ALL))")
        build("(deftemplate MAIN::value (slot name) (slot value))")
        build("(deftemplate MAIN::outcome (slot article) (slot status))")
        build("(deftemplate MAIN::shown (slot item))")
        build("(defmodule GOALS (import MAIN ?ALL))")
        self.rules = 0
        compiled = compile_rules(knowledge)
        # CLIPS takes saliences from -10000 to 10000: the same order, renumbered.
        levels = sorted({r.salience for r in compiled if r.salience > PASSIVE}, reverse=True)
        salience = {level: 10000 - rank for rank, level in enumerate(levels)}
        for n, rule in enumerate(compiled):
            action = rule._wrapped
            if hasattr(action, "reads"):
                continue  # text is read in Python, below
            lhs = " ".join(_pattern(p) for p in rule)
            if rule.salience <= PASSIVE:
                build(f"(defrule GOALS::g{n} {lhs} =>)")
            else:
                rhs = " ".join(_assert(e) for e in action.asserts)
                declare = f"(declare (salience {salience[rule.salience]}))"
                build(f"(defrule MAIN::r{n} {declare} {lhs} => {rhs})")
            self.rules += 1
        self.main, self.goals = self.env.find_module("MAIN"), self.env.find_module("GOALS")

    def infer(self, answers: Sequence[Known]) -> tuple[list[str], int]:
        """Reset, assert the answers, run; the facts and goals."""
        env = self.env
        env.reset()
        env.current_module = self.main
        for known in answers:
            fact, value = known.fact, known.value
            env.assert_string(f"(value (name {_q(fact)}) (value {_q(value)}))")
        env.run()
        env.current_module = self.goals
        waiting = sum(1 for _ in env.activations())
        return [str(f) for f in env.facts()], waiting
