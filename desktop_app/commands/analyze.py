"""``analyze [--json] FILE...`` (alias ``analyse``): validate and analyse files with OpenCV.

Output as ``validate``'s (``media_output.py``), each record with the analysis metrics and
the thumbnail's size.
"""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(sub: Any) -> None:
    p = sub.add_parser("analyze", aliases=["analyse"],
                       help="validate and analyse files with OpenCV")
    p.add_argument("--json", action="store_true", help="one JSON object per line per file")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from desktop_app.commands.media_output import run_files

    return run_files(args, "analyse", _analyze_one)


def _analyze_one(path: str, args: argparse.Namespace) -> dict[str, Any]:
    from desktop_app.media.analyse import analyse
    from desktop_app.media.validate import inspect_file

    inspect_file(path)  # the extension check that analyse() itself leaves to the caller
    analysis = analyse(path)
    data = analysis.to_dict()
    data["thumbnail_bytes"] = len(analysis.thumbnail_jpeg)
    return data
