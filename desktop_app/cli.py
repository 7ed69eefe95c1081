"""Command line: one parser for every front end, handlers imported lazily.

    python main.py [--server URL] [FILE...]          open the window (default)
    python main.py --self-test                       headless smoke test, exit 0/1
    python main.py validate|analyze [--json] FILE...
    python main.py serve [...]                       reference backend
    python main.py upload [...] FILE...              whole pipeline (or --tus URL: plain tus)
    python main.py jobs|retry|support-bundle [...]

Exit codes: 0 all ok, 1 any file failed, 2 usage error. Handlers never let a
traceback reach the user for bad input; an unexpected bug is reported as one
line with UNEXPECTED_ERROR and logged in full.

Heavy modules (cv2, Qt, the server) are imported inside handlers so that
``--help`` and the window start fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence

from desktop_app import APP_NAME, __version__
from desktop_app.server.cli import add_serve_options

# command -> (module, function) that runs it; each takes the parsed args, returns an exit code
HANDLERS: dict[str, tuple[str, str]] = {
    "validate": ("desktop_app.media.cli", "run_validate"),
    "analyze": ("desktop_app.media.cli", "run_analyze"),
    "serve": ("desktop_app.server.cli", "run_serve"),
    "upload": ("desktop_app.jobs.cli", "run_upload"),
    "upload-tus": ("desktop_app.transfer.cli", "run_tus_upload"),
    "jobs": ("desktop_app.jobs.cli", "run_jobs"),
    "retry": ("desktop_app.jobs.cli", "run_retry"),
    "support-bundle": ("desktop_app.jobs.cli", "run_support_bundle"),
    "gui": ("desktop_app.gui.app", "run_gui"),
    "self-test": ("desktop_app.selftest", "run_self_test"),
}


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text!r}")
    return value


def _attempts(text: str) -> int:
    value = _positive_int(text)
    if not 3 <= value <= 5:
        raise argparse.ArgumentTypeError("retry attempts must be between 3 and 5")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=APP_NAME, description="Validate, analyse and upload videos.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("validate", help="check files locally without uploading")
    p.add_argument("--json", action="store_true", help="one JSON object per line per file")
    p.add_argument("--user-id", help="validate as an upload job for this user")
    p.add_argument("--recorded-at", help="ISO 8601 recording time to validate")
    p.add_argument("files", nargs="+", metavar="FILE")

    p = sub.add_parser("analyze", aliases=["analyse"], help="validate and analyse files with OpenCV")
    p.add_argument("--json", action="store_true", help="one JSON object per line per file")
    p.add_argument("files", nargs="+", metavar="FILE")

    add_serve_options(sub.add_parser("serve", help="run the reference backend"))

    p = sub.add_parser("upload", help="upload files through the whole pipeline")
    p.add_argument("--json", action="store_true", help="one JSON object per line per file")
    p.add_argument("--tus", metavar="URL", help="upload to a plain tus 1.0 endpoint instead")
    p.add_argument("--header", action="append", default=[], metavar="NAME=VALUE",
                   help="extra request header for --tus (repeatable)")
    p.add_argument("--server", metavar="URL")
    p.add_argument("--username")
    auth = p.add_mutually_exclusive_group()
    auth.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    auth.add_argument("--token", help="an access token (prefer --password-stdin)")
    p.add_argument("--user-id")
    session = p.add_mutually_exclusive_group()
    session.add_argument("--session", metavar="ID")
    session.add_argument("--session-title", metavar="TITLE")
    p.add_argument("--recorded-at")
    p.add_argument("--attempts", type=_attempts, help="retry attempts per request (3-5)")
    p.add_argument("--chunk-size", type=_positive_int, help="tus chunk size in bytes")
    p.add_argument("--limit-kbps", type=_positive_int, help="bandwidth limit in KiB/s")
    p.add_argument("--force", action="store_true", help="upload again even if already stored")
    p.add_argument("files", nargs="+", metavar="FILE")

    p = sub.add_parser("jobs", help="list jobs in the local store")
    p.add_argument("--json", action="store_true")
    p.add_argument("--failed", action="store_true", help="only failed jobs")

    p = sub.add_parser("retry", help="re-run failed jobs")
    p.add_argument("--json", action="store_true")
    p.add_argument("--all-failed", action="store_true")
    p.add_argument("--server", metavar="URL")
    p.add_argument("--username")
    auth = p.add_mutually_exclusive_group()
    auth.add_argument("--password-stdin", action="store_true")
    auth.add_argument("--token")
    p.add_argument("job_ids", nargs="*", metavar="JOB_ID")

    p = sub.add_parser("support-bundle", help="export a zip for support (secrets redacted)")
    p.add_argument("job_id", metavar="JOB_ID")
    p.add_argument("-o", "--output", required=True, metavar="FILE.zip")
    return parser


def build_gui_parser() -> argparse.ArgumentParser:
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


def _handler(name: str) -> Callable[[argparse.Namespace], int]:
    module, func = HANDLERS[name]
    return getattr(importlib.import_module(module), func)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    commands = set(HANDLERS) | {"analyse"}
    if argv and (argv[0] in commands or argv[0] in ("-h", "--help")) and argv[0] != "gui":
        if argv[0] in ("-h", "--help"):
            build_gui_parser().print_help()
            print()
            parser.print_help()
            return 0
        args = parser.parse_args(argv)
        name = "analyze" if args.command == "analyse" else args.command
        if name == "retry" and not args.all_failed and not args.job_ids:
            parser.error("retry needs JOB_ID... or --all-failed")
        if name == "upload" and args.tus:
            name = "upload-tus"
    else:
        args = build_gui_parser().parse_args(argv)
        name = "self-test" if args.self_test else "gui"
    if name in ("gui", "self-test"):
        from desktop_app.sysdeps import explain_missing_qt

        problem = explain_missing_qt()  # before Qt is imported: Qt itself would abort
        if problem:
            print(problem, file=sys.stderr)
            return 1
    try:
        return int(_handler(name)(args) or 0)
    except KeyboardInterrupt:
        print("Interrupted; unfinished jobs resume next time.", file=sys.stderr)
        return 130
