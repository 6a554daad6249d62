"""`advisor report`: what the conversations in a store came to, as text, JSON and HTML."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from conftest import FIRST_MESSAGE
from hypothesis import given
from hypothesis import strategies as st
from test_cli import advisor_command
from test_web_app import app_client

from advisor import KnowledgeBase
from advisor.web import Settings
from advisor.web.report import (
    Frequent,
    build,
    collect,
    main,
    no_match_key,
    parse_since,
)
from advisor.web.report_html import render_html, render_text
from advisor.web.stores import Record, RedisStore, Store, open_store

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Dialog, FloatRect, Locator, ViewportSize

NOVEMBER = datetime(2026, 11, 1, tzinfo=UTC).timestamp()
DAY = 24 * 3600.0
QUESTIONS = {
    "connection": "How does this computer connect to the Internet when you send mail?",
    "windows": "Which version of Windows does this computer run?",
}
ATTACK = "<img src=x onerror=alert(1)></td></table><script>alert(2)</script>"
_ids = iter(range(1_000_000))


def summary(
    outcome: str | None,
    *,
    started: float,
    turns: int,
    articles: tuple[str, ...] = (),
    seconds: float | None = None,
    no_match: str | None = None,
    question: str | None = None,
    solved: bool | None = None,
    handed_off: bool = False,
) -> dict[str, Any]:
    """A summary as `advisor.web.summary.summarize` makes them."""
    return {
        "id": f"c{next(_ids)}",
        "started": started,
        "updated": started + 60 * turns,
        "turns": turns,
        "outcome": outcome,
        "articles": list(articles),
        "seconds_to_answer": seconds,
        "no_match": no_match,
        "question": question,
        "question_text": None if question is None else QUESTIONS[question],
        "solved": solved,
        "handed_off": handed_off,
    }


def conversations() -> list[dict[str, Any]]:
    """22 conversations in November 2026 and one in October, of every kind."""
    t = iter(NOVEMBER + 3600 * i for i in range(1000))
    made = [
        summary(
            "advice",
            started=NOVEMBER - 12 * DAY,
            turns=5,
            articles=("Q194068",),
            seconds=50,
            solved=True,
        )
    ]
    for turns, seconds, solved in [
        (4, 30, True),
        (5, 40, True),
        (5, 45, True),
        (6, 60, False),
        (6, 90, None),
        (7, 120, None),
    ]:
        made.append(
            summary(
                "advice",
                started=next(t),
                turns=turns,
                articles=("Q194068",),
                seconds=seconds,
                solved=solved,
                handed_off=solved is False,
            )
        )
    made += [
        summary(
            "advice",
            started=next(t),
            turns=8,
            articles=("ADV-FIREWALL",),
            seconds=200,
            solved=solved,
        )
        for solved in (True, None, None)
    ]
    made.append(
        summary(
            "advice",
            started=next(t),
            turns=9,
            articles=("Q194068", "ADV-PORT-25"),
            seconds=300,
            solved=False,
            handed_off=True,
        )
    )
    for text in [
        "Error 0x800CCC90 when I receive mail",
        "error 0X800ccc90 when I receive mail.",
        "Socket Error: 10061, Error Number: 0x800CCC0E",
        "ERROR 800CCC90   when i receive MAIL",
        "socket error 10060 error number 0x800ccc0e",
    ]:
        made.append(
            summary(
                "no_match",
                started=next(t),
                turns=2,
                articles=("Q194068", "Q176013"),
                seconds=5,
                no_match=text,
                handed_off=text.startswith("Socket"),
            )
        )
    made += [
        summary("not_applicable", started=next(t), turns=6, articles=("Q176013",), seconds=70)
        for _ in range(2)
    ]
    made.append(summary("quit", started=next(t), turns=3, question="connection"))
    made += [
        summary(None, started=next(t), turns=2, question="connection"),
        summary(None, started=next(t), turns=3, question="windows"),
        summary(None, started=next(t), turns=1, question="connection"),
        summary(None, started=next(t), turns=0),
    ]
    return made


@pytest.fixture
def sqlite(tmp_path: Path) -> str:
    """The URL of a SQLite store holding `conversations()`."""
    url = f"sqlite:{tmp_path / 'advisor.sqlite3'}"
    store = open_store(url, idle_timeout=60, lock_wait=5)
    fill(store)
    store.close()
    return url


def fill(store: Store) -> None:
    for made in conversations():
        keep(store, made)


def keep(store: Store, summary: dict[str, Any]) -> None:
    """Keep `summary` as a turn would: with a conversation's record."""
    started = summary["started"]
    store.create(Record(summary["id"], "", {}, started, started), summary)


