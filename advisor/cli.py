"""The `advisor` command: a few lines per subcommand over the library."""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from advisor import __version__, chat, check, explore, replay
from advisor.errors import KnowledgeBaseError
from advisor.knowledgebase import KnowledgeBase, load
from advisor.terminal import Terminal
from advisor.transcript import Recorder


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

    p = commands.add_parser("check", help="check a knowledge base without a conversation")
    p.add_argument("rules", nargs="?", metavar="DIR", help="rule files (default: bundled)")
    p.add_argument(
        "--explore",
        action="store_true",
        help="also walk every path of the conversation with real sessions",
    )
    p.add_argument("--format", choices=["text", "json"], default="text")

    args = parser.parse_args(argv)
    for stream in (sys.stdin, sys.stdout):
        # A pasted byte that is not UTF-8 must not end the conversation.
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="replace")
    try:
        if args.command == "check":
            return _check(args)
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
        record = Recorder(path.open("w", encoding="utf-8"), title)
    session = kb.new_session()
    try:
        if sys.stdin.isatty() and sys.stdout.isatty() and not args.jsonl:
            return Terminal(session, steps=args.steps, record=record).run()
        return chat.run(session, sys.stdin, sys.stdout, jsonl=args.jsonl, record=record)
    except KeyboardInterrupt:
        sys.stdout.write("\n" + chat.GOODBYE + "\n")
        return 130
    finally:
        if record is not None:
            record.stream.close()


def _replay(kb: KnowledgeBase, args: argparse.Namespace) -> int:
    paths = replay.find(args.paths or ["transcripts"])
    if not paths:
        print("advisor: no transcripts found", file=sys.stderr)
        return 2
    return replay.run(
        paths,
        lambda: replay.LocalConversation(kb),
        sys.stdout,
        fix=args.update,
        knowledge_coverage=kb if args.coverage else None,
    )


def _check(args: argparse.Namespace) -> int:
    knowledge, findings = check.check(args.rules)
    status = check.exit_status(findings)
    exploration = None
    if args.explore and knowledge is not None:
        exploration = explore.explore(KnowledgeBase(knowledge))
        if not exploration.ok:
            status = 2
    if args.format == "json":
        data: dict[str, object] = {"status": status, "findings": [f.to_dict() for f in findings]}
        if exploration is not None:
            data["exploration"] = exploration.to_dict()
        print(json.dumps(data, indent=2))
        return status
    for finding in findings:
        print(finding)
    errors = sum(f.severity == "error" for f in findings)
    print(
        f"{errors} errors, {len(findings) - errors} warnings" if findings else "No problems found."
    )
    if exploration is not None:
        print("\n".join(exploration.summary()))
    return status


def _load(path: str | None) -> KnowledgeBase | None:
    try:
        return load(path)
    except KnowledgeBaseError as exc:
        print("advisor: the knowledge base has problems:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return None


if __name__ == "__main__":
    sys.exit(main())
