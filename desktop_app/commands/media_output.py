"""What ``validate`` and ``analyze`` print: one result per file, never a traceback.

With ``--json`` each file gives exactly one line: ``{"file", "ok", "status",
"error_code", "error", "hint", ...}`` plus what was learnt; otherwise a short block per
file and a summary. Exit status 0 when every file is ok, 1 when any failed.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable
from typing import Any

from desktop_app.errors import AppError, unexpected

log = logging.getLogger(__name__)


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _size(n: int) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} bytes"


def _record(path: str, stage: str, work: Callable[[str, argparse.Namespace], dict[str, Any]],
            args: argparse.Namespace) -> dict[str, Any]:
    try:
        data = work(path, args)
    except AppError as exc:
        err = exc
    except Exception as exc:  # a bug: report it for this file and keep going
        if logging.getLogger().hasHandlers():
            log.exception("unexpected error while processing %r", path)
        err = unexpected(exc, file=path, stage=stage)
    else:
        return {"file": path, "ok": True, "status": "ok", "error_code": None, "error": None,
                "hint": None, **{k: v for k, v in data.items() if k != "file"}}
    failure = err.to_dict()
    return {"file": path, "ok": False, "status": "failed", "error_code": err.code, "error": err.message,
            "hint": err.cli_hint, "detail": failure["detail"], "stage": err.stage,
            "field": err.field}


def _human(record: dict[str, Any], analyze: bool) -> str:
    if not record["ok"]:
        return (f"FAILED  {record['file']}\n        {record['error_code']}: {record['error']}\n"
                f"        What to do: {record['hint']}")
    line = (f"OK      {record['file']}\n        {record['width']}x{record['height']}, "
            f"{record['fps']:g} fps, {record['codec']} in {record['container']}, "
            f"{_duration(record['duration_s'])}, {record['frame_count']} frames, "
            f"{_size(record['size'])}")
    if record.get("rotation"):
        line += f", rotated {record['rotation']}\u00b0"
    if analyze:
        line += (f"\n        brightness {record['brightness']:.0f}, contrast {record['contrast']:.0f}, "
                 f"sharpness {record['sharpness']:.0f}; {len(record['black_segments'])} black and "
                 f"{len(record['frozen_segments'])} frozen segment(s), "
                 f"{len(record['scene_cuts'])} scene cut(s)\n        sha256 {record['sha256']}")
    return line


def run_files(args: argparse.Namespace, stage: str,
              work: Callable[[str, argparse.Namespace], dict[str, Any]]) -> int:
    """One record per file, in order; exit 1 when any failed."""
    as_json = bool(getattr(args, "json", False))
    if not as_json and hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="backslashreplace")  # odd file names must not crash output
    failed = 0
    for path in args.files:
        record = _record(path, stage, work, args)
        failed += not record["ok"]
        if as_json:
            print(json.dumps(record, default=str), flush=True)
        else:
            print(_human(record, analyze=stage == "analyse"), flush=True)
    if not as_json and len(args.files) > 1:
        print(f"{len(args.files) - failed} ok, {failed} failed")
    return 1 if failed else 0
