"""What the pipeline commands print, and their worker boundary.

One line per file on stdout (``--json``: one JSON object, ``{"file", "ok", "job_id",
"video_id", "sha256", "bytes", "attempts", "status", "error_code", "error"}`` plus
``hint``, ``request_id``, ``already_on_server`` (the server had these bytes: nothing was
sent) and, for ``upload``, ``resumed`` or ``already_stored``);
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

from desktop_app import locale_format
from desktop_app.errors import (
    SERVER_WAIT_CODES,
    AppError,
    advice,
    shown_hint,
    shown_message,
    unexpected,
)
from desktop_app.i18n import _
from desktop_app.jobs.model import (
    STATE_LABELS,
    Event,
    Job,
    JobAttempt,
    JobChanged,
    JobState,
    NetworkChanged,
    WatchedFolderChanged,
)

if TYPE_CHECKING:
    from desktop_app.jobs.manager import JobManager
    from desktop_app.jobs.store import JobStore

log = logging.getLogger(__name__)
S = JobState


def print_record(args: argparse.Namespace, record: dict[str, Any]) -> None:
    if getattr(args, "json", False):
        print(json.dumps(record), flush=True)  # data: English and stable, whatever the language
    else:
        print(human_line(record), flush=True)


def human_line(record: dict[str, Any]) -> str:
    """A result for a person, in their language (the record itself stays English)."""
    if record["ok"]:
        template = (
            _("{file}: done (already on the server: nothing sent), video {video_id}, "
              "sha256 {sha256}") if record.get("already_on_server")
            else _("{file}: done (already stored), video {video_id}, sha256 {sha256}")
            if record.get("already_stored")
            else _("{file}: done, video {video_id}, sha256 {sha256}"))
        return template.format(file=record["file"], video_id=record["video_id"],
                               sha256=record["sha256"])
    code = record["error_code"] or ""
    hint = shown_hint(record.get("hint") or "", code) if record.get("hint") else ""
    line = _("{file}: failed ({code}): {message}").format(
        file=record["file"], code=code, message=shown_message(record["error"] or "", code))
    return f"{line} {hint}" if hint else line


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
            "hint": hint, "request_id": f.request_id if f else None,
            "already_on_server": job.already_on_server, **extra}


def progress_printer(args: argparse.Namespace) -> Callable[[Event], None] | None:
    """Text mode: state changes and retried attempts on stderr, so a long run is not
    silent (stdout keeps one result line per file). JSON mode prints nothing extra."""
    if getattr(args, "json", False):
        return None
    names: dict[str, str] = {}

    def on_event(event: Event) -> None:
        if isinstance(event, JobChanged) and event.job.state is not S.QUEUED:
            names[event.job.job_id] = event.job.file_name
            label = _(STATE_LABELS[event.job.state])
            print(f"{event.job.file_name}: {label}", file=sys.stderr, flush=True)
        elif isinstance(event, JobAttempt):
            print(_("{file}: attempt {attempt} of {max} failed ({code}); next in {seconds} s")
                  .format(file=names.get(event.job_id, event.job_id), attempt=event.attempt,
                          max=event.max_attempts, code=event.error_code,
                          seconds=locale_format.number(event.delay_s, 1)),
                  file=sys.stderr, flush=True)
        elif isinstance(event, NetworkChanged | WatchedFolderChanged):
            print(hands_off_text(event), file=sys.stderr, flush=True)

    return on_event


def hands_off_text(event: NetworkChanged | WatchedFolderChanged) -> str:
    """One line for the terminal about the network or a watched folder."""
    if isinstance(event, WatchedFolderChanged):
        texts = {"watching": _("Watching {path}"),
                 "scanning only": _("Watching {path} (scanning: no change events here)"),
                 "absent": _("{path} is not there (unplugged?): waiting for it"),
                 "paused": _("{path}: paused")}
        return texts.get(event.state, "{path}: " + event.state).format(path=event.path)
    if event.offline:
        return _("Offline - waiting for the network")
    if event.uploads_held:
        return _("Uploads paused: the connection is metered")
    return _("Network back: retrying now") if not event.metered else _("On a metered connection")


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