NOVEMBER_REPORT = {
    "conversations": {
        "total": 22,
        "advice": 10,
        "no_match": 5,
        "not_applicable": 2,
        "quit": 1,
        "open": 4,
        "solved": 4,
        "not_solved": 2,
        "handed_off": 3,
    },
    "per_article": [
        {"article": "Q194068", "concluded": 7, "solved": 3, "not_solved": 2, "handed_off": 2},
        {"article": "ADV-FIREWALL", "concluded": 3, "solved": 1, "not_solved": 0, "handed_off": 0},
        {"article": "ADV-PORT-25", "concluded": 1, "solved": 0, "not_solved": 1, "handed_off": 1},
    ],
    "no_match": [
        {
            "text": "error 0x800ccc90 when i receive mail",
            "example": "Error 0x800CCC90 when I receive mail",
            "count": 3,
            "overcounted_at_most": 0,
        },
        {
            "text": "socket error 10060 error number 0x800ccc0e",
            "example": "socket error 10060 error number 0x800ccc0e",
            "count": 1,
            "overcounted_at_most": 0,
        },
        {
            "text": "socket error 10061 error number 0x800ccc0e",
            "example": "Socket Error: 10061, Error Number: 0x800CCC0E",
            "count": 1,
            "overcounted_at_most": 0,
        },
    ],
    "drop_off": [
        {"question": "connection", "text": QUESTIONS["connection"], "count": 2},
        {"question": "windows", "text": QUESTIONS["windows"], "count": 1},
    ],
}


def check_november(report: dict[str, Any]) -> None:
    for key, expected in NOVEMBER_REPORT.items():
        assert report[key] == expected, key
    # Turns: 0 1 2 2 2 2 2 2 3 3 4 | 5 5 6 6 6 6 7 8 8 8 9
    assert report["turns"] == {"median": 4.5, "mean": pytest.approx(97 / 22)}
    # Answered: 5 5 5 5 5 30 40 45 60 | 70 70 90 120 200 200 200 300
    answer = report["seconds_to_answer"]
    assert answer["answered"] == 17 and answer["approximate"] is True
    assert answer["median"] == pytest.approx(60, rel=0.05)
    assert answer["p90"] == pytest.approx(200, rel=0.05)
    assert report["since"] == "2026-11-01T00:00:00+00:00"


def test_the_report_counts_every_kind_of_conversation(sqlite: str) -> None:
    store = open_store(sqlite, idle_timeout=60, lock_wait=5)
    try:
        november = collect(store, parse_since("2026-11-01"))
        everything = collect(store)
    finally:
        store.close()
    check_november(november)
    assert everything["since"] is None
    assert everything["conversations"]["total"] == 23
    assert everything["conversations"]["solved"] == 5
    assert everything["per_article"][0] == {
        "article": "Q194068",
        "concluded": 8,
        "solved": 4,
        "not_solved": 2,
        "handed_off": 2,
    }
    assert everything["turns"]["median"] == 5


