"""How a report reads, for people: plain text for a terminal, and one HTML page.

The page is self-contained for a phone or a desktop. Nothing is fetched: the styles are
inline, the charts are SVG drawn here, and the page's Content-Security-Policy forbids any
request, so it can be mailed or opened from a disk. Every text from the store goes through
`html.escape` there, and through `clean` in the text form: unmatched error texts are
whatever people typed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from typing import Any

from advisor.language.text import clean, excerpt

# The outcomes of `summary.summarize` (None is "open") as a report names them, in the order
# shown; a report's counts are keyed by them.
OUTCOMES = {
    "advice": "ended with advice",
    "no_match": "no article matched the error",
    "not_applicable": "no article applied",
    "quit": "quit",
    "open": "still open or left",
}


def duration(seconds: float | None) -> str:
    """Seconds for people, no more precise than the approximate times of a report."""
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds:.1f} s" if seconds < 10 else f"{seconds:.0f} s"
    step = 10 if seconds < 600 else 60
    minutes, rest = divmod(step * round(seconds / step), 60)
    if minutes < 60:
        return f"{minutes} min {rest} s" if rest else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


def count_text(entry: Mapping[str, Any]) -> str:
    """An unmatched text's count, or its range when it may be high (see `report.Frequent`)."""
    low, high = entry["count"] - entry["overcounted_at_most"], entry["count"]
    return f"{low}–{high}" if low != high else str(high)


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "-"


def heading(report: Mapping[str, Any]) -> str:
    generated = datetime.fromisoformat(report["generated"]).strftime("%Y-%m-%d %H:%M UTC")
    if report["since"] is None:
        return f"All conversations kept (report of {generated})"
    since = datetime.fromisoformat(report["since"]).astimezone(UTC)
    return f"Conversations since {since:%Y-%m-%d %H:%M} UTC (report of {generated})"


def render_text(report: Mapping[str, Any]) -> str:
    c = report["conversations"]
    turns, answer = report["turns"], report["seconds_to_answer"]
    lines = [heading(report), "", f"Conversations: {c['total']}"]
    lines += [
        f"  {label:<30} {c[o]:>7}  {percent(c[o], c['total']):>4}" for o, label in OUTCOMES.items()
    ]
    lines += [
        f"Feedback: {c['solved']} solved, {c['not_solved']} not solved; "
        f"{c['handed_off']} handed off to a person.",
        "Turns per conversation: "
        + (f"median {turns['median']:g}, mean {turns['mean']:.1f}." if c["total"] else "-"),
        f"Time to an answer ({answer['answered']} answered; approximate): median "
        f"{duration(answer['median'])}, 90% within {duration(answer['p90'])}.",
    ]
    articles = report["per_article"]
    width = max([len("article"), *(len(a["article"]) for a in articles)])
    lines += ["", "Articles concluded, most first:"]
    lines += [f"  {'article':<{width}}  concluded  solved  not solved  handed off"]
    lines += [
        f"  {a['article']:<{width}}  {a['concluded']:>9}  {a['solved']:>6}  "
        f"{a['not_solved']:>10}  {a['handed_off']:>10}"
        for a in articles
    ] or ["  (none)"]
    lines += ["", "Error texts no article matched, most first:"]
    lines += [f"  {count_text(e):>7}  {_plain(e['example'])}" for e in report["no_match"]]
    if not report["no_match"]:
        lines.append("  (none)")
    lines += ["", "Questions where conversations stopped without an end, most first:"]
    lines += [
        f"  {d['count']:>7}  {_plain(d['text'])} [{_plain(d['question'])}]"
        for d in report["drop_off"]
    ] or ["  (none)"]
    return "\n".join(lines) + "\n"


def _plain(text: str) -> str:
    """Text from the store on one line, with nothing a terminal would act on (whatever
    wrote the store)."""
    return " ".join(clean(text).split())


# -- the HTML page ------------------------------------------------------------------------

ARTICLES_CHARTED = 25  # the table below the chart lists them all
QUESTIONS_CHARTED = 20
# A bar's label fits the width of a phone (short) or of a desktop (long); the whole text is
# its tooltip.
LABEL_SHORT, LABEL_LONG = 44, 110
_ROW = 42  # pixels per bar: a line for its label, then the bar
_BAR_SPACE = 75.0  # percent of the width the longest bar takes; its number follows it

