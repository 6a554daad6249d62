"""Loading rule files: the bundled base, and every kind of mistake an author can make."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

import advisor
from advisor.errors import KnowledgeBaseError
from advisor.knowledge.loader import bundled_rules, load_knowledge

GOOD = """\
format: 1
article:
  id: T1
  title: Test article
  source: written for the tests
facts:
  error_text:
    describe: the error
    question:
      kind: text
      text: What error?
    extract:
      - id: code
        regex: 'E(?P<code>\\d+)'
  code:
    describe: the code
  colour:
    describe: the colour
    question:
      kind: choice
      text: Which colour?
      choices:
        - {id: red, label: Red}
        - {id: blue, label: Blue}
rules:
  - id: red-applies
    when: {code: "42", colour: red}
    conclude: applies
resolution:
  cause: It is red.
  steps:
    - id: s1
      step: Paint it blue.
"""


def load_text(tmp_path: Path, text: str, name: str = "t.yaml") -> advisor.KnowledgeBase:
    folder = tmp_path / "kb"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return advisor.load(folder)


def problems(tmp_path: Path, text: str) -> list[tuple[int | None, str]]:
    with pytest.raises(KnowledgeBaseError) as info:
        load_text(tmp_path, text)
    for p in info.value.problems:
        assert p.file.endswith("t.yaml")
    return [(p.line, p.message) for p in info.value.problems]


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    seen = 0
    for number, line in enumerate(text.splitlines(), 1):
        if needle in line:
            seen += 1
            if seen == occurrence:
                return number
    raise AssertionError(f"{needle!r} not in text")


def test_the_bundled_knowledge_base_loads() -> None:
    k = load_knowledge()
    assert "Q194068" in k.articles
    assert {"error_text", "connection", "windows", "network_adapter"} <= set(k.facts)
    assert k.facts["network_adapter"].question.kind == "yesno"


def test_bundled_rules_are_found_from_another_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert (bundled_rules() / "Q194068.yaml").is_file()
    assert "Q194068" in advisor.load().knowledge.articles


def test_a_good_file_loads(tmp_path: Path) -> None:
    kb = load_text(tmp_path, GOOD)
    assert list(kb.knowledge.articles) == ["T1"]


def test_a_single_file_can_be_loaded(tmp_path: Path) -> None:
    path = tmp_path / "one.yaml"
    path.write_text(GOOD)
    assert "T1" in advisor.load(path).knowledge.articles


def test_unknown_fact_in_a_condition_names_file_and_line(tmp_path: Path) -> None:
    text = GOOD.replace('when: {code: "42", colour: red}', 'when: {code: "42", color: red}')
    assert problems(tmp_path, text) == [(line_of(text, "when: {code"), "unknown fact 'color'")]


def test_a_choice_that_does_not_exist(tmp_path: Path) -> None:
    text = GOOD.replace("colour: red}", "colour: green}")
    [(line, message)] = problems(tmp_path, text)
    assert line == line_of(text, "when: {code")
    assert message == "'green' is not a value of fact 'colour' (it has: red, blue, unknown)"


@pytest.mark.parametrize(
    ("old", "new", "needle", "expected"),
    [
        (
            "- id: s1\n",
            "- id: s1\n      steps:\n        - {id: s1, step: again}\n",
            "{id: s1, step: again}",
            "duplicate item id 's1'",
        ),
        (
            "        - {id: blue, label: Blue}\n",
            "        - {id: blue, label: Blue}\n        - {id: red, label: Rouge}\n",
            "{id: red, label: Rouge}",
            "duplicate choice id 'red'",
        ),
        (
            "    conclude: applies\n",
            "    conclude: applies\n"
            "  - id: red-applies\n    when: {colour: blue}\n    conclude: applies\n",
            "  - id: red-applies",
            "duplicate rule id 'red-applies'",
        ),
    ],
)
def test_duplicate_ids(tmp_path: Path, old: str, new: str, needle: str, expected: str) -> None:
    text = GOOD.replace(old, new)
    found = problems(tmp_path, text)
    occurrence = 2 if needle == "  - id: red-applies" else 1
    assert (line_of(text, needle, occurrence), expected) in found


def test_a_word_may_not_name_two_choices(tmp_path: Path) -> None:
    text = GOOD.replace("- {id: blue, label: Blue}", "- {id: blue, label: Blue, synonyms: [Red]}")
    assert problems(tmp_path, text) == [
        (line_of(text, "{id: blue"), "'Red' of choice 'blue' already names choice 'red'")
    ]


def test_duplicate_fact_across_files(tmp_path: Path) -> None:
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "a.yaml").write_text(GOOD)
    (folder / "b.yaml").write_text(GOOD.replace("id: T1", "id: T2"))
    with pytest.raises(KnowledgeBaseError) as info:
        advisor.load(folder)
    messages = [str(p) for p in info.value.problems]
    assert any(
        m.startswith(
            f"{folder / 'b.yaml'}:{line_of(GOOD, 'error_text:')}: duplicate fact id 'error_text'"
        )
        for m in messages
    ), messages


def test_missing_field_points_at_its_parent(tmp_path: Path) -> None:
    text = GOOD.replace("      kind: choice\n", "")
    assert problems(tmp_path, text) == [
        (line_of(text, "question:", 2), "facts.colour.question.kind: missing field 'kind'")
    ]


def test_unknown_field_is_reported(tmp_path: Path) -> None:
    text = GOOD.replace("  cause: It is red.", "  cause: It is red.\n  causes: typo")
    assert problems(tmp_path, text) == [
        (line_of(text, "causes: typo"), "resolution.causes: unknown field 'causes'")
    ]


def test_wrong_kind_is_reported(tmp_path: Path) -> None:
    text = GOOD.replace("kind: choice", "kind: menu")
    [(line, message)] = problems(tmp_path, text)
    assert line == line_of(text, "kind: menu")
    assert message.startswith(
        "facts.colour.question.kind: Input should be 'text', 'choice' or 'yesno'"
    )


def test_yaml_syntax_error_has_a_line(tmp_path: Path) -> None:
    text = GOOD.replace("  title: Test article", "  title: [unclosed")
    [(line, message)] = problems(tmp_path, text)
    assert message.startswith("not valid YAML")
    assert line is not None and line >= line_of(text, "[unclosed")


def test_duplicate_yaml_key(tmp_path: Path) -> None:
    text = GOOD.replace("  title: Test article", "  title: Test article\n  title: Again")
    assert problems(tmp_path, text) == [(line_of(text, "title: Again"), "duplicate key 'title'")]


def test_bad_regex(tmp_path: Path) -> None:
    text = GOOD.replace("regex: 'E(?P<code>\\d+)'", "regex: 'E(?P<code>\\d+'")
    [(line, message)] = problems(tmp_path, text)
    assert line == line_of(text, "- id: code")
    assert "regex does not compile" in message


def test_regex_group_must_name_a_fact(tmp_path: Path) -> None:
    text = GOOD.replace("(?P<code>", "(?P<kode>")
    assert problems(tmp_path, text) == [(line_of(text, "- id: code"), "unknown fact 'kode'")]


def test_answers_belongs_under_a_text_question(tmp_path: Path) -> None:
    text = GOOD.replace(
        "        - {id: blue, label: Blue}\n",
        "        - {id: blue, label: Blue}\n"
        "    extract:\n"
        "      - {id: shade, regex: 'shade (?P<code>\\d+)', answers: true}\n",
    )
    assert problems(tmp_path, text) == [
        (line_of(text, "- {id: shade"), "`answers` belongs to a pattern under a text question")
    ]


def test_a_phrase_may_mean_one_of_several_values(tmp_path: Path) -> None:
    text = GOOD.replace(
        "        - {id: blue, label: Blue}\n",
        "        - {id: blue, label: Blue}\n"
        "    extract:\n"
        "      - {id: purple, phrases: [purple], set: {colour: [red, blue]}}\n",
    )
    kb = load_text(tmp_path, text)
    question = kb.knowledge.facts["colour"].question
    assert question is not None
    answer = kb.understand("purple", question).answer
    assert answer.value is None and answer.candidates == ("red", "blue")
    wrong = text.replace("[red, blue]", "[red, green]")
    assert problems(tmp_path, wrong) == [
        (
            line_of(wrong, "- {id: purple"),
            "'green' is not a value of fact 'colour' (it has: red, blue, unknown)",
        )
    ]


def test_placeholder_must_name_a_fact(tmp_path: Path) -> None:
    text = GOOD.replace("cause: It is red.", "cause: It is {shade}.")
    assert problems(tmp_path, text) == [
        (line_of(text, "cause:"), "placeholder {shade} must name a fact, e.g. {server}")
    ]


def test_an_article_that_can_never_apply(tmp_path: Path) -> None:
    text = GOOD.replace("conclude: applies", "conclude: not_applicable\n    because: no")
    assert problems(tmp_path, text) == [
        (line_of(text, "rules:"), "no rule concludes `applies`: the article can never apply")
    ]


def test_rules_that_depend_on_their_own_negation(tmp_path: Path) -> None:
    text = GOOD.replace(
        "  - id: red-applies",
        textwrap.indent(
            textwrap.dedent("""\
            - id: loop-a
              when: {colour: red, shade: {not: dark}}
              set: {tone: warm}
            - id: loop-b
              when: {tone: {not: warm}}
              set: {shade: dark}
            - id: red-applies"""),
            "  ",
        ),
    ).replace(
        "  code:\n",
        "  shade:\n    describe: s\n    values: {dark: dark}\n"
        "  tone:\n    describe: t\n    values: {warm: warm}\n  code:\n",
    )
    found = problems(tmp_path, text)
    assert (
        line_of(text, "- id: loop-a"),
        "this rule depends on its own `not` condition through other rules",
    ) in found


def test_every_problem_is_reported_and_nothing_is_loaded(tmp_path: Path) -> None:
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "a.yaml").write_text(GOOD)
    (folder / "b.yaml").write_text(
        GOOD.replace("id: T1", "id: T2")
        .replace("error_text", "e2")
        .replace("code", "c2")
        .replace("colour", "hue")
        .replace("hue: red}", "hue: green}")
    )
    (folder / "c.yaml").write_text("format: 1\narticle: [\n")
    with pytest.raises(KnowledgeBaseError) as info:
        advisor.load(folder)
    files = {Path(p.file).name for p in info.value.problems}
    assert files == {"b.yaml", "c.yaml"}


def test_an_empty_folder_and_a_missing_path(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeBaseError, match=r"no \*\.yaml rule files"):
        advisor.load(tmp_path)
    with pytest.raises(KnowledgeBaseError, match="no such file or folder"):
        advisor.load(tmp_path / "nope")


def test_scalars_stay_text(tmp_path: Path) -> None:
    # YAML 1.1 reads 0x2A as 42 and `no` as False; an author means the text.
    text = GOOD.replace('when: {code: "42", colour: red}', "when: {code: 0x2A, colour: red}")
    kb = load_text(tmp_path, text)
    (rule,) = kb.knowledge.rules
    assert rule.when[0].values == frozenset({"0x2A"})