def test_the_text_report(sqlite: str) -> None:
    store = open_store(sqlite, idle_timeout=60, lock_wait=5)
    try:
        text = render_text(collect(store, parse_since("2026-11-01")))
    finally:
        store.close()
    assert text.startswith("Conversations since 2026-11-01 00:00 UTC (report of ")
    lines = text.splitlines()
    for line in [
        "Conversations: 22",
        "  ended with advice                   10   45%",
        "  no article matched the error         5   23%",
        "  still open or left                   4   18%",
        "Feedback: 4 solved, 2 not solved; 3 handed off to a person.",
        "Turns per conversation: median 4.5, mean 4.4.",
        "Time to an answer (17 answered; approximate): median 1 min, 90% within 3 min 30 s.",
        "  article       concluded  solved  not solved  handed off",
        "  Q194068               7       3           2           2",
        "  ADV-PORT-25           1       0           1           1",
        "        3  Error 0x800CCC90 when I receive mail",
        "        2  How does this computer connect to the Internet when you send mail? [connection]",
    ]:
        assert line in lines


def test_an_empty_store_makes_a_report_of_nothing() -> None:
    report = build([], generated=datetime(2026, 12, 1, tzinfo=UTC))
    assert report["conversations"]["total"] == 0
    assert report["turns"] == {"median": None, "mean": None}
    assert report["seconds_to_answer"]["median"] is None
    text = render_text(report)
    assert "Turns per conversation: -" in text and "median -, 90% within -." in text
    assert text.count("(none)") == 3
    page = render_html(report)
    assert "No conversations." in page and "<svg" not in page


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Error 0x800CCC0F", " error\n  0x800ccc0f "),
        ("Error: 0x800CCC0F.", "ERROR 0x800 CCC 0F"),
        ("error 800ccc0f", "Error 0X800CCC0F"),
        (
            "Message size 1048576 bytes, error 0x800CCC0F",
            "message size 20480000 bytes error 0x800ccc0f",
        ),
        ("Could not send to 'jo@example.com'", "could not send to ann.smith@mail.example.org"),
        ("Port: 25,  Secure(SSL): No", "port 25 secure ssl no"),
    ],
)
def test_near_identical_texts_are_grouped(one: str, other: str) -> None:
    assert no_match_key(one) == no_match_key(other)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Error 0x800CCC0F", "Error 0x800CCC0E"),  # another error
        ("Socket Error: 10060", "Socket Error: 10061"),
        ("Port: 25", "Port: 110"),
        ("550 relaying denied", "553 relaying denied"),
    ],
)
def test_different_errors_are_not_grouped(one: str, other: str) -> None:
    assert no_match_key(one) != no_match_key(other)


@given(st.lists(st.sampled_from("abcdefghij"), max_size=300), st.integers(1, 12))
def test_counts_of_texts_are_exact_or_bounded(keys: list[str], capacity: int) -> None:
    frequent = Frequent(capacity)
    for key in keys:
        frequent.add(key, key.upper())
    true = Counter(keys)
    assert len(frequent.entries) == min(capacity, len(true))
    assert sum(e.count for e in frequent.entries.values()) == len(keys)
    for key, entry in frequent.entries.items():
        assert (
            entry.count - entry.error <= true[key] <= entry.count and entry.example == key.upper()
        )
        if len(true) <= capacity:
            assert entry.error == 0
    # Whatever is seen more than once in `capacity` keys is kept.
    assert {k for k, n in true.items() if n > len(keys) / capacity} <= set(frequent.entries)


def test_unmatched_texts_are_counted_in_bounded_memory() -> None:
    frequent = Frequent(capacity=10)
    for i in range(10_000):
        frequent.add("often" if i % 5 == 0 else f"once {i}", "")
        assert len(frequent.entries) <= 10
    (key, entry), *_ = frequent.top(3)
    assert key == "often" and entry.count - entry.error <= 2000 <= entry.count

    # Until more different texts than it keeps come in, the counts are exact.
    texts = [
        summary("no_match", started=NOVEMBER + i, turns=1, no_match=f"Error {i % 7}{i}")
        for i in range(40)
    ]
    texts += [summary("no_match", started=NOVEMBER, turns=1, no_match="Error 42") for _ in range(8)]
    exact, bounded = build(texts), build(texts, no_match_kept=10)
    assert [e["count"] for e in exact["no_match"][:2]] == [8, 1] and len(exact["no_match"]) == 41
    assert all(e["overcounted_at_most"] == 0 for e in exact["no_match"])
    first = bounded["no_match"][0]
    assert len(bounded["no_match"]) == 10 and first["example"] == "Error 42"
    assert first["count"] - first["overcounted_at_most"] <= 8 <= first["count"]
    low = first["count"] - first["overcounted_at_most"]
    lines = [line.strip() for line in render_text(bounded).splitlines()]
    assert f"{low}–{first['count']}  Error 42" in lines


