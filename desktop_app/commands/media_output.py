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

from desktop_app import locale_format
from desktop_app.errors import AppError, shown_hint, shown_message, unexpected
from desktop_app.i18n import _, ngettext

log = logging.getLogger(__name__)


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
    """A file's block for a person, in their language (``--json`` stays English)."""
    indent = "\n        "
    if not record["ok"]:
        code = record["error_code"] or ""
        failed = _("FAILED")
        return (f"{failed:<7} {record['file']}{indent}{code}: "
                f"{shown_message(record['error'] or '', code)}{indent}"
                + _("What to do: {hint}").format(hint=shown_hint(record["hint"] or "", code)))
    n = locale_format.number
    ok = _("OK")
    line = f"{ok:<7} {record['file']}{indent}" + _(
        "{width}x{height}, {fps} fps, {codec} in {container}, {duration}, {frames} frames, "
        "{size}").format(width=record["width"], height=record["height"],
                         fps=n(record["fps"], 0 if float(record["fps"]).is_integer() else 2),
                         codec=record["codec"], container=record["container"],
                         duration=locale_format.duration(record["duration_s"]),
                         frames=record["frame_count"], size=locale_format.size(record["size"]))
    if record.get("rotation"):
        line += ", " + _("rotated {degrees}\u00b0").format(degrees=record["rotation"])
    if analyze:
        black, frozen = len(record["black_segments"]), len(record["frozen_segments"])
        cuts = len(record["scene_cuts"])
        line += indent + _("brightness {brightness}, contrast {contrast}, sharpness {sharpness}")\
            .format(brightness=n(record["brightness"]), contrast=n(record["contrast"]),
                    sharpness=n(record["sharpness"]))
        line += "; " + ", ".join((
            ngettext("{n} black segment", "{n} black segments", black).format(n=black),
            ngettext("{n} frozen segment", "{n} frozen segments", frozen).format(n=frozen),
            ngettext("{n} scene cut", "{n} scene cuts", cuts).format(n=cuts)))
        line += f"{indent}sha256 {record['sha256']}"
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
        print(_("{ok} ok, {failed} failed").format(ok=len(args.files) - failed, failed=failed))
    return 1 if failed else 0
