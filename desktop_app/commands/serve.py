"""``serve [--host H] [--port P] [...]``: the reference backend in the foreground.

The options live with the server (``server/cli.add_serve_options``, light imports only);
Starlette and uvicorn load when the command runs.
"""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(sub: Any) -> None:
    from desktop_app.server.cli import add_serve_options

    p = sub.add_parser("serve", help="run the reference backend")
    add_serve_options(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from desktop_app.server.cli import run_serve

    return run_serve(args)
