"""``serve [--host H] [--port P] [...]``: the reference backend in the foreground.

The options are read by ``server/cli.py`` (imported only when the command runs: it
loads Starlette and uvicorn).
"""

from __future__ import annotations

import argparse
from typing import Any

from desktop_app.commands.options import positive_int


def add_parser(sub: Any) -> None:
    p = sub.add_parser("serve", help="run the reference backend")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--data-dir", help="where videos and metadata are stored")
    p.add_argument("--user", action="append", default=[], metavar="NAME:PASSWORD[:admin]",
                   help="a user account (repeatable)")
    p.add_argument("--max-upload-bytes", type=positive_int)
    p.add_argument("--max-inflight", type=positive_int)
    p.add_argument("--chunk-size", type=positive_int,
                   help="the tus chunk size advertised to clients, in bytes")
    p.add_argument("--fault-injection", action="store_true",
                   help="enable the admin fault-injection endpoint (tests only)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from desktop_app.server.cli import run_serve

    return run_serve(args)
