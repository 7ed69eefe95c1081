"""Options several commands share: argument types, the server and sign-in options."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING, Any

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


TOKEN_ENV = "VIDEO_UPLOADER_TOKEN"
GIVE_UP_AFTER_S = 300  # the commands' default; the window's is never (settings.py)


def add_give_up(p: argparse.ArgumentParser) -> None:
    p.add_argument("--give-up-after", type=positive_int, default=GIVE_UP_AFTER_S,
                   metavar="SECONDS",
                   help="while the server is down or unreachable, jobs wait for it; give up "
                   "after this long with no progress at all (default %(default)s)")


def add_sign_in(p: argparse.ArgumentParser) -> None:
    """``--server``, ``--username`` and one of ``--password-stdin`` / ``--token`` /
    ``--token-stdin`` (else a token from ``$VIDEO_UPLOADER_TOKEN``)."""
    p.add_argument("--server", metavar="URL")
    p.add_argument("--username")
    auth = p.add_mutually_exclusive_group()
    auth.add_argument("--password-stdin", action="store_true",
                      help="read the password from stdin")
    auth.add_argument("--token-stdin", action="store_true",
                      help=f"read an access token from stdin (or set ${TOKEN_ENV})")
    auth.add_argument("--token", help="an access token (others can read it in the process "
                      f"list: prefer --token-stdin or ${TOKEN_ENV})")


def _stdin_secret(flag: str, field: str) -> str:
    from desktop_app.errors import AppError
    from desktop_app.jobs.redact import add_secret

    secret = sys.stdin.readline().rstrip("\r\n")
    if not secret:
        raise AppError("MISSING_FIELD", f"{flag} given but stdin was empty", field=field,
                       message=f"No {field} was given on standard input.")
    add_secret(secret)
    return secret


def read_password(args: argparse.Namespace) -> str | None:
    return _stdin_secret("--password-stdin", "password") if args.password_stdin else None


def read_token(args: argparse.Namespace) -> str | None:
    """``--token``, ``--token-stdin``, else ``$VIDEO_UPLOADER_TOKEN`` (unless a password is
    read instead). The variable is taken out of the environment once read, so no
    process this one starts inherits it."""
    if args.token_stdin:
        return _stdin_secret("--token-stdin", "token")
    from_env = os.environ.pop(TOKEN_ENV, None)
    if args.token or args.password_stdin:
        return args.token or None
    return from_env or None


def session_options(args: argparse.Namespace, **overrides: Any) -> Options:
    """What these options ask of ``session.connect`` (the CLI must be signed in)."""
    from desktop_app.session import Options

    values: dict[str, Any] = {
        "server": args.server, "username": args.username, "password": read_password(args),
        "token": read_token(args), "attempts": getattr(args, "attempts", None),
        "chunk_size": getattr(args, "chunk_size", None),
        "limit_kbps": getattr(args, "limit_kbps", None), "require_sign_in": True,
        "give_up_after_s": getattr(args, "give_up_after", None)}
    values.update(overrides)
    return Options(**values)
