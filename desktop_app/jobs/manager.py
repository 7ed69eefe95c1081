"""The job manager: owns the stage pools and every job's life after it is queued.

    manager = JobManager(store, backend, on_event=callback, server_key=url,
                         analysis_workers=None, upload_workers=2, interactive=True)
    manager.start()                      # resumes whatever the store says was in flight
    manager.add_files(["/v/a.mp4"], user_id="alice", session_title="Beach day")
    manager.submit(files, Request(...), force=False)   # the same, saying per file what it did
    ...
    manager.shutdown()                   # within ~1 s; unfinished jobs stay queued

Adding a file the store already knows continues its job (``known.py``). Stages run on
three pools: check (the quick checks, as many workers as cores), upload
(``upload_workers``, default 2) and processing (server-side, polled); beside the
upload, a job's sha256 and analysis run on two more (``beside.py``: one hashing,
``analysis_workers`` decoding, default one per core), from the moment its checks pass.
Each worker moves its job with ``store.transition`` (committed before an event
says so), so whatever happens to the process, the store says where each job is
and ``start()`` carries on from there: a job found mid-upload resumes from the
server's offset with its stored upload URL and idempotency key, so nothing is
ever uploaded twice, and its analysis starts again from the beginning (unless it
was stored). Jobs another live process is running (the window beside a
CLI run) are left to it (``ownership.py``); a crashed one's are taken over.

In the window as in the CLI, a job that meets an outage (an open breaker, a server that
refuses or does not answer, a full server disk) waits (``WAITING_SERVER``) and continues
when the server is back; the batch gives up only after ``give_up_after_s`` with no
progress at all (``giveup.py``; None: never, the window's default), each job then failing
with the cause it met. ``interactive`` is the GUI's mode for sign-in: a job that hits an
expired sign-in waits (``WAITING_SIGN_IN``) for ``sign_in_completed()``; non-interactive
(the CLI) fails it with ``TOKEN_EXPIRED``; it stays retryable.

``duplicate_check_wait_s`` (the setting): how long an upload's first byte waits for its
sha256, so that a file the server already has sends nothing (``duplicates.py``); a
sha256 known later is checked then, and a hit stops the upload.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import replace

from desktop_app.errors import AppError
from desktop_app.files import FileIdentity
from desktop_app.jobs import batch, ownership
from desktop_app.jobs.api import EventCallback
from desktop_app.jobs.backend import Backend
from desktop_app.jobs.beside import SideWork
from desktop_app.jobs.bundle import export_support_bundle
from desktop_app.jobs.control import test_hook
from desktop_app.jobs.duplicates import Duplicates
from desktop_app.jobs.failures import FailureHandler
from desktop_app.jobs.giveup import ProgressClock
from desktop_app.jobs.known import (
    Added,
    Request,
    corrections,
    known_job,
    run_again,
    still_stored,
)
from desktop_app.jobs.lifecycle import WAITING, Lifecycle
from desktop_app.jobs.log import setup_logging
from desktop_app.jobs.model import Event, Job, JobAdded, JobChanged, JobRemoved, JobState, Stage
from desktop_app.jobs.monitor import Monitor
from desktop_app.jobs.ownership import RunnerClaim
from desktop_app.jobs.pools import Scheduler, StagePool, Throttle
from desktop_app.jobs.stages import StageRunner
from desktop_app.jobs.store import JobStore
from desktop_app.jobs.uploadhold import UploadHold
from desktop_app.jobs.waits import Waits
from desktop_app.settings import DUPLICATE_CHECK_WAIT_S

log = logging.getLogger(__name__)
S = JobState


class JobManager:
    """Implements ``jobs.api.JobManagerAPI``."""

    def __init__(self, store: JobStore, backend: Backend, *,
                 on_event: EventCallback | None = None, server_key: str | None = None,
                 analysis_workers: int | None = None, upload_workers: int = 2,
                 process_workers: int = 4, interactive: bool = True,
                 processing_timeout_s: float = 600.0,
                 default_user_id: str = "", default_session_id: str = "",
                 give_up_after_s: float | None = None,
                 duplicate_check_wait_s: float = DUPLICATE_CHECK_WAIT_S,
                 hook: Callable[[str, str], None] | None = None) -> None:
        self.store = store
        self.backend = backend
        self.server_key = server_key or backend.base_url
        self.interactive = interactive
        self.default_user_id = default_user_id
        self.default_session_id = default_session_id
        self.claim = RunnerClaim(store.path.parent / "runners")
        self.progress = ProgressClock(give_up_after_s)
        self._front = on_event
        self.life = Lifecycle(store, self._on_event, runner=self.claim.instance,
                              on_progress=self.progress.progress,
                              on_activity=self.progress.activity)
        self.monitor = Monitor(self.life.emit)
        self.throttle = Throttle(10.0)
        self.scheduler = Scheduler()
        self.waits = Waits(self.life, backend, self.scheduler, self.monitor, self.progress)
        failures = self.failures = FailureHandler(self.life, self.waits, backend, self.monitor,
                                                  interactive=interactive)
        self.waits.on_give_up = failures.give_up
        cores = os.cpu_count() or 1
        duplicates = Duplicates(self.life, backend)
        self.side = SideWork(self.life, failures, backend, self.throttle, duplicates,
                             analysis_workers=analysis_workers or cores, hook=hook or test_hook)
        self.runner = StageRunner(self.life, backend, self.waits, failures, self.monitor,
                                  self.throttle, self.side, duplicates, hook=hook,
                                  processing_timeout_s=processing_timeout_s,
                                  duplicate_check_wait_s=duplicate_check_wait_s)
        check = StagePool("check", cores, self.runner.check)
        self.pools = {
            # ANALYSE: a job whose analysis failed (a retry checks it again), or one an
            # older version left between analysis and upload.
            Stage.VALIDATE: check, Stage.ANALYSE: check,
            Stage.UPLOAD: StagePool("upload", upload_workers, self.runner.upload),
            Stage.PROCESS: StagePool("process", process_workers, self.runner.process),
        }
        backend.set_breaker_listener(self.waits.breaker_changed)
        self.upload_hold = UploadHold(self.life, self.pools[Stage.UPLOAD], self.server_key)
        # bytes the server stored are progress; any answer from it shows it is working
        backend.set_progress_listeners(stored=self.progress.progress,
                                       answered=self.progress.activity)
        self._started = False

    def _on_event(self, event: Event) -> None:
        if isinstance(event, JobChanged):  # every move: side work stops with its job
            self.side.job_moved(event.job)
        if self._front is not None:
            self._front(event)

    def _distinct_pools(self) -> list[StagePool]:
        return list({id(p): p for p in self.pools.values()}.values()) + self.side.pools

    # ---- lifecycle --------------------------------------------------------------------

    def start(self, *, resume_only: set[str] | None = None) -> None:
        """Start the pools and resume every job the store says was not finished
        (for this server; only ``resume_only`` when given, as the CLI does)."""
        if self._started:
            return
        self._started = True
        setup_logging()  # idempotent: the CLI may have set it up already
        self.progress.progress()  # the give-up deadline counts from here
        self.claim.acquire()
        self.scheduler.start()
        for pool in self._distinct_pools():
            pool.start()
        self.life.start(self.pools)
        for job in self.store.jobs(server_url=self.server_key):
            if resume_only is not None and job.job_id not in resume_only:
                continue
            if job.state.finished or job.state is S.PAUSED or not self._take_over(job):
                continue
            if job.state.active or job.state in WAITING - {S.QUEUED}:
                moved = self.life.try_move(job.job_id, S.QUEUED, note="resumed after restart")
                if moved is None:
                    continue
                job = moved
                log.info("resuming job %s at stage %s", job.job_id, job.stage,
                         extra={"job_id": job.job_id, "file": job.path})
            if job.state is S.QUEUED:
                if job.stage is Stage.UPLOAD:
                    self.side.begin(job)  # its passes start now, not when its upload does
                self.life.enqueue(job)

    def shutdown(self, wait: bool = True) -> None:
        self.life.close()
        self.side.stop_all()
        pools = self._distinct_pools()
        for pool in pools:
            pool.stop(wait=False)
        if wait:
            for pool in pools:
                pool.stop(wait=True)
        self.scheduler.stop()
        self.backend.close()
        if wait:  # with wait=False workers may still touch the jobs: keep them ours
            self.claim.release()

    @property
    def closing(self) -> bool:
        return self.life.closing

    # ---- queueing ---------------------------------------------------------------------

    def add_files(self, paths: Iterable[str], *, user_id: str | None = None,
                  session_id: str | None = None, session_title: str | None = None,
                  recorded_at: str | None = None, batch_title: str | None = None) -> list[Job]:
        """The window's way in: ``submit`` where an unreadable file still gets a job (it
        fails in validation, where the user sees why and can re-select it)."""
        request = Request(user_id, session_id, session_title, recorded_at)
        added = self.submit(paths, request, batch_title=batch_title, queue_unreadable=True)
        return [a.job for a in added if a.job is not None]

    def submit(self, files: Iterable[str], request: Request | None = None, *,
               batch_title: str | None = None, force: bool = False,
               queue_unreadable: bool = False) -> list[Added]:
        """Add files for upload, one ``Added`` per name, in order (a file named twice is
        one job). A file the store knows continues its job (``known.py``) unless
        ``force``, which also skips the server's duplicate check (``duplicates.py``); new jobs are committed before this returns. New jobs without a session
        share one: ``batch_title``, else ``batch.batch_title()``."""
        request = request or Request()
        user = request.user_id or self.default_user_id or self._signed_in_user()
        session = request.session_id or ("" if request.session_title
                                         else self.default_session_id)
        title = request.session_title or ("" if session else
                                          batch_title or batch.batch_title())
        names = [(file, os.path.abspath(file)) for file in files]
        idents: dict[str, FileIdentity | AppError] = {}
        for _, path in names:
            if path not in idents:  # the same file named twice is one job
                idents[path] = _identity(path, queue_unreadable)
        stored = {} if force else self.store.find_many(
            [(i.path, i.size, i.mtime_ns) for i in idents.values()
             if isinstance(i, FileIdentity) and i.size >= 0], self.server_key)
        outcome: dict[str, Added] = {}
        new: list[Job] = []
        for path, ident in idents.items():
            if isinstance(ident, AppError):
                outcome[path] = Added(path, None, error=ident)
                continue
            known = known_job(stored.get((ident.path, ident.size, ident.mtime_ns), []),
                              request, user, session)
            if known is not None:
                outcome[path] = Added(path, self._continue(known, request), known=True)
            else:
                new.append(replace(self._job(ident, request, session, title),
                                   force_upload=force))
        queued = {job.path: Added(job.path, job) for job in self.queue_many(new)}
        return [replace(outcome.get(path) or queued[path], file=file) for file, path in names]

    def upload_anyway(self, job_id: str) -> Job | None:
        """The user wants a new upload of a file found "Already on the server": a new job
        for it with the same parameters, sent without asking the server (``force``); the
        old record gives way to it. None when the file cannot be read now."""
        job = self.store.get(job_id)
        if job is None:
            return None
        request = Request(job.user_id or None, job.session_id or None,
                          job.session_title or None, job.recorded_at)
        added = self.submit([job.path], request, batch_title=job.session_title or None,
                            force=True)[0]
        if added.job is not None and added.job.job_id != job_id:
            self.remove(job_id)
        return added.job

    def _continue(self, job: Job, request: Request) -> Job:
        """A known job: done when the server still has its video (else run again),
        retried (with the fields this request corrects) when it failed, resumed when
        paused, else left to run."""
        if job.state is S.DONE:
            verdict = still_stored(job, self.backend.client)
            if verdict is True:
                return job
            again = self.life.requeue(job.job_id, {S.DONE}, "run again: the server "
                                      + ("no longer has the video" if verdict is False
                                         else "could not say whether it has the video"),
                                      **run_again(job, verdict))
            return again or job
        if job.state in (S.FAILED, S.CANCELLED):
            self.life.requeue(job.job_id, {S.FAILED, S.CANCELLED}, "retry", attempts=0,
                              **corrections(job, request))
            return self.life.get(job.job_id) or job
        if job.state is S.PAUSED:
            self.resume(job.job_id)
        return job

    def _signed_in_user(self) -> str | None:
        try:
            return self.backend.user_id()
        except AppError:  # not signed in (yet): compare the explicit parameters only
            return None

    def _job(self, ident: FileIdentity, request: Request, session: str, title: str) -> Job:
        return Job(job_id=uuid.uuid4().hex, path=ident.path, size=ident.size,
                   mtime_ns=ident.mtime_ns, server_url=self.server_key,
                   user_id=request.user_id or self.default_user_id, session_id=session,
                   session_title=title, recorded_at=request.recorded_at,
                   idempotency_key=str(uuid.uuid4()))

    def new_job(self, path: str, *, user_id: str | None = None, session_id: str | None = None,
                session_title: str | None = None, recorded_at: str | None = None) -> Job:
        """A job for ``path`` (not yet stored); an unreadable file gets one too."""
        path = os.path.abspath(path)
        try:
            ident = FileIdentity.of(path)
        except AppError:
            ident = FileIdentity(path, -1, -1)
        return self._job(ident, Request(user_id, None, None, recorded_at), session_id or "",
                         session_title or "")

    def queue_many(self, jobs: list[Job]) -> list[Job]:
        """Store the jobs (committed), then announce them, then hand them to workers."""
        jobs = self.store.add_many([replace(job, runner=self.claim.instance) for job in jobs])
        for job in jobs:
            self.life.emit(JobAdded(job))
        for job in jobs:
            self.life.enqueue(job)
        return jobs

    # ---- queries ----------------------------------------------------------------------

    def jobs(self) -> list[Job]:
        return self.store.jobs()

    def get(self, job_id: str) -> Job | None:
        """The job as this run knows it (a failure the store could not record included)."""
        return self.life.get(job_id)

    def history(self, job_id: str) -> list[dict]:
        return self.store.history(job_id)

    # ---- control ----------------------------------------------------------------------

    def pause(self, job_id: str | None = None) -> None:
        for jid in self._targets(job_id):
            self.life.stop(jid, "pause", S.PAUSED)

    def resume(self, job_id: str | None = None) -> None:
        targets = [job_id] if job_id else [j.job_id for j in self.store.jobs(states={S.PAUSED})]
        for jid in targets:
            self.life.requeue(jid, {S.PAUSED}, "resumed")

    def cancel(self, job_id: str) -> None:
        self.life.stop(job_id, "cancel", S.CANCELLED)

    def retry(self, job_id: str) -> None:
        """From the stage that failed, original parameters; a stored upload URL means
        the upload continues from the server's offset. Waiting for the server starts
        afresh: the user asked for another go, it does not give up at once."""
        self.progress.progress()
        self.life.requeue(job_id, {S.FAILED, S.CANCELLED}, "retry", attempts=0)

    def retry_all_failed(self) -> int:
        failed = self.store.jobs(states={S.FAILED})
        for job in failed:
            self.retry(job.job_id)
        return len(failed)

    def remove(self, job_id: str) -> None:
        """Forget the job; a partial upload it leaves on the server is discarded (tus
        termination, in the background): nobody can resume it any more."""
        self.life.ask_to_stop(job_id, "cancel")
        self.side.stop(job_id)
        job = self.store.get(job_id)
        self.store.remove(job_id)
        self.throttle.forget(job_id)
        self.side.forget(job_id)
        self.life.emit(JobRemoved(job_id))
        if job is not None and job.upload_url and not job.video_id:
            self._discard_upload(job_id, self.backend.local_url(job.upload_url) or job.upload_url)

    def _discard_upload(self, job_id: str, url: str) -> None:
        """On the scheduler thread, once the job's worker has let go (a PATCH still
        running would otherwise meet the DELETE); after ~5 s, regardless."""
        def attempt(left: int) -> None:
            if self.life.busy(job_id) and left > 0:
                self.scheduler.at(time.time() + 0.1, lambda: attempt(left - 1))
            else:
                self.backend.client.discard_upload(url)

        self.scheduler.at(time.time(), lambda: attempt(50))

    def reselect(self, job_id: str, new_path: str) -> None:
        """The file as it is now, from the start: new identity, new upload."""
        new_path = os.path.abspath(new_path)
        ident = FileIdentity.of(new_path)
        self.life.requeue(job_id, {S.FAILED, S.CANCELLED, S.PAUSED}, f"re-selected {new_path}",
                          stage=Stage.VALIDATE, path=new_path, size=ident.size,
                          mtime_ns=ident.mtime_ns,
                          analysis=None, sha256=None, upload_url=None, video_id=None,
                          server_sha256=None, bytes_sent=0, attempts=0, reupload_count=0,
                          idempotency_key=str(uuid.uuid4()))

    def sign_in_completed(self) -> None:
        self.waits.sign_in_completed()

    def probe_now(self) -> None:
        self.progress.progress()  # "Retry now": a fresh give-up deadline, as for a retry
        self.backend.probe_now()
        self.waits.wake_waiting_server()

    def network_back(self) -> None:
        """The OS says the network is back (``jobs/handsoff.py``): what sleeps out a
        backoff tries now, and an open breaker is probed now."""
        self.life.wake_sleepers()
        if self.backend.open_probe_at() is not None:
            self.probe_now()

    def export_support_bundle(self, job_id: str, dest: str) -> str:
        return export_support_bundle(self.store, job_id, dest)

    def wait_idle(self, job_ids: Iterable[str], timeout: float | None = None) -> bool:
        """Block until every job in ``job_ids`` is finished (CLI); False on timeout, or
        once nothing has moved for far past the give-up deadline (``give_up`` them then)."""
        return self.life.wait_finished(job_ids, timeout, stalled=self.progress.stalled)

    def give_up(self, job_ids: Iterable[str]) -> None:
        """Fail those of the jobs still unfinished, each with the cause it waited on."""
        for job_id in self.life.unfinished(job_ids):
            self.life.ask_to_stop(job_id, "cancel")
            self.failures.give_up(job_id)

    # ---- internals --------------------------------------------------------------------

    def _targets(self, job_id: str | None) -> list[str]:
        if job_id is not None:
            return [job_id]
        return [j.job_id for j in self.store.jobs() if not j.state.finished
                and j.state is not S.PAUSED]

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


def _identity(path: str, queue_unreadable: bool) -> FileIdentity | AppError:
    """The file's identity; for an unreadable one, why (or, ``queue_unreadable``, a
    placeholder identity: the job fails in validation, saying why, where the user sees it)."""
    try:
        return FileIdentity.of(path)
    except AppError as err:
        return FileIdentity(path, -1, -1) if queue_unreadable else err
