"""`advisor chat` in pipe mode, run as a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIRST_MESSAGE

import advisor

pytestmark = pytest.mark.slow


def advisor_command() -> list[str]:
    """The installed console script when there is one, else the module."""
    script = Path(sys.executable).with_name("advisor")
    return [str(script)] if script.exists() else [sys.executable, "-m", "advisor"]


def chat(
    stdin: str | bytes, *args: str, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    data = stdin.encode() if isinstance(stdin, str) else stdin
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    if not Path(sys.executable).with_name("advisor").exists():
        env["PYTHONPATH"] = str(Path(advisor.__file__).parent.parent)
    done = subprocess.run(
        [*advisor_command(), "chat", *args],
        input=data,
        capture_output=True,
        cwd=cwd,
        env=env,
        timeout=60,
        check=False,
    )
    return subprocess.CompletedProcess(
        done.args, done.returncode, done.stdout.decode(), done.stderr.decode()
    )


def test_a_whole_conversation_through_a_pipe(tmp_path: Path) -> None:
    result = chat("0x800CCC0F\nMSN\nLAN\nWindows 98\nyes\n", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Which e-mail service is the account you send from?" in out
    assert "How does this computer connect to the Internet when you send mail?" in out
    assert "Step 1: Configure Mail Servers" in out
    assert "Step 2: Configure TCP/IP for MSN" in out
    assert "3. On the Configuration tab, click TCP/IP -> Dial-Up Adapter" in out
    assert "Warning: Windows 98 will prompt you with a warning about changing the TCP/IP" in out
    assert "Note: You may be asked for the disks/CD" in out
    assert "More information: Microsoft has added anti-spamming" in out
    assert "\x1b" not in out
    assert result.stderr == ""


def test_the_first_message_pasted_on_one_line(tmp_path: Path) -> None:
    paste = " ".join(FIRST_MESSAGE.split())
    result = chat(f"{paste}\n2\n5\n", cwd=tmp_path)
    out = result.stdout
    assert "- the mail server: smtp.email.msn.com" in out
    assert "Which version of Windows" in out
    assert "network adapter" not in out.split("Which version of Windows")[1].split("Step 1")[0]
    assert "Step 2 of this article, Configure TCP/IP for MSN, is written for" in out


def test_msn_dial_up_ends_with_not_applicable_and_reads_the_rest(tmp_path: Path) -> None:
    result = chat("0x800CCC0F\nmsn\nmsn dial-up\nno\nall\nno\nWindows 98\n", cwd=tmp_path)
    assert result.returncode == 0
    assert (
        "Article Q194068 (“Err Msg: Your Server Has Unexpectedly Terminated the Connection”) does not apply to you."
        in result.stdout
    )
    assert "No other article in my knowledge base fits your case." in result.stdout
    assert "Step 1" not in result.stdout
    # After the end, a fact that changes nothing is noted and said to change nothing.
    assert "it does not change the advice above" in result.stdout


def test_invalid_answers_through_a_pipe(tmp_path: Path) -> None:
    result = chat("\n0x800CCC0F\npigeon\n\x1b[31m2\x1b[0m\n", cwd=tmp_path)
    out = result.stdout
    assert "I did not get an answer" in out
    assert "“pigeon” is not one of the choices" in out
    assert "does not apply to you" in out  # choice 2 is another service than MSN
    assert "\x1b" not in out


def test_input_that_ends_early_says_goodbye(tmp_path: Path) -> None:
    result = chat("0x800CCC0F\n", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.rstrip().endswith("Goodbye.")


def test_bytes_that_are_not_utf8_do_not_end_the_conversation(tmp_path: Path) -> None:
    result = chat(b"\xff\xfe0x800CCC0F\nmsn\nlan\n", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Which version of Windows" in result.stdout


def test_jsonl_prints_one_reply_per_line(tmp_path: Path) -> None:
    result = chat("0x800CCC0F\nmsn\nisp\nme\nno\n", "--jsonl", cwd=tmp_path)
    replies = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(replies) == 6
    assert replies[0]["question"]["id"] == "error_text"
    assert replies[1]["question"]["id"] == "mail_service"
    assert replies[2]["question"]["id"] == "connection"
    assert replies[-1]["done"] is True and replies[-1]["question"] is None
    types = [m["type"] for m in replies[-1]["messages"]]
    assert "step" in types and "note" in types and "warning" not in types


def test_a_broken_knowledge_base_is_reported_with_file_and_line(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "bad.yaml").write_text("format: 1\narticle:\n  id: X\n  title: [oops\n")
    result = chat("", "--rules", str(rules), cwd=tmp_path)
    assert result.returncode == 2
    assert f"{rules / 'bad.yaml'}:" in result.stderr
    assert "not valid YAML" in result.stderr
    assert result.stdout == ""
