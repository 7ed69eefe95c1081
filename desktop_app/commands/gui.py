"""No command: ``[--server URL] [FILE...]`` opens the window; ``--self-test`` checks a build.

Qt is imported only after ``sysdeps.explain_missing_qt()`` found the system libraries
it needs (Qt itself would abort with a message nobody understands).
"""

from __future__ import annotations

import argparse
import sys

from desktop_app import APP_NAME, __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=APP_NAME,
        description="Open the uploader window. Commands: validate, analyze, serve, upload, "
        "jobs, retry, support-bundle (see COMMAND --help).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--server", metavar="URL", help="backend URL (default: embedded)")
    parser.add_argument("--self-test", action="store_true", help="headless smoke test; exit 0 or 1")
    parser.add_argument("files", nargs="*", metavar="FILE", help="files to queue at start")
    return parser


def run(args: argparse.Namespace) -> int:
    from desktop_app.sysdeps import explain_missing_qt

    problem = explain_missing_qt()  # before Qt is imported: Qt itself would abort
    if problem:
        print(problem, file=sys.stderr)
        return 1
    if args.self_test:
        from desktop_app.selftest import run_self_test

        return run_self_test(args)
    from desktop_app.gui.app import run_gui

    return run_gui(args)