def test_many_summaries_take_little_memory() -> None:
    import tracemalloc

    def letters(n: int) -> str:
        # n in the letters g-v: no number in it for the grouping to mask
        return "".join(chr(ord("g") + int(d, 16)) for d in f"{n:x}")

    def stream() -> Iterator[dict[str, Any]]:
        for i in range(150_000):
            yield summary(
                ["advice", "no_match", None][i % 3],
                started=NOVEMBER + i,
                turns=i % 40,
                articles=(f"Q{i % 300}",),
                seconds=1 + i % 5000,
                no_match=f"failure {letters(i)}",  # every one different: the worst case
                question="windows",
                solved=[True, False, None][i % 7 % 3],
            )

    tracemalloc.start()
    report = build(stream(), no_match_kept=1000)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert report["conversations"]["total"] == 150_000
    assert report["drop_off"] == [
        {"question": "windows", "text": QUESTIONS["windows"], "count": 50_000}
    ]
    assert len(report["no_match"]) == 50
    assert peak < 10_000_000  # bytes: the summaries are never all held, nor all their texts


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-30", datetime(2026, 11, 30, tzinfo=UTC)),
        ("2026-11-30T08:30", datetime(2026, 11, 30, 8, 30, tzinfo=UTC)),
        ("2026-11-30T08:30Z", datetime(2026, 11, 30, 8, 30, tzinfo=UTC)),
        ("2026-11-30 09:30+01:00", datetime(2026, 11, 30, 8, 30, tzinfo=UTC)),
    ],
)
def test_since_is_a_date_or_a_time(text: str, expected: datetime) -> None:
    assert parse_since(text) == expected


def test_the_report_of_real_conversations(kb: KnowledgeBase, tmp_path: Path) -> None:
    """Conversations through the API, summarised by the service as they go."""
    url = f"sqlite:{tmp_path / 'app.sqlite3'}"

    def start(client: Any) -> tuple[str, dict[str, str]]:
        created = client.post("/v1/conversations", json={}).json()
        return f"/v1/conversations/{created['conversation_id']}", {
            "Authorization": f"Bearer {created['token']}"
        }

    def say(client: Any, path: str, auth: dict[str, str], text: str) -> list[dict[str, Any]]:
        response = client.post(f"{path}/messages", json={"text": text}, headers=auth)
        assert response.status_code == 200, response.text
        return list(response.json()["messages"])

    for client in app_client(Settings(store=url), kb):
        advised, auth = start(client)
        said = [
            say(client, advised, auth, text)
            for text in (FIRST_MESSAGE, "a local area network", "Windows 98", "no")
        ]
        (article,) = {m["article"] for reply in said for m in reply if m["type"] == "diagnosis"}
        assert (
            client.post(f"{advised}/feedback", json={"solved": True}, headers=auth).status_code
            == 201
        )
        unmatched, auth = start(client)
        say(client, unmatched, auth, "Error 0x800CCC90 when I receive mail")
        assert client.post(f"{unmatched}/handoff", json={}, headers=auth).status_code == 202
        left, auth = start(client)
        say(client, left, auth, FIRST_MESSAGE)
    store = open_store(url, idle_timeout=60, lock_wait=5)
    try:
        report = collect(store)
    finally:
        store.close()
    assert report["conversations"] == {
        "total": 3,
        "advice": 1,
        "no_match": 1,
        "not_applicable": 0,
        "quit": 0,
        "open": 1,
        "solved": 1,
        "not_solved": 0,
        "handed_off": 1,
    }
    assert report["per_article"] == [
        {"article": article, "concluded": 1, "solved": 1, "not_solved": 0, "handed_off": 0}
    ]
    assert [e["example"] for e in report["no_match"]] == ["Error 0x800CCC90 when I receive mail"]
    assert [d["question"] for d in report["drop_off"]] == ["connection"]
    assert report["turns"]["median"] == 1 and report["seconds_to_answer"]["answered"] == 2


