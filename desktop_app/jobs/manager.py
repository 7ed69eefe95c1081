"""The job manager: owns the stage pools and every job's life after it is queued.

    manager = JobManager(store, backend, on_event=callback, server_key=url,
                         analysis_workers=None, upload_workers=2, interactive=True)
    manager.start()                      # resumes whatever the store says was in flight
    manager.add_files(["/v/a.mp4"], user_id="alice", session_title="Beach day")
    ...
    manager.shutdown()                   # within ~1 s; unfinished jobs stay queued

Stages run on three pools: validate+analyse (CPU, as many workers as cores),
upload (``upload_workers``, default 2) and processing (server-side, polled).
Each worker moves its job with ``store.transition`` (committed before an event
says so), so whatever happens to the process, the store says where each job is
and ``start()`` carries on from there: a job found mid-upload resumes from the
server's offset with its stored upload URL and idempotency key, so nothing is
ever uploaded twice. Jobs another live process is running (the window beside a
CLI run) are left to it (``ownership.py``); a crashed one's are taken over.

``interactive`` is the GUI's mode: a job that hits an open breaker waits
(``WAITING_SERVER``) until the probe is due, one that hits an expired sign-in
waits (``WAITING_SIGN_IN``) for ``sign_in_completed()``. Non-interactive (the
CLI) fails those jobs with ``CIRCUIT_OPEN`` / ``TOKEN_EXPIRED``; they stay
retryable.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from desktop_app.jobs import integrity, ownership
from desktop_app.jobs.api import EventCallback
from desktop_app.jobs.backend import Backend
from desktop_app.jobs.bundle import export_support_bundle
from desktop_app.jobs.control import Control
from desktop_app.jobs.log import setup_logging
from desktop_app.jobs.model import (
    Event,
    Job,
    JobAdded,
    JobChanged,
    JobRemoved,
    JobState,
    Stage,
)
from desktop_app.jobs.monitor import Monitor
from desktop_app.jobs.ownership import RunnerClaim
from desktop_app.jobs.pools import Scheduler, StagePool, Throttle
from desktop_app.jobs.stages import StageRunner
from desktop_app.jobs.store import IllegalTransition, JobStore
from desktop_app.jobs.waits import Waits

log = logging.getLogger(__name__)
S = JobState
_WAITING = {S.QUEUED, S.WAITING_RETRY, S.WAITING_SERVER, S.WAITING_SIGN_IN}


class JobManager:
    """Implements ``jobs.api.JobManagerAPI``."""

    def __init__(self, store: JobStore, backend: Backend, *,
                 on_event: EventCallback | None = None, server_key: str | None = None,
                 analysis_workers: int | None = None, upload_workers: int = 2,
                 process_workers: int = 4, interactive: bool = True,
                 processing_timeout_s: float = 600.0,
                 default_user_id: str = "", default_session_id: str = "",
                 hook: Callable[[str, str], None] | None = None) -> None:
        self.store = store
        self.backend = backend
        self.server_key = server_key or backend.base_url
        self.interactive = interactive
        self.default_user_id = default_user_id
        self.default_session_id = default_session_id
        self._on_event = on_event or (lambda event: None)
        self._lock = threading.RLock()
        self._controls: dict[str, Control] = {}
        # pause/cancel asked of a running stage: outlives that stage, so a stage that
        # finishes before it notices hands the request on to the next one.
        self._requested: dict[str, str] = {}
        self._closing = False
        self._finished = threading.Condition()
        self.monitor = Monitor(self._emit)
        self.throttle = Throttle(10.0)
        self.scheduler = Scheduler()
        self.waits = Waits(self)
        self.runner = StageRunner(self, hook=hook, processing_timeout_s=processing_timeout_s)
        cores = os.cpu_count() or 1
        self.pools = {
            "analyse": StagePool("analyse", analysis_workers or cores, self.runner.analyse),
            "upload": StagePool("upload", upload_workers, self.runner.upload),
            "process": StagePool("process", process_workers, self.runner.process),
        }
        backend.set_breaker_listener(self.waits.breaker_changed)
        self._started = False
        self.claim = RunnerClaim(store.path.parent / "runners")

    # ---- lifecycle --------------------------------------------------------------------

    def start(self, *, resume_only: set[str] | None = None) -> None:
        """Start the pools and resume every job the store says was not finished
        (for this server; only ``resume_only`` when given, as the CLI does)."""
        if self._started:
            return
        self._started = True
        setup_logging()  # idempotent: the CLI may have set it up already
        self.claim.acquire()
        self.scheduler.start()
        for pool in self.pools.values():
            pool.start()
        for job in self.store.jobs(server_url=self.server_key):
            if resume_only is not None and job.job_id not in resume_only:
                continue
            if job.state.finished or job.state is S.PAUSED or not self._take_over(job):
                continue
            if job.state.active or job.state in _WAITING - {S.QUEUED}:
                try:
                    job = self._move(job.job_id, S.QUEUED, note="resumed after restart")
                except IllegalTransition:
                    continue
                log.info("resuming job %s at stage %s", job.job_id, job.stage,
                         extra={"job_id": job.job_id, "file": job.path})
            if job.state is S.QUEUED:
                self._enqueue(job)

    def shutdown(self, wait: bool = True) -> None:
        with self._lock:
            self._closing = True
            controls = list(self._controls.values())
        for control in controls:
            control.stop("shutdown")
        for pool in self.pools.values():
            pool.stop(wait=False)
        if wait:
            for pool in self.pools.values():
                pool.stop(wait=True)
        self.scheduler.stop()
        self.backend.close()
        if wait:  # with wait=False workers may still touch the jobs: keep them ours
            self.claim.release()

    @property
    def closing(self) -> bool:
        return self._closing

    # ---- queueing ---------------------------------------------------------------------

    def add_files(self, paths: Iterable[str], *, user_id: str | None = None,
                  session_id: str | None = None, session_title: str | None = None,
                  recorded_at: str | None = None) -> list[Job]:
        session_id = session_id or ("" if session_title else self.default_session_id)
        if not session_id and not session_title:
            # One session per batch, created on first upload (see StageRunner.session_for).
            session_title = time.strftime("Upload %Y-%m-%d %H:%M")
        jobs = [self.new_job(path, user_id=user_id, session_id=session_id,
                             session_title=session_title, recorded_at=recorded_at)
                for path in paths]
        return self.queue_many(jobs)

    def new_job(self, path: str, *, user_id: str | None = None, session_id: str | None = None,
                session_title: str | None = None, recorded_at: str | None = None) -> Job:
        """A job for ``path`` (not yet stored). A file that vanished before it was queued
        still gets a job, which fails in validation with FILE_NOT_FOUND."""
        path = os.path.abspath(path)
        try:
            size, mtime_ns = integrity.file_identity(path)
        except Exception:
            size, mtime_ns = -1, -1
        return Job(job_id=uuid.uuid4().hex, path=path, size=size, mtime_ns=mtime_ns,
                   server_url=self.server_key, user_id=user_id or self.default_user_id,
                   session_id=session_id or "", session_title=session_title or "",
                   recorded_at=recorded_at, idempotency_key=str(uuid.uuid4()))

    def queue(self, job: Job) -> Job:
        return self.queue_many([job])[0]

    def queue_many(self, jobs: list[Job]) -> list[Job]:
        """Store the jobs (committed), then announce them, then hand them to workers."""
        jobs = self.store.add_many([replace(job, runner=self.claim.instance) for job in jobs])
        for job in jobs:
            self._emit(JobAdded(job))
        for job in jobs:
            self._enqueue(job)
        return jobs

    def _enqueue(self, job: Job) -> None:
        with self._lock:
            if self._closing:
                return
        self.waits.batch_add(job.job_id)
        if self.waits.sign_in_pending and job.stage in (Stage.UPLOAD, Stage.PROCESS) \
                and self.interactive:
            self.waits.park_for_sign_in(job.job_id)
            return
        pool = {Stage.VALIDATE: "analyse", Stage.ANALYSE: "analyse", Stage.UPLOAD: "upload",
                Stage.PROCESS: "process"}.get(job.stage)
        if pool is not None and self._started:
            self.pools[pool].submit(job.job_id)

    # ---- queries ----------------------------------------------------------------------

    def jobs(self) -> list[Job]:
        return self.store.jobs()

    def get(self, job_id: str) -> Job | None:
        return self.store.get(job_id)

    def history(self, job_id: str) -> list[dict]:
        return self.store.history(job_id)

    # ---- control ----------------------------------------------------------------------

    def pause(self, job_id: str | None = None) -> None:
        for jid in self._targets(job_id):
            self._stop_or_move(jid, "pause", S.PAUSED)

    def resume(self, job_id: str | None = None) -> None:
        targets = [job_id] if job_id else [j.job_id for j in self.store.jobs(states={S.PAUSED})]
        for jid in targets:
            self._requeue(jid, {S.PAUSED}, "resumed")

    def cancel(self, job_id: str) -> None:
        self._stop_or_move(job_id, "cancel", S.CANCELLED)

    def retry(self, job_id: str) -> None:
        """From the stage that failed, original parameters; a stored upload URL means
        the upload continues from the server's offset."""
        self._requeue(job_id, {S.FAILED, S.CANCELLED}, "retry", attempts=0)

    def retry_all_failed(self) -> int:
        failed = self.store.jobs(states={S.FAILED})
        for job in failed:
            self.retry(job.job_id)
        return len(failed)

    def remove(self, job_id: str) -> None:
        """Forget the job; a partial upload it leaves on the server is discarded (tus
        termination, in the background): nobody can resume it any more."""
        control = self._controls.get(job_id)
        if control is not None:
            control.stop("cancel")
        job = self.store.get(job_id)
        self.store.remove(job_id)
        self.throttle.forget(job_id)
        self._emit(JobRemoved(job_id))
        if job is not None and job.upload_url and not job.video_id:
            self._discard_upload(job_id, self.backend.local_url(job.upload_url) or job.upload_url)

    def _discard_upload(self, job_id: str, url: str) -> None:
        """On the scheduler thread, once the job's worker has let go (a PATCH still
        running would otherwise meet the DELETE); after ~5 s, regardless."""
        def attempt(left: int) -> None:
            with self._lock:
                busy = job_id in self._controls
            if busy and left > 0:
                self.scheduler.at(time.time() + 0.1, lambda: attempt(left - 1))
            else:
                self.backend.client.discard_upload(url)

        self.scheduler.at(time.time(), lambda: attempt(50))

    def reselect(self, job_id: str, new_path: str) -> None:
        """The file as it is now, from the start: new identity, new upload."""
        new_path = os.path.abspath(new_path)
        size, mtime_ns = integrity.file_identity(new_path)
        self._requeue(job_id, {S.FAILED, S.CANCELLED, S.PAUSED}, f"re-selected {new_path}",
                      stage=Stage.VALIDATE, path=new_path, size=size, mtime_ns=mtime_ns,
                      analysis=None, sha256=None, upload_url=None, video_id=None,
                      server_sha256=None, bytes_sent=0, attempts=0, reupload_count=0,
                      idempotency_key=str(uuid.uuid4()))

    def sign_in_completed(self) -> None:
        self.waits.sign_in_completed()

    def probe_now(self) -> None:
        self.backend.probe_now()
        self.waits.wake_waiting_server()

    def export_support_bundle(self, job_id: str, dest: str) -> str:
        return export_support_bundle(self.store, job_id, dest)

    def wait_idle(self, job_ids: Iterable[str], timeout: float | None = None) -> bool:
        """Block until every job in ``job_ids`` is finished (CLI); False on timeout."""
        ids = set(job_ids)
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._finished:
            while True:
                pending = [j for j in ids if (job := self.store.get(j)) is not None
                           and not job.state.finished
                           and job.state is not S.PAUSED]
                if not pending:
                    return True
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self._finished.wait(0.5 if left is None else min(0.5, left))

    # ---- used by the stage runner -----------------------------------------------------

    def _emit(self, event: Event) -> None:
        try:
            self._on_event(event)
        except Exception:
            log.exception("event callback failed for %s", type(event).__name__)

    def _move(self, job_id: str, to: JobState, **kw: Any) -> Job:
        job = self.store.transition(job_id, to, **kw)
        self._emit(JobChanged(job))
        if to.finished or to is S.PAUSED:
            with self._finished:
                self._finished.notify_all()
            self.waits.job_moved(job)
        return job

    def control_for(self, job_id: str) -> Control:
        with self._lock:
            control = Control()
            reason = "shutdown" if self._closing else self._requested.get(job_id)
            if reason:
                control.stop(reason)
            self._controls[job_id] = control
            return control

    def release(self, job_id: str, control: Control) -> None:
        job = self.store.get(job_id)
        with self._lock:
            # The next stage may already run with its own control: leave that one be.
            if self._controls.get(job_id) is control:
                del self._controls[job_id]
            if job is None or job.state.finished or job.state is S.PAUSED:
                self._requested.pop(job_id, None)  # the request was carried out

    # ---- internals --------------------------------------------------------------------

    def _targets(self, job_id: str | None) -> list[str]:
        if job_id is not None:
            return [job_id]
        return [j.job_id for j in self.store.jobs() if not j.state.finished
                and j.state is not S.PAUSED]

    def _stop_or_move(self, job_id: str, reason: str, target: JobState) -> None:
        with self._lock:
            control = self._controls.get(job_id)
        if control is not None:
            with self._lock:
                self._requested[job_id] = reason
            control.stop(reason)  # the worker moves the job when its stage stops
            return
        try:
            self._move(job_id, target, allowed_from=_WAITING | ({S.PAUSED} if target is
                                                                  S.CANCELLED else set()),
                       note=f"{reason} by user")
        except IllegalTransition:
            with self._lock:
                control = self._controls.get(job_id)
            if control is not None:  # a worker picked it up meanwhile
                with self._lock:
                    self._requested[job_id] = reason
                control.stop(reason)

    def _take_over(self, job: Job) -> bool:
        """Make this manager the job's runner unless a live process runs it."""
        me = self.claim.instance
        if job.runner == me:
            return True
        if ownership.alive(self.claim.directory, job.runner):
            log.info("job %s is being run by another process; leaving it to that one",
                     job.job_id, extra={"job_id": job.job_id, "file": job.path})
            return False
        return self.store.claim(job.job_id, me, expected=job.runner)

    def _requeue(self, job_id: str, allowed: set[JobState], note: str, **changes: Any) -> None:
        with self._lock:
            self._requested.pop(job_id, None)  # resumed / retried: an old request is void
        changes["runner"] = self.claim.instance  # the user asked this window (or run) to
        try:
            job = self._move(job_id, S.QUEUED, allowed_from=allowed, note=note, **changes)
        except IllegalTransition:
            return
        self._enqueue(job)


def default_store(path: str | Path | None = None) -> JobStore:
    from desktop_app import paths

    return JobStore(path or paths.job_db_path())
