"""Options several commands share: argument types, the server and sign-in options."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from desktop_app.errors import AppError

if TYPE_CHECKING:
    from desktop_app.session import Options


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text!r}")
    return value


def attempts(text: str) -> int:
    value = positive_int(text)
    if not 3 <= value <= 5:
        raise argparse.ArgumentTypeError("retry attempts must be between 3 and 5")
    return value


def add_sign_in(p: argparse.ArgumentParser, *, helps: bool) -> None:
    """``--server``, ``--username`` and one of ``--password-stdin`` / ``--token``."""
    p.add_argument("--server", metavar="URL")
    p.add_argument("--username")
    auth = p.add_mutually_exclusive_group()
    auth.add_argument("--password-stdin", action="store_true",
                      help="read the password from stdin" if helps else None)
    auth.add_argument("--token", help="an access token (prefer --password-stdin)"
                      if helps else None)


def read_password(args: argparse.Namespace) -> str | None:
    if not getattr(args, "password_stdin", False):
        return None
    from desktop_app.jobs.redact import add_secret

    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise AppError("MISSING_FIELD", "--password-stdin given but stdin was empty",
                       field="password", message="No password was given on standard input.")
    add_secret(password)
    return password


def session_options(args: argparse.Namespace, **overrides: Any) -> Options:
    """What these options ask of ``session.connect`` (the CLI must be signed in)."""
    from desktop_app.session import Options

    values: dict[str, Any] = {
        "server": args.server, "username": args.username, "password": read_password(args),
        "token": args.token, "attempts": getattr(args, "attempts", None),
        "chunk_size": getattr(args, "chunk_size", None),
        "limit_kbps": getattr(args, "limit_kbps", None), "require_sign_in": True}
    values.update(overrides)
    return Options(**values)
