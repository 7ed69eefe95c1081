"""CLI front end on the job pipeline: ``upload``, ``jobs``, ``retry``, ``support-bundle``.

``upload`` prints one line per file (``--json``: one JSON object,
``{"file", "ok", "job_id", "video_id", "sha256", "bytes", "attempts", "status",
"error_code", "error"}`` plus ``hint``, ``request_id``, ``resumed``,
``already_stored``). Exit 0 when every file is stored, 1 when any failed, 2 for
bad usage. Re-running ``upload`` on the same files (same path, size, mtime and
server) resumes their unfinished jobs, retries their failed ones from the stage
that failed, and reports files already stored as done without sending them
again; ``--force`` uploads anew.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from collections.abc import Iterable
from typing import Any

from desktop_app import settings as settings_mod
from desktop_app.errors import AppError, unexpected
from desktop_app.files import FileIdentity
from desktop_app.jobs.bundle import export_support_bundle
from desktop_app.jobs.connect import Connection, connect, read_password
from desktop_app.jobs.control import test_hook
from desktop_app.jobs.log import setup_logging
from desktop_app.jobs.manager import JobManager, default_store
from desktop_app.jobs.model import STATE_LABELS, Event, Job, JobAttempt, JobChanged, JobState
from desktop_app.jobs.store import JobStore

log = logging.getLogger(__name__)
S = JobState


def _print(args: argparse.Namespace, record: dict[str, Any]) -> None:
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


def _error_record(file: str, err: AppError) -> dict[str, Any]:
    return {"file": file, "ok": False, "job_id": None, "video_id": None, "sha256": None,
            "bytes": None, "attempts": 0, "status": "failed", "error_code": err.code,
            "error": err.message, "hint": err.hint, "request_id": err.request_id}


def job_record(store: JobStore, job: Job, file: str | None = None, **extra: Any) -> dict[str, Any]:
    retries = sum(1 for h in store.history(job.job_id) if h["kind"] == "attempt")
    f = job.failure
    return {"file": file or job.path, "ok": job.state is S.DONE, "job_id": job.job_id,
            "video_id": job.video_id, "sha256": job.server_sha256 or job.sha256,
            "bytes": job.size if job.size >= 0 else None,
            "attempts": max(1 + retries, f.attempts if f else 0), "status": job.state.value,
            "error_code": f.error_code if f else None, "error": f.message if f else None,
            "hint": f.hint if f else None, "request_id": f.request_id if f else None, **extra}


def _connect_from(args: argparse.Namespace, server: str | None) -> Connection:
    return connect(server, username=args.username, password=read_password(args),
                   token=args.token, attempts=getattr(args, "attempts", None),
                   chunk_size=getattr(args, "chunk_size", None),
                   limit_kbps=getattr(args, "limit_kbps", None))


def _progress_printer(args: argparse.Namespace) -> Any:
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


def _manager(store: JobStore, conn: Connection, args: argparse.Namespace,
             **kw: Any) -> JobManager:
    settings = settings_mod.load()
    return JobManager(store, conn.backend, server_key=conn.server_key, interactive=False,
                      on_event=_progress_printer(args),
                      upload_workers=settings.parallel_uploads,
                      analysis_workers=settings.parallel_analyses or None, **kw)


def _guard(args: argparse.Namespace, files: list[str], fn: Any) -> int:
    """The CLI's worker boundary: catalogue errors become per-file lines, a bug one line."""
    setup_logging()
    try:
        return int(fn())
    except AppError as err:
        for file in files or [""]:
            _print(args, _error_record(file, err))
        return 1
    except Exception as exc:
        log.exception("unexpected error in the %s command", args.command)
        err = unexpected(exc)
        for file in files or [""]:
            _print(args, _error_record(file, err))
        return 1


def _same_request(job: Job, args: argparse.Namespace, me: str | None) -> bool:
    """Whether a stored job for this file is the upload this command asks for.

    Running the same command again resumes (or reports) its job. A different
    ``--user-id`` (no flag means the signed-in user, ``me``), ``--session``,
    ``--session-title`` or ``--recorded-at`` asks for another upload: it gets a new
    job and the old one keeps its record (a job refused FORBIDDEN for the wrong user
    id must not swallow the corrected command). A job not yet uploading has no user
    id of its own (empty until the upload stage resolves it) and matches any.
    """
    user = args.user_id or me
    if user and job.user_id and job.user_id != user:
        return False
    if (job.recorded_at or None) != (args.recorded_at or None):
        return False
    if args.session and job.session_id != args.session:
        return False
    return not (args.session_title and job.session_title != args.session_title)


def _signed_in_user(conn: Connection) -> str | None:
    try:
        return conn.backend.user_id()
    except AppError:  # not signed in yet: compare the explicit parameters only
        return None


def _run_until_idle(manager: JobManager, ids: set[str], retry_ids: Iterable[str]) -> None:
    """Run these jobs (retrying ``retry_ids``) until each is finished or waiting."""
    try:
        manager.start(resume_only=ids)
        for job_id in retry_ids:
            manager.retry(job_id)
        manager.wait_idle(ids)
    finally:  # also on Ctrl-C: running stages stop and their jobs stay queued
        manager.shutdown()


