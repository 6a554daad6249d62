"""The `advisor` command: a few lines per subcommand over the library."""

from __future__ import annotations

import argparse
import io
import os
import sys
from collections.abc import Sequence

from advisor import __version__, chat
from advisor.errors import KnowledgeBaseError
from advisor.session import KnowledgeBase, load


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="advisor", description=__doc__)
    parser.add_argument("--version", action="version", version=f"advisor {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    p = commands.add_parser("chat", help="troubleshoot an e-mail error in a conversation")
    p.add_argument("--rules", metavar="PATH", help="a folder of rule files (default: bundled)")
    p.add_argument(
        "--jsonl", action="store_true", help="print each reply as one JSON line (for programs)"
    )

    args = parser.parse_args(argv)
    for stream in (sys.stdin, sys.stdout):
        # A pasted byte that is not UTF-8 must not end the conversation.
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="replace")
    kb = _load(args.rules)
    if kb is None:
        return 2
    interactive = sys.stdin.isatty() and sys.stdout.isatty() and not args.jsonl
    try:
        return chat.run(
            kb.new_session(), sys.stdin, sys.stdout, jsonl=args.jsonl, interactive=interactive
        )
    except KeyboardInterrupt:
        sys.stdout.write("\n" + chat.GOODBYE + "\n")
        return 130
    except BrokenPipeError:
        # The reader went away (`advisor chat | head`): stop quietly, as other tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


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
