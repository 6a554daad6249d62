"""`advisor check` and `--explore`: each kind of problem, found in a small broken knowledge
base written here, and a clean bill for the bundled one."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

import advisor
from advisor import cli
from advisor.authoring.check import check
from advisor.authoring.explore import depends_on, explore

Write = Callable[..., Path]

BASE = """\
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
rules:
  - id: peeling-outside
    when: {problem: peeling, surface: outside}
    conclude: applies
  - id: fading
    when: {problem: fading}
    conclude: not_applicable
    because: Fading is another matter.
  - id: inside
    when: {surface: inside}
    conclude: not_applicable
    because: Inside paint does not peel from the weather.
resolution:
  cause: Sun and rain.
  steps:
    - id: scrape
      step: Scrape it.
"""


def findings(write: Write, **files: str) -> list[tuple[str, str, str, int | None]]:
    _, found = check(write(**files))
    return [(f.severity, f.code, Path(f.file).name, f.line) for f in found]


def line(text: str, needle: str) -> int:
    return next(n for n, ln in enumerate(text.splitlines(), 1) if needle in ln)


def test_the_base_is_clean(write_rules: Write) -> None:
    assert findings(write_rules, a=BASE) == []


def test_the_bundled_knowledge_base_is_clean(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["check"]) == 0
    assert capsys.readouterr().out == "No problems found.\n"


def test_a_fact_nobody_gives(write_rules: Write) -> None:
    text = BASE.replace(
        "    when: {problem: peeling, surface: outside}",
        "    when: {problem: peeling, surface: outside, weather: rain}",
    )
    text = text.replace(
        "rules:\n", "  weather:\n    describe: the weather\n    values: {rain: Rain}\nrules:\n"
    )
    assert findings(write_rules, a=text) == [
        ("error", "never-applies", "a.yaml", 2),  # and so the article can never apply
        ("error", "unproduced-fact", "a.yaml", line(text, "- id: peeling-outside")),
    ]


def test_a_question_no_rule_needs(write_rules: Write) -> None:
    text = BASE.replace(
        "rules:\n",
        textwrap.dedent("""\
          colour:
            describe: the colour
            question:
              kind: yesno
              text: Is it red?
        rules:
        """),
    )
    assert ("warning", "unneeded-question", "a.yaml", line(text, "  colour:")) in findings(
        write_rules, a=text
    )


ROOF_AND_FENCE = BASE.replace(
    "{id: outside, label: Outside}]",
    "{id: outside, label: Outside},\n                {id: roof, label: Roof}, {id: fence, label: Fence}]",
)


def test_choices_no_condition_tells_apart(write_rules: Write) -> None:
    # Roof and fence are both "otherwise": they give the same advice.
    assert findings(write_rules, a=ROOF_AND_FENCE) == [
        ("warning", "unused-choice", "a.yaml", line(ROOF_AND_FENCE, "{id: roof")),
        ("warning", "unused-choice", "a.yaml", line(ROOF_AND_FENCE, "{id: roof")),
    ]


def test_one_choice_no_condition_names_is_the_otherwise(write_rules: Write) -> None:
    # One choice no condition names is the "otherwise" answer: it still gives its own advice.
    text = BASE.replace(
        "{id: outside, label: Outside}]", "{id: outside, label: Outside}, {id: roof, label: Roof}]"
    )
    assert findings(write_rules, a=text) == []


def test_a_rule_that_can_never_fire(write_rules: Write) -> None:
    text = BASE.replace(
        "rules:\n",
        textwrap.dedent("""\
          shade:
            describe: the shade
            values: {dark: Dark, light: Light}
        rules:
          - id: outside-is-dark
            when: {surface: outside}
            set: {shade: dark}
          - id: light-peels
            when: {shade: light}
            conclude: not_applicable
            because: never
        """),
    )
    found = findings(write_rules, a=text)
    assert ("error", "never-fires", "a.yaml", line(text, "- id: light-peels")) in found


def test_a_step_inside_a_step_that_excludes_it(write_rules: Write) -> None:
    text = BASE.replace(
        """    - id: scrape
      step: Scrape it.""",
        """    - id: scrape
      step: Scrape it.
      when: {surface: outside}
      steps:
        - id: indoors
          when: {surface: inside}
          step: Open the windows.""",
    )
    _, found = check(write_rules(a=text))
    [problem] = found
    assert (problem.code, problem.line) == ("never-shown", line(text, "- id: indoors"))
    assert "inside A/scrape that needs outside" in problem.message


def test_two_articles_for_the_same_facts(write_rules: Write) -> None:
    other = BASE.replace("id: A, title: Paint", "id: B, title: Primer").replace(
        "  problem:", "  unused_problem:", 1
    )
    other = "\n".join(ln for ln in other.splitlines()).replace(
        "facts:\n  unused_problem:", "facts:\n  primer_unused:"
    )
    # B shares A's facts and concludes for the same ones: contradictory advice.
    b = (
        "format: 1\narticle: {id: B, title: Primer, source: tests}\n"
        "rules:\n  - {id: b, when: {problem: peeling}, conclude: applies}\n"
        "resolution: {cause: No primer., steps: [{id: prime, step: Prime it.}]}\n"
    )
    assert findings(write_rules, a=BASE, b=b) == [("error", "overlap", "b.yaml", 2)]
    ranked = b.replace("source: tests}", "source: tests, takes_precedence_over: [A]}")
    assert findings(write_rules, a=BASE, b=ranked) == []


def test_precedence_decides_at_run_time(write_rules: Write) -> None:
    b = (
        "format: 1\narticle: {id: B, title: Primer, source: tests, takes_precedence_over: [A]}\n"
        "rules:\n  - {id: b, when: {problem: peeling, surface: outside}, conclude: applies}\n"
        "resolution: {cause: No primer., steps: [{id: prime, step: Prime it.}]}\n"
    )
    kb = advisor.load(write_rules(a=BASE, b=b))
    session = kb.new_session()
    session.start()
    session.send("peeling")
    reply = session.send("outside")
    assert [m.extra.get("article") for m in reply.of_type("diagnosis")] == ["B"]
    assert [m.extra["id"] for m in reply.of_type("step")] == ["B/prime"]


def with_text_question(sample: str, *patterns: str) -> str:
    """BASE with a text question `said`, one sample text, and these patterns (YAML flow
    mappings) extracting from it."""
    extract = "".join(f"      - {p}\n" for p in patterns)
    question = (
        "facts:\n  said:\n    describe: what you said\n    question:\n      kind: text\n"
        f"      text: What happened?\n      samples: [{json.dumps(sample)}]\n    extract:\n"
    )
    return BASE.replace("facts:\n", question + extract)


def test_patterns_are_tried_on_the_samples(write_rules: Write) -> None:
    text = with_text_question(
        "the paint peels",
        "{id: peels, phrases: [paint peels], set: {problem: peeling}}",
        "{id: fades, phrases: [paint fades], set: {problem: fading}}",
    )
    assert findings(write_rules, a=text) == [
        ("warning", "pattern-matches-no-sample", "a.yaml", line(text, "- {id: fades"))
    ]
    bare = text.replace('      samples: ["the paint peels"]\n', "")
    assert ("warning", "no-samples", "a.yaml", line(bare, "  said:")) in findings(
        write_rules, a=bare
    )


def test_a_regex_slow_on_long_pastes_is_an_error(write_rules: Write) -> None:
    """An address pattern tried again from every character of a long run without an @
    took seconds on a 64 KB paste; anchored where a run starts, it reads the text once."""
    address = r"[\w.+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+"
    text = with_text_question(
        "write to me at jo@example.com",
        f"{{id: address, regex: '{address}', set: {{problem: peeling}}}}",
    )
    assert findings(write_rules, a=text) == [
        ("error", "slow-regex", "a.yaml", line(text, "- {id: address"))
    ]
    anchored = text.replace(address, r"(?<![\w.+-])" + address)
    assert findings(write_rules, a=anchored) == []


def test_schema_errors_are_findings_with_exit_status_2(
    write_rules: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = write_rules(a=BASE.replace("kind: choice", "kind: menu", 1))
    assert cli.main(["check", str(folder)]) == 2
    out = capsys.readouterr().out
    assert f"{folder / 'a.yaml'}:{line(BASE, 'kind: choice')}: error[schema]:" in out
    assert out.rstrip().endswith("1 error, 0 warnings")


def test_exit_status_and_json(write_rules: Write, capsys: pytest.CaptureFixture[str]) -> None:
    folder = write_rules(a=ROOF_AND_FENCE)
    assert cli.main(["check", str(folder), "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["status"] == 1
    assert [f["code"] for f in data["findings"]] == ["unused-choice", "unused-choice"]


# -- exploring -----------------------------------------------------------------------


def test_explore_the_bundled_knowledge_base(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["check", "--explore"]) == 0
    out = capsys.readouterr().out
    assert "Explored " in out and " paths: " in out
    assert "problem:" not in out


def test_every_bundled_outcome_asks_only_what_its_article_depends_on() -> None:
    kb = advisor.load()
    exploration = explore(kb)
    assert exploration.ok, exploration.summary()
    for path in exploration.paths:
        if path.article != "no match":
            asked = [q for q, _ in path.answers]
            assert len(asked) == len(set(asked))
            assert set(asked) <= depends_on(kb.knowledge, path.article)
            assert len(asked) <= len(depends_on(kb.knowledge, path.article))


def test_explore_finds_a_question_that_changes_nothing(write_rules: Write) -> None:
    text = BASE.replace(
        """    - id: scrape
      step: Scrape it.""",
        """    - id: scrape
      step: Scrape it.
    - id: any-colour
      when: {colour: [red, blue, unknown]}
      note: Any colour.""",
    ).replace(
        "rules:\n",
        textwrap.dedent("""\
          colour:
            describe: the colour
            question:
              kind: choice
              text: Which colour?
              choices: [{id: red, label: Red}, {id: blue, label: Blue}]
        rules:
        """),
    )
    exploration = explore(advisor.load(write_rules(a=text)))
    assert exploration.problems == [
        "problem='peeling' > surface='outside': no answer to 'colour' changes the advice"
    ]


def test_explore_finds_a_question_the_outcome_does_not_depend_on(write_rules: Write) -> None:
    # B waits for the surface, A for the problem; the surface is written first, so it is
    # asked first, and a path that ends in A asked it for nothing.
    a = textwrap.dedent("""\
        format: 1
        article: {id: A, title: Paint, source: tests}
        facts:
          surface:
            describe: the surface
            question:
              kind: choice
              text: Inside or outside?
              choices: [{id: inside, label: Inside}, {id: outside, label: Outside}]
          problem:
            describe: the problem
            question:
              kind: choice
              text: What is wrong?
              choices: [{id: peeling, label: Peeling}, {id: fading, label: Fading}]
        rules:
          - {id: a, when: {problem: peeling}, conclude: applies}
        resolution: {cause: Sun., steps: [{id: scrape, step: Scrape it.}]}
        """)
    b = (
        "format: 1\narticle: {id: B, title: Walls, source: tests}\n"
        "rules:\n  - {id: b, when: {surface: outside, problem: fading}, conclude: applies}\n"
        "resolution: {cause: Weather., steps: [{id: wash, step: Wash it.}]}\n"
    )
    problems = explore(advisor.load(write_rules(a=a, b=b))).problems
    assert (
        "surface='inside' > problem='peeling' ends in A, which does not depend on surface"
        in problems
    )


def test_explore_finds_a_step_no_path_reaches(write_rules: Write) -> None:
    text = BASE.replace(
        """    - id: scrape
      step: Scrape it.""",
        """    - id: scrape
      step: Scrape it.
    - id: never
      when: {problem: fading}
      note: Never shown, since fading rules the article out.""",
    )
    exploration = explore(advisor.load(write_rules(a=text)))
    assert exploration.unreached == ["A/never"]
    assert not exploration.ok


def test_a_phrase_understood_as_another_choice_is_reported(write_rules: Write) -> None:
    text = BASE.replace(
        "choices: [{id: inside, label: Inside}, {id: outside, label: Outside}]",
        "choices: [{id: inside, label: Inside, synonyms: [not sure]},"
        " {id: outside, label: Outside, synonyms: [not inside]}]",
    )
    assert text != BASE
    _, findings = check(write_rules(a=text))
    messages = [f.message for f in findings if f.code == "phrase-conflict"]
    assert messages == ["'not sure' of choice 'inside' of 'surface' is understood as 'unknown'"]