_STYLE = """
:root { color-scheme: light dark; --fg: #1b1f23; --bg: #fff; --muted: #57606a;
  --line: #d0d7de; --card: #f6f8fa; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e6edf3; --bg: #0d1117; --muted: #9198a1; --line: #30363d; --card: #161b22; }
}
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 60rem; padding: 1rem; font: 16px/1.45 system-ui,
  -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
h2 { font-size: 1.2rem; margin: 2rem 0 .5rem; border-bottom: 1px solid var(--line); }
.muted, .note { color: var(--muted); }
.note { font-size: .875rem; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(9.5rem, 1fr));
  gap: .5rem; margin: 1rem 0; padding: 0; }
.cards div { background: var(--card); border: 1px solid var(--line); border-radius: 6px;
  padding: .5rem .75rem; }
.cards dt { font-size: .8rem; color: var(--muted); }
.cards dd { margin: 0; font-size: 1.35rem; font-weight: 600; }
.chart { display: block; overflow: visible; color: var(--fg); }
.chart text { fill: currentColor; font-size: 13px; }
.chart .value { font-variant-numeric: tabular-nums; }
.advice, .solved { fill: #2da44e; background: #2da44e; }
.no_match { fill: #d4700c; background: #d4700c; }
.not_applicable { fill: #6e7781; background: #6e7781; }
.quit { fill: #8250df; background: #8250df; }
.open, .unrated { fill: #a8b1bb; background: #a8b1bb; }
.not_solved { fill: #cf222e; background: #cf222e; }
.legend { display: flex; flex-wrap: wrap; gap: .25rem 1rem; padding: 0; margin: .5rem 0;
  list-style: none; font-size: .875rem; }
.legend span { display: inline-block; width: .8rem; height: .8rem; margin-right: .3rem;
  border-radius: 2px; vertical-align: -.05rem; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line);
  vertical-align: top; }
th { font-weight: 600; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
td.n { white-space: nowrap; }
td.text { overflow-wrap: anywhere; }
.chart .short { display: none; }
@media (max-width: 40rem) {
  body { padding: .75rem; }
  .wide, .chart .long { display: none; }
  .chart .short { display: inline; }
  table { font-size: .8rem; }
  th, td { padding: .3rem .2rem; }
}
"""


@dataclass(frozen=True)
class _Bar:
    label: str
    segments: Sequence[tuple[int, str]]  # (value, CSS class), stacked left to right
    value: str  # written after the bar


def render_html(report: Mapping[str, Any]) -> str:
    c = report["conversations"]
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            '<meta http-equiv="Content-Security-Policy" '
            "content=\"default-src 'none'; style-src 'unsafe-inline'\">",
            "<title>Advisor report</title>",
            f"<style>{_STYLE}</style>",
            "</head>",
            "<body>",
            "<h1>Advisor report</h1>",
            f'<p class="muted">{escape(heading(report))}</p>',
            _cards(report),
            "<h2>How conversations ended</h2>",
            _chart(
                "How conversations ended",
                [
                    _Bar(label, [(c[o], o)], f"{c[o]} · {percent(c[o], c['total'])}")
                    for o, label in OUTCOMES.items()
                ],
            )
            if c["total"]
            else '<p class="muted">No conversations.</p>',
            "<h2>Articles concluded</h2>",
            _articles(report["per_article"]),
            "<h2>Error texts no article matched</h2>",
            _no_match(report["no_match"]),
            "<h2>Where conversations stopped without an end</h2>",
            _drop_off(report["drop_off"]),
            "</body>",
            "</html>",
            "",
        ]
    )


def _cards(report: Mapping[str, Any]) -> str:
    c, turns, answer = report["conversations"], report["turns"], report["seconds_to_answer"]
    rated = c["solved"] + c["not_solved"]
    cards = [
        ("Conversations", str(c["total"])),
        ("Ended with advice", percent(c["advice"], c["total"])),
        ("Solved, of those who said", f"{c['solved']} of {rated}"),
        ("Handed off to a person", str(c["handed_off"])),
        (
            "Turns, median · mean",
            "-" if not c["total"] else f"{turns['median']:g} · {turns['mean']:.1f}",
        ),
        ("Time to an answer, median (≈)", duration(answer["median"])),
        ("… for 90% (≈)", duration(answer["p90"])),
    ]
    items = "".join(f"<div><dt>{escape(t)}</dt><dd>{escape(v)}</dd></div>" for t, v in cards)
    return f'<dl class="cards">{items}</dl>'


