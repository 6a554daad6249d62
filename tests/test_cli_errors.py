"""Every mistake on the command line is one clear line and exit 2, never a traceback."""

from __future__ import annotations

import io
import socket
from pathlib import Path

import pytest

from advisor.cli import main


def said(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err


def test_a_transcript_that_cannot_be_written(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["chat", "--record", "/nonexistent/dir/x.chat"]) == 2
    assert said(capsys).strip() == (
        "advisor chat: --record /nonexistent/dir/x.chat: No such file or directory"
    )


def test_an_address_that_is_not_this_machine(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["serve", "--host", "999.1.1.1", "--port", "0"]) == 2
    assert "'999.1.1.1' is not an address of this machine (--host" in said(capsys)


def test_a_port_in_use_names_the_port_and_the_option(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 2
    assert f"port {port} is in use (another with --port" in said(capsys)


def test_replay_outside_a_repository_says_where_it_looked(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["replay"]) == 2
    assert "no such file or folder: transcripts" in said(capsys)
    (tmp_path / "transcripts").mkdir()
    assert main(["replay"]) == 2
    assert "no transcripts found in transcripts" in said(capsys)


def test_one_transcript_is_one(capsys: pytest.CaptureFixture[str]) -> None:
    transcripts = Path(__file__).resolve().parent.parent / "transcripts"
    first = sorted(transcripts.glob("*.chat"))[0]
    assert main(["replay", str(first)]) == 0
    assert capsys.readouterr().out.strip().endswith("1 transcript: 1 passed, 0 failed")


def test_an_unknown_option_gets_the_usage_of_its_command(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["chat", "--bogus"])
    assert exited.value.code == 2
    err = said(capsys)
    assert err.startswith("usage: advisor chat ")
    assert "advisor chat: error: unrecognized arguments: --bogus" in err


def test_steps_in_pipe_mode_say_what_they_do(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    main(["chat", "--steps", "guided"])
    assert "--steps guided works at a terminal; here every step is shown at once" in said(capsys)


def test_a_replay_that_waits_for_a_rate_limit_says_why() -> None:
    import httpx

    from advisor.web.client import HttpConversation

    answers = iter([httpx.Response(429, headers={"Retry-After": "0"}, json={})] * 2)

    def server(request: httpx.Request) -> httpx.Response:
        created = {"conversation_id": "c", "token": "t", "reply": {"messages": []}}
        return next(answers, httpx.Response(201, json=created))

    told: list[str] = []
    with httpx.Client(transport=httpx.MockTransport(server)) as client:
        HttpConversation(client, "http://advisor.test/", told.append).start()
    assert len(told) == 2 and told[0] == (
        "advisor replay: http://advisor.test limits requests (429 rate_limited): waiting 0 s "
        "each time it says so. Start it with --rate-limit 0 (or ADVISOR_RATE_LIMIT=0) to "
        "replay at full speed."
    )
