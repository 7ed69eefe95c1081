"""``serve [--host H] [--port P] [...]``: the reference backend in the foreground.

Its options are defined here (light imports only: the server's config and URL check);
``server/cli.py`` reads them when the command runs, loading Starlette and uvicorn.
"""

from __future__ import annotations

import argparse
from typing import Any

from desktop_app.commands.options import positive_int
from desktop_app.server.config import ConnectionLimits
from desktop_app.server.hosts import check_url


def add_parser(sub: Any) -> None:
    p = sub.add_parser("serve", help="run the reference backend")
    add_options(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from desktop_app.server.cli import run_serve

    return run_serve(args)


_LIMITS = ConnectionLimits()


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError(f"must be between 0 and 3600 seconds: {text!r}")
    return value


def _url(text: str) -> str:
    try:
        return check_url(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: loopback only)")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--data-dir", help="where videos and metadata are stored")
    p.add_argument("--user", action="append", default=[], metavar="NAME:PASSWORD[:admin]",
                   help="a user account (repeatable)")
    p.add_argument("--max-upload-bytes", type=positive_int)
    p.add_argument("--max-inflight", type=positive_int)
    p.add_argument("--chunk-size", type=positive_int,
                   help="the tus chunk size advertised to clients, in bytes")
    p.add_argument("--public-url", type=_url, metavar="URL",
                   help="the URL clients reach this server by (behind a proxy: the proxy's); absolute "
                   "URLs are built from it and requests for any other Host than it or the bound "
                   "address are refused (default: the bound address)")
    p.add_argument("--header-timeout", type=_seconds, default=_LIMITS.header_timeout_s, metavar="SECONDS",
                   help="close a connection whose request line and headers take longer "
                   "(default: %(default)g)")
    p.add_argument("--keep-alive-timeout", type=positive_int, default=_LIMITS.keep_alive_timeout_s,
                   metavar="SECONDS", help="close an idle connection after this (default: %(default)d)")
    p.add_argument("--max-connections", type=positive_int, default=_LIMITS.max_connections, metavar="N",
                   help="connections held at once; more are closed as they open (default: %(default)d)")
    p.add_argument("--max-connections-per-client", type=positive_int, default=_LIMITS.max_per_client,
                   metavar="N", help="connections held at once from one client address (default: %(default)d)")
    p.add_argument("--metrics-token-file", metavar="FILE",
                   help="require 'Authorization: Bearer <token>' on /metrics, the token read from FILE "
                   "(default: /metrics is open, for loopback or a scrape network)")
    p.add_argument("--fault-injection", action="store_true",
                   help="enable the admin fault-injection endpoint (tests only)")
