"""The `advisor` command: a few lines per subcommand over the library."""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import httpx

from advisor.authoring import check, explore, understanding
from advisor.dialog.knowledgebase import KnowledgeBase, load
from advisor.errors import KnowledgeBaseError
from advisor.importing.run import articles
from advisor.importing.run import run as run_import
from advisor.terminal import pipe
from advisor.terminal.app import Terminal
from advisor.transcripts import replay
from advisor.transcripts.format import Recorder
from advisor.version import __version__
from advisor.web import options as serve_options
from advisor.web import report as report_command
from advisor.web.client import HttpConversation, RemoteError
from advisor.web.server import ListenError, serve
from advisor.web.stores import StoreError


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="advisor", description="Troubleshoot e-mail errors.")
    parser.add_argument("--version", action="version", version=f"advisor {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    p = commands.add_parser("chat", help="troubleshoot an e-mail error in a conversation")
    _rules_option(p)
    p.add_argument(
        "--jsonl", action="store_true", help="print each reply as one JSON line (for programs)"
    )
    p.add_argument("--record", metavar="FILE", help="write the conversation as a transcript")
    p.add_argument("--title", help="the title of a recorded transcript (default: from FILE)")
    p.add_argument(
        "--steps",
        choices=["all", "guided"],
        help="at a terminal: show the steps all at once, or one at a time",
    )

    p = commands.add_parser("replay", help="replay transcripts and report what differs")
    _rules_option(p)
    p.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="transcript files or folders (default: transcripts/)",
    )
    p.add_argument(
        "--update",
        action="store_true",
        help="rewrite the failing literal lines with what the bot says now",
    )
    p.add_argument(
        "--coverage",
        action="store_true",
        help="list the knowledge each transcript reaches; a gap fails",
    )

    p.add_argument(
        "--url",
        metavar="URL",
        help="replay against a running `advisor serve` at URL instead of in this process "
        "(--coverage is local only: it reads the engine's conclusions)",
    )

    serve_options.add_parser(commands)

    p = commands.add_parser("check", help="check a knowledge base without a conversation")
    p.add_argument("rules", nargs="?", metavar="DIR", help="rule files (default: bundled)")
    p.add_argument(
        "--explore",
        action="store_true",
        help="also walk every path of the conversation with real sessions",
    )
    p.add_argument(
        "--understanding",
        action="store_true",
        help="measure how well typed messages are understood, on labelled utterances",
    )
    p.add_argument(
        "--utterances",
        metavar="FILE",
        default=str(understanding.UTTERANCES),
        help="the labelled utterances for --understanding (default: %(default)s)",
    )
    p.add_argument(
        "--sweep",
        action="store_true",
        help="with --understanding: the scores at other message-recognition thresholds",
    )
    p.add_argument("--format", choices=["text", "json"], default="text")

    p = commands.add_parser(
        "import", help="turn Microsoft Knowledge Base articles into rule files, one per article"
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="article files or folders of them")
    p.add_argument("--into", required=True, metavar="DIR", help="the folder of rule files")
    p.add_argument("--quiet", action="store_true", help="no progress bar")

    report_command.add_parser(commands)

    args, unknown = parser.parse_known_args(argv)
    if unknown:  # said by the subcommand, with its own usage
        parser_of = commands.choices.get(getattr(args, "command", None) or "", parser)
        parser_of.error(f"unrecognized arguments: {' '.join(unknown)}")
    if args.command == "replay" and args.url and args.coverage:
        parser.error("--coverage is local only: it cannot be measured with --url")
    if args.command == "serve":
        return _serve(args)
    for stream in (sys.stdin, sys.stdout):
        # A pasted byte that is not UTF-8 must not end the conversation.
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="replace")
    try:
        if args.command == "check":
            return _check(args)
        if args.command == "import":
            return _import(args)
        if args.command == "report":
            return report_command.run(args)
        kb = _load(args.rules)
        if kb is None:
            return 2
        if args.command == "replay":
            return _replay(kb, args)
        return _chat(kb, args)
    except BrokenPipeError:
        # The reader went away (`advisor chat | head`): stop quietly, as other tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _rules_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--rules", metavar="PATH", help="a folder of rule files (default: bundled)")