def run_upload(args: argparse.Namespace) -> int:
    return _guard(args, list(args.files), lambda: _upload(args))


def _upload(args: argparse.Namespace) -> int:
    store = default_store()
    conn = _connect_from(args, args.server)
    try:
        manager = _manager(store, conn, args, default_user_id=args.user_id or "")
        planned: list[tuple[str, str | None, dict[str, Any] | None]] = []
        to_retry: list[str] = []
        new_jobs: list[Job] = []
        seen: dict[str, str | None] = {}  # the same file named twice is one job
        me = _signed_in_user(conn)
        for file in args.files:
            path = os.path.abspath(file)
            if path in seen and seen[path] is not None:
                planned.append((file, seen[path], {"resumed": False}))
                continue
            try:
                ident = FileIdentity.of(path)
            except AppError as err:
                planned.append((file, None, _error_record(file, err)))
                continue
            existing = [] if args.force else store.find(path=path, size=ident.size, mtime_ns=ident.mtime_ns,
                                                        server_url=conn.server_key)
            existing = [j for j in existing if _same_request(j, args, me)]
            done = next((j for j in existing if j.state is S.DONE), None)
            if done is not None:
                planned.append((file, None, job_record(store, done, file, already_stored=True)))
                continue
            if existing:  # the newest job for this file: resume or retry it
                job = existing[0]
                if job.state in (S.FAILED, S.CANCELLED):
                    to_retry.append(job.job_id)
                elif job.state is S.PAUSED:
                    manager.resume(job.job_id)
                planned.append((file, job.job_id, {"resumed": True}))
                continue
            job = manager.new_job(path, user_id=args.user_id, session_id=args.session,
                                  session_title=args.session_title, recorded_at=args.recorded_at)
            new_jobs.append(job)
            seen[path] = job.job_id
            planned.append((file, job.job_id, {"resumed": False}))
        if new_jobs and not args.session and not args.session_title:
            batch_title = time.strftime("Upload %Y-%m-%d %H:%M")  # one session per run
            for job in new_jobs:
                job.session_title = batch_title
        manager.queue_many(new_jobs)  # committed before anything is reported
        ids = {jid for _, jid, _ in planned if jid}
        test_hook("queued", ",".join(sorted(ids)))
        _run_until_idle(manager, ids, to_retry)
        failed = 0
        for file, job_id, extra in planned:
            if job_id is None:
                record = extra or {}
            else:
                job = store.get(job_id)
                record = job_record(store, job, file, **(extra or {})) if job else {}
            failed += not record.get("ok")
            _print(args, record)
        return 1 if failed else 0
    finally:
        conn.close()


def run_jobs(args: argparse.Namespace) -> int:
    def body() -> int:
        store = default_store()
        jobs = store.jobs(states={S.FAILED} if args.failed else None)
        for job in jobs:
            record = job_record(store, job)
            record.update(stage=job.stage.value, server=job.server_url,
                          upload_url_stored=bool(job.upload_url))
            if args.json:
                print(json.dumps(record), flush=True)
            else:
                why = f"  {record['error_code']}: {record['error']}" if job.failure else ""
                print(f"{job.job_id}  {job.state.value:<14} {job.stage.value:<8} "
                      f"{job.path}{why}", flush=True)
        return 0

    return _guard(args, [], body)


def run_retry(args: argparse.Namespace) -> int:
    return _guard(args, [], lambda: _retry(args))


def _retry(args: argparse.Namespace) -> int:
    store = default_store()
    if args.all_failed:
        targets = store.jobs(states={S.FAILED})
    else:
        targets = []
        for job_id in args.job_ids:
            job = store.get(job_id)
            if job is None:
                _print(args, _error_record(job_id, AppError(
                    "INVALID_REQUEST", f"no job {job_id}",
                    message=f"There is no job {job_id} in the queue.")))
                return 1
            targets.append(job)
    if not targets:
        if not args.json:
            print("No failed jobs to retry.")
        return 0
    servers = {j.server_url for j in targets}
    server = args.server
    if server is None and len(servers) > 1:
        raise AppError("INVALID_REQUEST", "jobs for several servers; pass --server",
                       message="These jobs belong to different servers; retry them one "
                       "server at a time with --server.")
    conn = _connect_from(args, server or servers.pop())
    try:
        manager = _manager(store, conn, args)
        ids = {j.job_id for j in targets}
        _run_until_idle(manager, ids, ids)
        failed = 0
        for job in targets:
            now = store.get(job.job_id)
            record = job_record(store, now) if now else {}
            failed += not record.get("ok")
            _print(args, record)
        return 1 if failed else 0
    finally:
        conn.close()


def run_support_bundle(args: argparse.Namespace) -> int:
    def body() -> int:
        path = export_support_bundle(default_store(), args.job_id, args.output)
        print(path)
        return 0

    try:
        setup_logging()
        return body()
    except AppError as err:
        print(f"error ({err.code}): {err.message}", file=sys.stderr)
        return 1