def _chart(title: str, bars: Sequence[_Bar]) -> str:
    """Horizontal bars, each under its label. Lengths are percentages of the page's width
    and text keeps its size, so the chart reads the same on a phone and on a desktop."""
    scale = max(sum(v for v, _ in bar.segments) for bar in bars) or 1
    parts = [
        f'<svg class="chart" width="100%" height="{_ROW * len(bars)}" role="img" '
        f'aria-label="{escape(title)}">'
    ]
    for i, bar in enumerate(bars):
        top = i * _ROW
        short, long = excerpt(bar.label, LABEL_SHORT), excerpt(bar.label, LABEL_LONG)
        parts.append(f"<g><title>{escape(bar.label)}</title>")
        parts += [
            f'<text class="{css}" x="0" y="{top + 14}">{escape(label)}</text>'
            for label, css in (
                [(long, "")] if short == long else [(long, "long"), (short, "short")]
            )
        ]
        x = 0.0
        for value, css in bar.segments:
            width = _BAR_SPACE * value / scale
            if width:
                parts.append(
                    f'<rect class="{css}" x="{x:.3f}%" y="{top + 20}" width="{width:.3f}%" '
                    'height="14" rx="2"/>'
                )
            x += width
        parts.append(
            f'<text class="value" x="{x:.3f}%" dx="6" y="{top + 32}">{escape(bar.value)}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _legend(entries: Sequence[tuple[str, str]]) -> str:
    items = "".join(f'<li><span class="{css}"></span>{escape(t)}</li>' for css, t in entries)
    return f'<ul class="legend">{items}</ul>'


def _table(head: Sequence[tuple[str, str]], rows: Sequence[Sequence[tuple[str, str]]]) -> str:
    """A table of (CSS class, text) cells; the texts are escaped here."""
    cells = "".join(f'<th class="{css}">{escape(t)}</th>' for css, t in head)
    body = "".join(
        "<tr>" + "".join(f'<td class="{css}">{escape(t)}</td>' for css, t in row) + "</tr>"
        for row in rows
    )
    table = f"<table><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>"
    return f'<div class="scroll">{table}</div>'


def _articles(articles: Sequence[Mapping[str, Any]]) -> str:
    if not articles:
        return '<p class="muted">No article was concluded.</p>'
    charted = articles[:ARTICLES_CHARTED]
    bars = [
        _Bar(
            a["article"],
            [
                (a["solved"], "solved"),
                (a["not_solved"], "not_solved"),
                (a["concluded"] - a["solved"] - a["not_solved"], "unrated"),
            ],
            str(a["concluded"]),
        )
        for a in charted
    ]
    more = len(articles) - len(charted)
    return "".join(
        [
            _legend(
                [("solved", "solved"), ("not_solved", "not solved"), ("unrated", "no feedback")]
            ),
            _chart("Articles concluded, by the feedback of the person", bars),
            f'<p class="note">The {len(charted)} most concluded; {more} more below.</p>'
            if more
            else "",
            _table(
                [
                    ("", "Article"),
                    ("n", "Concluded"),
                    ("n", "Solved"),
                    ("n", "Not solved"),
                    ("n", "Handed off"),
                ],
                [
                    [
                        ("", a["article"]),
                        *(
                            ("n", str(a[k]))
                            for k in ("concluded", "solved", "not_solved", "handed_off")
                        ),
                    ]
                    for a in articles
                ],
            ),
        ]
    )


def _no_match(texts: Sequence[Mapping[str, Any]]) -> str:
    if not texts:
        return '<p class="muted">Every error text matched an article.</p>'
    rows = [[("n", count_text(e)), ("text", e["example"]), ("text wide", e["text"])] for e in texts]
    note = (
        '<p class="note">The most frequent first; texts are grouped regardless of case, '
        "spacing, punctuation, how an error number is written, long numbers and e-mail "
        "addresses. A count given as a range is not exact: too many different texts came in "
        "to count them all.</p>"
    )
    return note + _table([("n", "Count"), ("", "An example"), ("wide", "Grouped as")], rows)


def _drop_off(questions: Sequence[Mapping[str, Any]]) -> str:
    if not questions:
        return '<p class="muted">No conversation stopped at a question.</p>'
    charted = questions[:QUESTIONS_CHARTED]
    bars = [
        _Bar(q["text"] or q["question"], [(q["count"], "open")], str(q["count"])) for q in charted
    ]
    more = len(questions) - len(charted)
    return _chart("Questions conversations stopped at", bars) + (
        f'<p class="note">The {len(charted)} most frequent; {more} more in the JSON form.</p>'
        if more
        else ""
    )
