"""What the pipeline commands print, and their worker boundary.

One line per file on stdout (``--json``: one JSON object, ``{"file", "ok", "job_id",
"video_id", "sha256", "bytes", "attempts", "status", "error_code", "error"}`` plus
``hint``, ``request_id`` and, for ``upload``, ``resumed`` or ``already_stored``);
progress on stderr in text mode. A catalogue error becomes a line per file, a bug one
UNEXPECTED_ERROR line (its traceback in the log), never a traceback on the terminal.
Hints are the catalogue's command-line advice (``errors.advice(cli=True)``: "run `retry
--all-failed`", never the window's buttons). A closed stdout (``jobs --json | head -1``)
ends the command quietly (``cli.py``).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from desktop_app.errors import SERVER_WAIT_CODES, AppError, advice, unexpected
from desktop_app.jobs.model import STATE_LABELS, Event, Job, JobAttempt, JobChanged, JobState

if TYPE_CHECKING:
    from desktop_app.jobs.manager import JobManager
    from desktop_app.jobs.store import JobStore

log = logging.getLogger(__name__)
S = JobState


def print_record(args: argparse.Namespace, record: dict[str, Any]) -> None:
    if getattr(args, "json", False):
        print(json.dumps(record), flush=True)
    elif record["ok"]:
        note = " (already stored)" if record.get("already_stored") else ""
        print(f"{record['file']}: done{note}, video {record['video_id']}, "
              f"sha256 {record['sha256']}", flush=True)
    else:
        hint = f" {record['hint']}" if record.get("hint") else ""
        print(f"{record['file']}: failed ({record['error_code']}): {record['error']}{hint}",
              flush=True)


def error_record(file: str, err: AppError) -> dict[str, Any]:
    return {"file": file, "ok": False, "job_id": None, "video_id": None, "sha256": None,
            "bytes": None, "attempts": 0, "status": "failed", "error_code": err.code,
            "error": err.message, "request_id": err.request_id,
            # a command ends here: an outage it met is one it gave up waiting out
            "hint": advice(err.code, cli=True, field=err.field,
                           gave_up=err.code in SERVER_WAIT_CODES)}


def job_record(store: JobStore, job: Job, file: str | None = None, **extra: Any) -> dict[str, Any]:
    retries = sum(1 for h in store.history(job.job_id) if h["kind"] == "attempt")
    f = job.failure
    # a failed job with a code it would wait on has given up waiting (jobs/waits.py)
    hint = advice(f.error_code, cli=True, field=f.field,
                  gave_up=f.error_code in SERVER_WAIT_CODES) if f else None
    return {"file": file or job.path, "ok": job.state is S.DONE, "job_id": job.job_id,
            "video_id": job.video_id, "sha256": job.server_sha256 or job.sha256,
            "bytes": job.size if job.size >= 0 else None,
            "attempts": max(1 + retries, f.attempts if f else 0), "status": job.state.value,
            "error_code": f.error_code if f else None, "error": f.message if f else None,
            "hint": hint, "request_id": f.request_id if f else None, **extra}


def progress_printer(args: argparse.Namespace) -> Callable[[Event], None] | None:
    """Text mode: state changes and retried attempts on stderr, so a long run is not
    silent (stdout keeps one result line per file). JSON mode prints nothing extra."""
    if getattr(args, "json", False):
        return None
    names: dict[str, str] = {}

    def on_event(event: Event) -> None:
        if isinstance(event, JobChanged) and event.job.state is not S.QUEUED:
            names[event.job.job_id] = event.job.file_name
            print(f"{event.job.file_name}: {STATE_LABELS[event.job.state]}", file=sys.stderr,
                  flush=True)
        elif isinstance(event, JobAttempt):
            print(f"{names.get(event.job_id, event.job_id)}: attempt {event.attempt} of "
                  f"{event.max_attempts} failed ({event.error_code}); next in "
                  f"{event.delay_s:.1f} s", file=sys.stderr, flush=True)

    return on_event


def guard(args: argparse.Namespace, files: list[str], fn: Callable[[], int]) -> int:
    """The CLI's worker boundary: catalogue errors become per-file lines, a bug one line."""
    from desktop_app.jobs.log import setup_logging

    setup_logging()
    try:
        return int(fn())
    except AppError as err:
        failure = err
    except BrokenPipeError:
        raise  # stdout was closed: nothing to print to (cli.py ends quietly)
    except Exception as exc:
        log.exception("unexpected error in the %s command", args.command)
        failure = unexpected(exc)
    for file in files or [""]:
        print_record(args, error_record(file, failure))
    return 1


def run_until_idle(manager: JobManager, ids: set[str], retry_ids: Iterable[str] = ()) -> None:
    """Run these jobs (retrying ``retry_ids``) until each is finished or paused. The wait
    ends too once nothing has moved for far past the give-up deadline: the jobs still
    unfinished then are stuck, and fail with the cause they met, rather than hang."""
    try:
        manager.start(resume_only=ids)
        for job_id in retry_ids:
            manager.retry(job_id)
        if not manager.wait_idle(ids):
            manager.give_up(ids)
    finally:  # also on Ctrl-C: running stages stop and their jobs stay queued
        manager.shutdown()
