"""``validate [--json] [--user-id ID] [--recorded-at TIME] FILE...``: check files locally.

The file system, the content, the container and every frame, and (given) the job's
fields; nothing is uploaded. Output as described in ``media_output.py``.
"""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(sub: Any) -> None:
    p = sub.add_parser("validate", help="check files locally without uploading")
    p.add_argument("--json", action="store_true", help="one JSON object per line per file")
    p.add_argument("--user-id", help="validate as an upload job for this user")
    p.add_argument("--recorded-at", help="ISO 8601 recording time to validate")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from desktop_app.commands.media_output import run_files

    return run_files(args, "validate", _validate_one)


def _validate_one(path: str, args: argparse.Namespace) -> dict[str, Any]:
    from desktop_app.media.validate import validate_file, validate_job_fields

    user_id, recorded_at = getattr(args, "user_id", None), getattr(args, "recorded_at", None)
    if user_id is not None or recorded_at is not None:
        validate_job_fields(user_id, recorded_at, require_user=user_id is not None)
    return validate_file(path).to_dict()
