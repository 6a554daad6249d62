"""The transcript format, the replayer, --update, recording, coverage and the pytest plugin."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_cli import chat

import advisor
from advisor import cli
from advisor.transcripts.format import (
    TranscriptError,
    Turn,
    check,
    escape_bot,
    parse,
    parse_file,
    user_lines,
)
from advisor.transcripts.replay import LocalConversation, find, replay

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = sorted((ROOT / "transcripts").glob("*.chat"))

HEADER = "# title: t\n# tags: a, b\n"
OPENING = (
    "Hello. I help you fix e-mail errors: tell me what you see, answer a few questions, "
    "and I will give you the steps that fit your computer.\n"
    "? What error do you get when you send e-mail? Paste the whole message, or type the "
    "error number.\n"
)


def run_text(kb: advisor.KnowledgeBase, body: str):
    return replay(parse(HEADER + body, "t.chat"), LocalConversation(kb))


def turn(*lines: str) -> Turn:
    return parse(HEADER + "\n".join(lines) + "\n> x\n", "t.chat").turns[0]


# -- the format ---------------------------------------------------------------------------


def test_header_user_lines_and_continuations() -> None:
    t = parse(HEADER + "bot\n> one\n>> two\n>\n>$ \\x1b[1mA\\tB\n", "t.chat")
    assert (t.title, t.tags) == ("t", ("a", "b"))
    assert [x.text for x in t.turns] == [None, "one\ntwo", "", "\x1b[1mA\tB"]
    assert [x.line for x in t.turns] == [2, 4, 6, 7]
    assert t.turns[1].end == 5


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("no header\n> x\n", 1, "the header needs a `# title: ...` line"),
        (HEADER + ">> orphan\n", 3, "`>>` continues a message, but no `>` line is right above it"),
        (
            HEADER + "> a\nbot\n>> late\n",
            5,
            "`>>` continues a message, but no `>` line is right above it",
        ),
        (HEADER + "bad [ (re)\n> x\n", 3, "the regular expression does not compile"),
        (HEADER + "x (re, glob)\n> x\n", 3, "a line is either (re) or (glob), not both"),
        (HEADER + "! ...\n> x\n", 3, "`! ...` means nothing"),
        (HEADER + ">$ \\x1\n", 3, "bad escape in `>$` line"),
        (HEADER + "only the bot\n", None, "no `>` line"),
    ],
)
def test_malformed_transcripts_name_file_line_and_reason(
    text: str, line: int | None, reason: str
) -> None:
    with pytest.raises(TranscriptError) as info:
        parse(text, "t.chat")
    assert info.value.file == "t.chat"
    assert info.value.line == line
    assert reason in info.value.reason


def test_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "x.chat"
    path.write_bytes(b"# title: \xff\n")
    with pytest.raises(TranscriptError, match="cannot be read"):
        parse_file(path)


@pytest.mark.parametrize(
    "line",
    [
        "> looks like a user",
        "# looks like a comment",
        "! looks negated",
        "\\x",
        "...",
        "ends like a pattern (re)",
        "maybe (glob, optional)",
        "",
        "  indented",
        "? a question",
    ],
)
def test_any_bot_line_is_written_so_it_reads_back_the_same(line: str) -> None:
    [expect] = turn(escape_bot(line)).expect
    assert expect.kind == "literal" and not expect.negated and not expect.optional
    assert expect.matches(line)


@pytest.mark.parametrize(
    "text",
    [
        "plain",
        "two\nlines",
        "",
        "\x1b[31mred",
        "back\\slash",
        "tab\there",
        "trailing  ",
        "  leading",
    ],
)
def test_any_user_text_is_written_so_it_reads_back_the_same(text: str) -> None:
    t = parse(HEADER + "\n".join(user_lines(text)) + "\n", "t.chat")
    assert t.turns[1].text == text


# -- matching ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expect", "actual", "ok"),
    [
        (["a", "b"], ["a", "b"], True),
        (["a", "b"], ["a", "b  "], True),  # trailing spaces do not count
        (["a", "b"], ["a", "c"], False),
        (["a"], ["a", "b"], False),
        (["a", "b"], ["a"], False),
        (["St.p \\d (re)"], ["Step 1"], True),
        (["St.p \\d (re)"], ["Step 12"], False),  # the whole line
        (["Step * done (glob)"], ["Step 2 is done"], True),
        (["Step * done (glob)"], ["Step 2 is done!"], False),
        (["a", "...", "z"], ["a", "z"], True),
        (["a", "...", "z"], ["a", "b", "c", "z"], True),
        (["a", "...", "z"], ["a", "b", "c"], False),
        (["a", "b (optional)", "c"], ["a", "c"], True),
        (["a", "b (optional)", "c"], ["a", "b", "c"], True),
        (["a", "b\\d (re, optional)", "c"], ["a", "b7", "c"], True),
        (["a", "b\\d (re, optional)", "c"], ["a", "bx", "c"], False),
        (["...", "! Warning:* (glob)"], ["Step", "Note: x"], True),
        (["...", "! Warning:* (glob)"], ["Step", "Warning: x"], False),
        (["\\> a user line", "\\"], ["> a user line", ""], True),
    ],
)
def test_matching(expect: list[str], actual: list[str], ok: bool) -> None:
    assert (check(turn(*expect), actual) is None) == ok


def test_a_mismatch_names_the_line_and_both_sides() -> None:
    t = turn("one", "two", "three")
    m = check(t, ["one", "TWO", "three"])
    assert (m.line, m.expected, m.actual) == (4, "two", "TWO")
    assert (
        check(t, ["one", "two", "three", "four"]).describe()
        == "the bot said more than expected: 'four'"
    )
    assert check(t, ["one", "two"]).describe() == "expected 'three', but the bot said nothing more"
    negated = check(turn("! no (glob)", "..."), ["yes", "no"])
    assert (negated.line, negated.actual) == (3, "no")


# -- replaying -------------------------------------------------------------------------------


def test_every_bundled_transcript_passes(kb: advisor.KnowledgeBase) -> None:
    assert len(BUNDLED) >= 17
    for path in BUNDLED:
        result = replay(parse_file(path), LocalConversation(kb))
        assert result.ok, result.report()


@pytest.mark.slow
@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
def test_changing_any_expected_line_fails_at_that_line(
    kb: advisor.KnowledgeBase, path: Path
) -> None:
    transcript = parse_file(path)
    lines = transcript.lines
    for t in transcript.turns:
        for e in t.expect:
            mutated = list(lines)
            mutated[e.line - 1] = (
                lines[e.line - 1] + " [changed]" if e.kind != "any" else "[changed]"
            )
            result = replay(parse("\n".join(mutated) + "\n", str(path)), LocalConversation(kb))
            assert not result.ok, f"{path.name}:{e.line} changed and still passes"
            assert result.failures[0].line == e.line, result.report()


def test_a_wrong_bot_line_reports_file_line_and_diff(kb: advisor.KnowledgeBase) -> None:
    result = run_text(
        kb,
        OPENING + "> 0x800CCC0F\nFrom what you read, I understand:\n...\n> msn\n...\n"
        "> lan\n...\n> 98\n...\n> no\n...\n",
    )
    [failure] = result.failures
    assert failure.line == 6
    assert failure.message == (
        "expected 'From what you read, I understand:', "
        "the bot said 'From what you wrote, I understand:'"
    )
    assert "-From what you read, I understand:" in failure.diff
    assert "+From what you wrote, I understand:" in failure.diff
    assert result.report().startswith("t.chat:6: expected")


def test_a_transcript_that_stops_before_the_end_fails(kb: advisor.KnowledgeBase) -> None:
    result = run_text(kb, OPENING + "> 0x800CCC0F\n...\n")
    [failure] = result.failures
    assert failure.line == 6
    assert "the bot still waits for an answer to: 'Which e-mail service" in failure.message


def test_bot_lines_that_run_out_early_fail(kb: advisor.KnowledgeBase) -> None:
    result = run_text(kb, OPENING + "> 0x800CCC0E\n")
    [failure] = result.failures
    assert failure.line == 5
    assert (
        failure.message == "the bot said more than expected: 'From what you wrote, I understand:'"
    )


# -- --update -----------------------------------------------------------------------------------


def test_update_rewrites_literal_lines_and_keeps_patterns(tmp_path: Path) -> None:
    original = (ROOT / "transcripts" / "number-lan-win98-adapter.chat").read_text().splitlines()
    edited = list(original)
    step = next(i for i, ln in enumerate(edited) if ln.startswith("  2. Double-click"))
    edited[step] = "  2. Double-click Networking."  # wrong literal
    warning = next(i for i, ln in enumerate(edited) if ln.startswith("  Warning:"))
    edited[warning] = "  Warning: * (glob)"  # a pattern the author wrote
    edited.remove("  5. On the DNS Configuration tab, click Disable DNS.")  # forgotten
    cause = next(i for i, ln in enumerate(edited) if ln.startswith("Cause:"))
    edited.insert(cause, "An old line the bot no longer says")
    path = tmp_path / "transcripts" / "t.chat"
    path.parent.mkdir()
    path.write_text("\n".join(edited) + "\n")

    assert cli.main(["replay", str(path)]) == 1
    assert cli.main(["replay", "--update", str(path)]) == 0
    updated = path.read_text().splitlines()
    assert "  Warning: * (glob)" in updated
    assert [ln for ln in updated if ln != "  Warning: * (glob)"] == [
        ln for ln in original if not ln.startswith("  Warning:")
    ]
    assert cli.main(["replay", str(path)]) == 0


def test_update_fills_in_a_transcript_of_user_lines_only(
    tmp_path: Path, kb: advisor.KnowledgeBase
) -> None:
    path = tmp_path / "new.chat"
    path.write_text(
        "# title: written by hand\n\n> 0x800CCC0F\n\n> msn dial-up\n\n> yes\n\n> norton\n"
    )
    assert cli.main(["replay", "--update", str(path)]) == 0
    text = path.read_text()
    assert "does not apply to you" in text
    assert replay(parse_file(path), LocalConversation(kb)).ok


# -- the command -------------------------------------------------------------------------------


def test_replay_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.chat"
    shutil.copy(BUNDLED[0], good)
    assert cli.main(["replay", str(good)]) == 0
    bad = tmp_path / "bad.chat"
    bad.write_text(BUNDLED[0].read_text().replace("Hello.", "Hi."))
    assert cli.main(["replay", str(good), str(bad)]) == 1
    out = capsys.readouterr().out
    assert f"{bad}:3: expected 'Hi. " in out
    assert "--- " in out and "+++ bot said" in out
    assert out.rstrip().endswith("2 transcripts: 1 passed, 1 failed")
    broken = tmp_path / "broken.chat"
    broken.write_text("no title\n> x\n")
    assert cli.main(["replay", str(good), str(broken)]) == 2
    assert f"{broken}:1: the header needs a `# title: ...` line" in capsys.readouterr().out


def test_replay_reads_folders(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    for n, path in enumerate(BUNDLED[:3]):
        shutil.copy(path, tmp_path / ("sub" if n else ".") / path.name)
    assert len(find([tmp_path])) == 3


@pytest.mark.slow
def test_a_recorded_conversation_replays_green(tmp_path: Path) -> None:
    path = tmp_path / "rec.chat"
    answers = (
        "\n\x1b[31m0x800CCC0F\x1b[0m\n# not a comment\npigeon\n1\n2\n98 se\n> odd\nno\n"
        "after the end\n"
    )
    result = chat(answers, "--record", str(path), "--title", "A recorded one", cwd=tmp_path)
    assert result.returncode == 0
    text = path.read_text()
    assert text.startswith("# title: A recorded one\n")
    assert "> # not a comment" in text and ">$ \\x1b[31m0x800CCC0F\\x1b[0m" in text
    assert cli.main(["replay", str(path)]) == 0


# -- coverage -------------------------------------------------------------------------------


def test_the_bundled_transcripts_reach_all_the_knowledge(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main(["replay", "--coverage", str(ROOT / "transcripts")]) == 0
    out = capsys.readouterr().out
    assert "Knowledge coverage: " in out and "(100%)" in out
    assert "choice   windows=win98se" in out


def test_coverage_names_what_a_removed_transcript_reached(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "transcripts"
    shutil.copytree(ROOT / "transcripts", folder)
    (folder / "adapter-unsure.chat").unlink()
    assert cli.main(["replay", "--coverage", str(folder)]) == 1
    out = capsys.readouterr().out
    missing = out.split("Not reached by any transcript:")[1].split()
    assert "network_adapter=unknown" in missing
    assert "Q194068/step-2.3-unsure" in missing
    assert "windows=win98" not in missing


# -- the pytest plugin ----------------------------------------------------------------------


@pytest.mark.slow
def test_pytest_collects_each_transcript_as_a_test(tmp_path: Path) -> None:
    folder = tmp_path / "transcripts"
    folder.mkdir()
    shutil.copy(BUNDLED[0], folder / "good.chat")
    (folder / "bad.chat").write_text(BUNDLED[0].read_text().replace("Hello.", "Hi."))
    (folder / "broken.chat").write_text("no title\n> x\n")
    (tmp_path / "notes.chat").write_text("outside a transcripts folder: not collected\n")
    # A project that has advisor installed collects nothing of it, and loads no engine,
    # until it asks for transcripts.
    (tmp_path / "conftest.py").write_text(
        "import sys\n"
        "def pytest_sessionfinish(session):\n"
        "    print('experta loaded:', 'experta' in sys.modules)\n"
    )

    def pytest_in(*options: str) -> str:
        command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *options]
        done = subprocess.run(
            [*command, str(tmp_path)], capture_output=True, text=True, cwd=tmp_path, check=False
        )
        return done.stdout

    quiet = pytest_in("-s")
    assert "no tests ran" in quiet and "experta loaded: False" in quiet, quiet
    (tmp_path / "pytest.ini").write_text("[pytest]\nadvisor_transcripts = true\n")
    out = pytest_in("-rf")
    assert "1 passed" in out and "2 failed" in out, out
    assert "transcripts/bad.chat:3: expected 'Hi. " in out
    assert "transcripts/broken.chat:1: the header needs a `# title: ...` line" in out


@pytest.mark.slow
def test_the_test_run_includes_every_bundled_transcript() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--collect-only",
            "-q",
            "-p",
            "no:cacheprovider",
            "transcripts",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    collected = {line.split("::")[-1] for line in done.stdout.splitlines() if "::" in line}
    assert collected == {p.name for p in BUNDLED}