def test_a_redis_store(redis_url: str) -> None:
    # A database of its own: the service tests keep their summaries in database 0.
    url = re.sub(r"/\d+$", "/11", redis_url)
    store = open_store(url, idle_timeout=60, lock_wait=5)
    try:
        assert isinstance(store, RedisStore)
        store.redis.flushdb()
        fill(store)
        check_november(collect(store, parse_since("2026-11-01")))
        assert collect(store)["conversations"]["total"] == 23
    finally:
        store.close()


def report(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """`advisor report ARGS`, through `python -m advisor.web.report` in a new process."""
    return subprocess.run(
        [sys.executable, "-m", "advisor.web.report", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=60,
        check=False,
    )


@pytest.mark.slow
def test_the_command_prints_and_writes_the_report(sqlite: str, tmp_path: Path) -> None:
    done = report("--store", sqlite, "--since", "2026-11-01", "--format", "json")
    assert done.returncode == 0, done.stderr
    check_november(json.loads(done.stdout))

    done = report("--store", sqlite, "--since", "2026-11-01T00:00:00+00:00")
    assert done.returncode == 0 and done.stderr == ""
    assert "Conversations: 22" in done.stdout.splitlines()

    # Everything kept, by default from advisor.sqlite3 in the working folder.
    done = report("--format", "json", "--output", "out.json", cwd=tmp_path)
    assert done.returncode == 0 and done.stdout == ""
    assert json.loads((tmp_path / "out.json").read_text())["conversations"]["total"] == 23

    # The morning of the 1st: conversations start every hour from midnight.
    done = report("--store", sqlite, "--since", "2026-11-01T08:30Z", "--format", "json")
    assert json.loads(done.stdout)["conversations"]["total"] == 22 - 9


@pytest.mark.slow
def test_the_advisor_command(sqlite: str) -> None:
    done = subprocess.run(
        [
            *advisor_command(),
            "report",
            "--store",
            sqlite,
            "--since",
            "2026-11-01",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    check_november(json.loads(done.stdout))


@pytest.mark.slow
@pytest.mark.parametrize("date", ["2026-13-01", "yesterday", "01/11/2026", ""])
def test_a_bad_date_is_one_line_of_error(sqlite: str, date: str) -> None:
    done = report("--store", sqlite, "--since", date)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == (
        f"advisor: --since: not a date: {date!r} (use YYYY-MM-DD, or an ISO date and time "
        "such as 2026-11-30T08:00Z)\n"
    )


def test_a_missing_store_or_output_folder_is_an_error(
    sqlite: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    typo = tmp_path / "typo.sqlite3"
    assert main(["--store", f"sqlite:{typo}"]) == 2
    assert capsys.readouterr().err == f"advisor: no such store: {typo} (see --store)\n"
    assert not typo.exists()
    notes = tmp_path / "notes.txt"
    notes.write_text("not a database, but long enough to be read as one " * 100)
    assert main(["--store", f"sqlite:{notes}"]) == 2
    assert capsys.readouterr().err == f"advisor: sqlite:{notes}: file is not a database\n"
    assert main(["--store", sqlite, "--output", str(tmp_path / "no" / "report.txt")]) == 2
    assert capsys.readouterr().err.startswith("advisor: cannot write ")
    assert main(["--store", "redis://127.0.0.1:1/0"]) == 2
    assert capsys.readouterr().err.startswith("advisor: Redis at redis://127.0.0.1:1/0: ")


def test_the_text_report_prints_nothing_a_terminal_acts_on() -> None:
    typed = "Error \x1b]0;owned\x07\x1b[2J0x800CCC91\r\nagain\u202e"
    built = build([summary("no_match", started=NOVEMBER, turns=1, no_match=typed)])
    assert built["no_match"][0]["example"] == typed  # JSON escapes it; a terminal would not
    assert "        1  Error 0x800CCC91 again" in render_text(built).splitlines()


def box(locator: Locator) -> FloatRect:
    found = locator.bounding_box()
    assert found is not None, locator
    return found


@pytest.mark.slow
@pytest.mark.parametrize(
    ("screen", "viewport"),
    [("phone", {"width": 375, "height": 740}), ("desktop", {"width": 1280, "height": 900})],
)
def test_the_html_report_in_a_browser(
    sqlite: str, tmp_path: Path, browser: Browser, screen: str, viewport: ViewportSize
) -> None:
    store = open_store(sqlite, idle_timeout=60, lock_wait=5)
    try:
        keep(
            store,
            summary("no_match", started=NOVEMBER + 99 * DAY, turns=1, no_match=ATTACK, seconds=1),
        )
    finally:
        store.close()
    page_file = tmp_path / "report.html"
    done = report(
        "--store", sqlite, "--since", "2026-11-01", "--format", "html", "--output", str(page_file)
    )
    assert done.returncode == 0, done.stderr
    html = page_file.read_text()
    escaped = "&lt;img src=x onerror=alert(1)&gt;&lt;/td&gt;&lt;/table&gt;&lt;script&gt;alert(2)&lt;/script&gt;"
    assert html.count(escaped) == 1
    # Nothing to fetch: no address at all, nor an attribute that would load one.
    assert not re.search(r"https?:|//|\b(src|href|srcset)=", html.replace(escaped, "")), html

    page = browser.new_page(viewport=viewport)
    requests: list[str] = []
    console: list[str] = []
    dialogs: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("console", lambda message: console.append(message.text))

    def dismiss(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    page.goto(page_file.as_uri())
    page.wait_for_load_state("load")
    assert requests == [page_file.as_uri()]
    assert console == [] and dialogs == []
    assert page.locator("img, script").count() == 0
    assert page.get_by_role("cell", name=ATTACK, exact=True).count() == 1

    charts = page.locator("svg.chart")
    assert charts.count() == 3  # outcomes, articles, drop-off
    for i in range(3):
        assert box(charts.nth(i))["width"] > 300 and box(charts.nth(i))["height"] > 40
    assert page.get_by_role("img", name="How conversations ended").count() == 1

    # The bars are as long as their numbers: 10 with advice, 6 with no match, 4 open.
    bars = charts.nth(0).locator("rect")
    widths = [box(bars.nth(i))["width"] for i in range(bars.count())]
    assert len(widths) == 5 and all(w > 0 for w in widths)
    assert widths[0] / widths[1] == pytest.approx(10 / 6, rel=0.02)
    assert widths[0] / widths[4] == pytest.approx(10 / 4, rel=0.02)
    # Q194068: 3 solved, 2 not solved, 2 without feedback, stacked.
    solved, not_solved, _ = (box(charts.nth(1).locator("rect").nth(i)) for i in range(3))
    assert not_solved["x"] == pytest.approx(solved["x"] + solved["width"], abs=0.5)
    assert solved["width"] / not_solved["width"] == pytest.approx(1.5, rel=0.02)
    assert charts.nth(1).locator("text").first.text_content() == "Q194068"
    # A long question is cut short to fit a phone, and whole in its tooltip.
    assert charts.nth(2).locator("title").first.text_content() == QUESTIONS["connection"]
    label = charts.nth(2).locator("text:visible").first.text_content()
    assert label == (
        QUESTIONS["connection"]
        if screen == "desktop"
        else "How does this computer connect to the Inter…"
    )

    # Readable: nothing wider than the screen, nor any table, and no text under 12px.
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    assert page.evaluate(
        "[...document.querySelectorAll('.scroll')].every(e => e.scrollWidth <= e.clientWidth)"
    )
    sizes = page.evaluate(
        "[...document.querySelectorAll('svg text, td, dd')].map(e => parseFloat(getComputedStyle(e).fontSize))"
    )
    assert min(sizes) >= 12
    page.screenshot(path=str(tmp_path / f"report-{screen}.png"), full_page=True)
    page.close()
    print(f"screenshot in {tmp_path}")
