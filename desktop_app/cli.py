"""Command line: one parser for every front end; each command lives in ``commands/``.

    python main.py [--server URL] [FILE...]          open the window (default)
    python main.py --self-test                       headless smoke test, exit 0/1
    python main.py validate|analyze [--json] FILE...
    python main.py serve [...]                       reference backend
    python main.py upload [...] FILE...              whole pipeline (or --tus URL: plain tus)
    python main.py jobs|retry|support-bundle [...]

Exit codes: 0 all ok, 1 any file failed, 2 usage error. Commands never let a
traceback reach the user for bad input; an unexpected bug is reported as one
line with UNEXPECTED_ERROR and logged in full. A closed stdout (``jobs --json |
head -1``) ends a command quietly, with 141 (as a program killed by SIGPIPE).

The command modules import only argparse-level code; heavy modules (cv2, Qt, httpx,
the server) load inside ``run``, so ``--help`` and the window start fast.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from desktop_app import APP_NAME, __version__
from desktop_app.commands import gui
from desktop_app.i18n import _

# The modules of desktop_app.commands, in the order --help lists them.
COMMANDS = ("validate", "analyze", "serve", "upload", "jobs", "retry", "support_bundle")


def build_parser() -> tuple[argparse.ArgumentParser, set[str]]:
    """The commands' parser and the names (with aliases) that select it."""
    parser = argparse.ArgumentParser(prog=APP_NAME, description="Validate, analyse and upload videos.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"desktop_app.commands.{name}").add_parser(sub)
    return parser, set(sub.choices)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser, names = build_parser()
    if argv and argv[0] in ("-h", "--help"):
        gui.build_parser().print_help()
        print()
        parser.print_help()
        return 0
    if argv and argv[0] in names:
        args = parser.parse_args(argv)
        problem = getattr(args, "usage_error", lambda _args: None)(args)
        if problem:
            parser.error(problem)
    else:
        args = gui.build_parser().parse_args(argv)
        args.run = gui.run
    try:
        return int(args.run(args) or 0)
    except KeyboardInterrupt:
        print(_("Interrupted; unfinished jobs resume next time."), file=sys.stderr)
        return 130
    except BrokenPipeError:
        return _stdout_closed()


def _stdout_closed() -> int:
    """The reader of our output went away (``| head -1``): stop without a word. Later
    writes, and the flush at exit, go to /dev/null instead of raising again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no real stdout (embedded, tests): nothing to flush
        pass
    return 141
