"""`advisor check --understanding`: the labelled utterances, and the thresholds they must meet."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

import advisor
from advisor import KnowledgeBaseError, cli
from advisor.authoring import understanding

ROOT = Path(__file__).resolve().parent.parent
UTTERANCES = ROOT / understanding.UTTERANCES


@pytest.fixture(scope="module")
def report() -> understanding.Report:
    knowledge = advisor.load().knowledge
    return understanding.evaluate(knowledge, understanding.load(UTTERANCES, knowledge))


def test_there_are_enough_realistic_utterances() -> None:
    knowledge = advisor.load().knowledge
    utterances = understanding.load(UTTERANCES, knowledge)
    assert len(utterances) >= 300
    assert len({u.at for u in utterances}) >= 10  # said at most questions, not only the first


def test_every_fact_is_understood_well_enough(report: understanding.Report) -> None:
    lines = "\n".join(report.lines(0))
    assert report.failing() == [], lines
    for fact, score in report.scores.items():
        assert score.precision >= understanding.PRECISION, (fact, lines)
        assert score.recall >= understanding.RECALL, (fact, lines)


def test_the_facts_people_state_most_are_measured(report: understanding.Report) -> None:
    for fact in ("error_number", "error_message", "windows", "connection", "mail_service"):
        assert report.scores[fact].support >= 30, fact


def test_a_misreading_shows_as_a_confusion_with_its_line(
    write_rules: Callable[..., Path], tmp_path: Path
) -> None:
    knowledge = advisor.load().knowledge
    labelled = tmp_path / "u.yaml"
    labelled.write_text(
        "utterances:\n"
        "  - {say: 'xp home', at: windows, gives: {windows: win98}}\n"
        "  - {say: 'i dont use msn', at: mail_service, gives: {mail_service: other},"
        " not: [mail_service=msn]}\n"
    )
    report = understanding.evaluate(knowledge, understanding.load(labelled, knowledge))
    assert report.failing() == ["windows"]
    [(utterance, missed, extra)] = report.misses
    assert utterance.line == 2 and missed == {("windows", "win98")}
    assert extra == {("windows", "other")}
    assert report.scores["mail_service"].precision == 1.0


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("utterances: nope\n", "expected a mapping with a list `utterances`"),
        ("utterances:\n  - {say: hi, at: nowhere}\n", "`at`: 'nowhere' is not a question"),
        ("utterances:\n  - {say: hi, gives: {colour: red}}\n", "`gives`: 'colour' is not a fact"),
        ("utterances:\n  - {say: hi, wat: 1}\n", "unknown field 'wat'"),
        ("utterances:\n  - 3\n", "an utterance is a mapping with `say: text`"),
    ],
)
def test_a_malformed_file_is_reported_with_its_line(
    tmp_path: Path, text: str, problem: str
) -> None:
    path = tmp_path / "u.yaml"
    path.write_text(text)
    with pytest.raises(KnowledgeBaseError) as info:
        understanding.load(path, advisor.load().knowledge)
    assert problem in str(info.value)
    assert info.value.first.line is not None


def test_the_command_prints_the_table_and_fails_below_the_thresholds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["check", "--understanding"]) == 0
    out = capsys.readouterr().out
    assert "Every fact needs precision >= 0.97 and recall >= 0.95." in out
    assert "  windows " in out and "all facts" in out
    bad = tmp_path / "u.yaml"
    bad.write_text("utterances:\n  - {say: 'xp home', at: windows, gives: {windows: win98}}\n")
    assert cli.main(["check", "--understanding", "--utterances", str(bad)]) == 1
    assert "<-- below" in capsys.readouterr().out
    assert cli.main(["check", "--understanding", "--utterances", str(bad), "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["understanding"]["failing"] == ["windows"]


def test_a_fact_the_question_presupposes_is_not_scored_there() -> None:
    knowledge = advisor.load().knowledge
    assert understanding.presupposed(knowledge, "firewall_product")["firewall"] == {"yes"}
    assert understanding.presupposed(knowledge, "connection") == {"mail_service": {"msn"}}
    assert understanding.presupposed(knowledge, "error_text") == {}