def _chat(kb: KnowledgeBase, args: argparse.Namespace) -> int:
    record = None
    if args.record:
        path = Path(args.record)
        title = args.title or path.stem.replace("-", " ").replace("_", " ")
        try:
            stream = path.open("w", encoding="utf-8")
        except OSError as exc:
            print(f"advisor chat: --record {path}: {exc.strerror or exc}", file=sys.stderr)
            return 2
        record = Recorder(stream, title)
    session = kb.new_session()
    try:
        if sys.stdin.isatty() and sys.stdout.isatty() and not args.jsonl:
            return Terminal(session, steps=args.steps, record=record).run()
        if args.steps is not None:
            print(
                f"advisor chat: --steps {args.steps} works at a terminal; here every step is "
                "shown at once",
                file=sys.stderr,
            )
        return pipe.run(session, sys.stdin, sys.stdout, jsonl=args.jsonl, record=record)
    except KeyboardInterrupt:
        sys.stdout.write("\n" + pipe.GOODBYE + "\n")
        return 130
    finally:
        if record is not None:
            record.stream.close()


def _replay(kb: KnowledgeBase, args: argparse.Namespace) -> int:
    given = args.paths or ["transcripts"]
    missing = [p for p in given if not Path(p).exists()]
    if missing:
        where = "" if args.paths else " (give transcript files or folders)"
        print(
            f"advisor replay: no such file or folder: {', '.join(missing)}{where}", file=sys.stderr
        )
        return 2
    paths = replay.find(given)
    if not paths:
        print(f"advisor replay: no transcripts found in {', '.join(given)}", file=sys.stderr)
        return 2
    if args.url is None:
        return replay.run(
            paths,
            lambda: replay.LocalConversation(kb),
            sys.stdout,
            fix=args.update,
            knowledge_coverage=kb if args.coverage else None,
        )
    said: set[str] = set()

    def warn(message: str) -> None:  # once a run: every transcript would say it again
        if message not in said:
            said.add(message)
            print(message, file=sys.stderr)

    with httpx.Client(timeout=30) as client:
        try:
            return replay.run(
                paths,
                lambda: HttpConversation(client, args.url, warn),
                sys.stdout,
                fix=args.update,
            )
        except (httpx.HTTPError, RemoteError) as exc:
            print(f"advisor: {args.url}: {exc}", file=sys.stderr)
            return 2


def _serve(args: argparse.Namespace) -> int:
    try:
        options = serve_options.from_args(args)
    except serve_options.OptionError as exc:
        print(f"advisor serve: {exc}", file=sys.stderr)
        return 2
    try:
        return serve(options)
    except KnowledgeBaseError as exc:
        _problems(exc)
    except (StoreError, ListenError, OSError) as exc:
        print(f"advisor: {exc}", file=sys.stderr)
    return 2


def _check(args: argparse.Namespace) -> int:
    knowledge, findings = check.check(args.rules)
    status = check.exit_status(findings)
    data: dict[str, object] = {"findings": [f.to_dict() for f in findings]}
    lines = [str(f) for f in findings]
    errors = sum(f.severity == "error" for f in findings)
    plural = "s" if errors != 1 else ""
    warnings = len(findings) - errors
    lines.append(
        f"{errors} error{plural}, {warnings} warning{'s' if warnings != 1 else ''}"
        if findings
        else "No problems found."
    )
    if args.explore and knowledge is not None:
        exploration = explore.explore(KnowledgeBase(knowledge))
        status = max(status, 0 if exploration.ok else 2)
        data["exploration"] = exploration.to_dict()
        lines += exploration.summary()
    if args.understanding and knowledge is not None:
        try:
            utterances = understanding.load(Path(args.utterances), knowledge)
        except KnowledgeBaseError as exc:
            _problems(exc)
            return 2
        report = understanding.evaluate(knowledge, utterances)
        if report.failing():
            status = max(status, 1)
        data["understanding"] = report.to_dict()
        lines += report.lines(len(utterances))
        if args.sweep:
            lines += ["Message recognition at other thresholds:"]
            lines += understanding.sweep(knowledge, utterances)
    data["status"] = status
    if args.format == "json":
        print(json.dumps(data, indent=2))
    else:
        print("\n".join(lines))
    return status


def _import(args: argparse.Namespace) -> int:
    missing = [p for p in args.paths if not Path(p).exists()]
    if missing:
        print(f"advisor: no such file or folder: {', '.join(missing)}", file=sys.stderr)
        return 2
    if not any(True for _ in articles(args.paths)):
        print("advisor: no article files found", file=sys.stderr)
        return 2
    progress = not args.quiet and sys.stderr.isatty()
    report = run_import(args.paths, args.into, progress=progress, errors=sys.stderr)
    print("\n".join(report.lines(Path(args.into))))
    return 0


def _load(path: str | None) -> KnowledgeBase | None:
    try:
        return load(path)
    except KnowledgeBaseError as exc:
        _problems(exc)
        return None


def _problems(exc: KnowledgeBaseError) -> None:
    print("advisor: the knowledge base has problems:", file=sys.stderr)
    for problem in exc.problems:
        print(f"  {problem}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
