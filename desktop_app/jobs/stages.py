"""The work each stage pool does for one job, and the worker boundary around it.

Every stage follows one shape: move the job from QUEUED into its active state
(refused if someone paused or cancelled it meanwhile), check the file is still
the one queued, do the work with the job's ``Control`` (pause/cancel within a
second), store the result, move the job on and hand it to the next pool.
Errors are sorted at one place, ``failures.FailureHandler``. A bug becomes UNEXPECTED_ERROR with its
traceback in the log, never a dead worker.

* check: the quick checks, the ones that decode almost nothing (file system, type
  sniffing, container structure, first frame; the server's type list), then the job
  queues for upload at once and its sha256 and analysis passes start (``beside.py``);
* upload: sends the bytes while those passes run; the first byte waits for the sha256
  at most ``duplicate_check_wait_s`` (so a file the server has sends nothing), the
  finish call for both (it carries the analysis) and for a late duplicate check. A pass
  that fails stops the upload at once: the partial upload is discarded on the server and
  the job fails with the pass's code and message; a late duplicate check that finds the
  video stops it too: the partial upload is discarded and the job is done;
* process: polls the server until it has processed the video, then DONE.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from desktop_app.errors import AppError, unexpected
from desktop_app.jobs import integrity
from desktop_app.jobs.backend import Backend
from desktop_app.jobs.beside import FOUND, SideWork
from desktop_app.jobs.control import Control, Stale, test_hook
from desktop_app.jobs.duplicates import Duplicates
from desktop_app.jobs.failures import FailureHandler
from desktop_app.jobs.lifecycle import Lifecycle
from desktop_app.jobs.log import error_fields
from desktop_app.jobs.model import (
    ConnectionState,
    Job,
    JobAttempt,
    JobProgress,
    JobState,
    Stage,
)
from desktop_app.jobs.monitor import Monitor
from desktop_app.jobs.pools import Throttle
from desktop_app.jobs.store import IllegalTransition, JobNotFound
from desktop_app.jobs.track import Track, shared
from desktop_app.jobs.waits import Waits
from desktop_app.settings import DUPLICATE_CHECK_WAIT_S
from desktop_app.transfer.models import Video
from desktop_app.transfer.retry import AttemptInfo

log = logging.getLogger(__name__)
S = JobState
POLL_S, POLL_MAX_S = 0.25, 2.0  # quick for small clips, gentle on long processing


class StageRunner:
    def __init__(self, life: Lifecycle, backend: Backend, waits: Waits, failures: FailureHandler,
                 monitor: Monitor, throttle: Throttle, side: SideWork,
                 duplicates: Duplicates, *, processing_timeout_s: float,
                 duplicate_check_wait_s: float = DUPLICATE_CHECK_WAIT_S,
                 hook: Callable[[str, str], None] | None = None) -> None:
        self.life = life
        self.store = life.store
        self.backend = backend
        self.waits = waits
        self.failures = failures
        self.monitor = monitor
        self.throttle = throttle
        self.side = side
        self.processing_timeout_s = processing_timeout_s
        self.duplicate_check_wait_s = duplicate_check_wait_s
        self.hook = hook or test_hook
        self._session_lock = threading.Lock()
        self._sessions: dict[tuple[str, str], str] = {}
        self.duplicates = duplicates

    # ---- stages -----------------------------------------------------------------------

    def check(self, job_id: str) -> None:
        self._run(job_id, self._check)

    def upload(self, job_id: str) -> None:
        self._run(job_id, self._upload)

    def process(self, job_id: str) -> None:
        self._run(job_id, self._process)

    def _check(self, job: Job, ctl: Control) -> None:
        # Imported here: cv2 is heavy, and the CLI's `jobs` command never needs it.
        from desktop_app.media.validate import validate_file, validate_job_fields

        job = self._enter(job, S.VALIDATING)
        integrity.check_unchanged(job)
        validate_job_fields(job.user_id or None, job.recorded_at,
                            require_user=bool(job.user_id))
        # File system, extension, content sniffing, container structure, first frame: the
        # full decode, which raises the decoder's codes (corrupt, cut short), runs beside
        # the upload.
        validate_file(job.path, deep=False)
        self.backend.check_file_type(job.path, ctl.token)  # no work spent on a refusal
        job = self.life.move(job.job_id, S.QUEUED, stage=Stage.UPLOAD,
                             allowed_from={S.VALIDATING})
        self.side.begin(job)
        self.life.enqueue(job)

    def _upload(self, job: Job, ctl: Control) -> None:
        track = self.side.attach(job, ctl)  # its sha256 and analysis, started if need be
        try:
            self._send(job, ctl, track)
        except AppError:
            failed = track.take_error()  # a pass failed: that is why the upload stopped
            if failed is None:
                raise
            self.side.discard_upload(job.job_id)
            raise failed from None
        finally:
            self.side.detach(track, ctl)

    def _send(self, job: Job, ctl: Control, track: Track) -> None:
        job = self._enter(job, S.UPLOADING)
        job_id = job.job_id
        integrity.check_unchanged(job)
        backend = self.backend
        user_id = job.user_id or backend.user_id()
        # Up to a moment for the sha256 (and what hash_known does with it) before the
        # first byte; a large file's hash finishes while its bytes go out, and the server
        # is asked then (``beside.SideWork._late_check``: ``late``).
        track.wait_hashed(self.duplicate_check_wait_s, ctl.token)
        late = not job.force_upload and track.check_late(user_id)
        if track.sha256 and track.sha256 != job.sha256:
            job = replace(job, sha256=track.sha256)
        # Known now (all but a large file's): the server may have these bytes already.
        if not late and self.duplicates.finish_if_stored(job, user_id, ctl):
            return
        session_id = job.session_id or self._session_for(job, user_id, ctl)
        if job.session_id != session_id or job.user_id != user_id:
            job = self.store.update(job.job_id, session_id=session_id, user_id=user_id)
        final: dict[str, Any] = {}

        def analysis_now() -> dict[str, Any]:  # the finish call waits for the analysis
            final.update(track.analysis_now(ctl.token))
            return shared(final)

        def sha256_now() -> str:  # the last call before the finish call
            sha256 = track.sha256_now(ctl.token)
            track.before_finish(ctl.token)  # a late duplicate check answered
            return sha256

        hooked = both = False
        sent = 0

        def progress(done: int, total: int) -> None:
            nonlocal hooked, both, sent
            sent = max(sent, done)
            self._back_to(job_id, S.UPLOADING)
            self._progress(job_id, Stage.UPLOAD, done, total)
            if not both and total and done * 4 >= total and done < total and track.analysing:
                both = True
                self.hook("both_running", f"{job_id} sent={done}")
            if not hooked and total and done * 2 >= total and done < total:
                hooked = True
                self.hook("mid_upload", f"{job_id} sent={done}")

        def on_upload_url(url: str) -> None:
            # Persisted the moment it exists: a crash from here on resumes this upload.
            self.store.update(job_id, upload_url=url)

        # Known already (a retry): a small file may then go in one multipart request.
        # A late duplicate check needs a finish call of its own to wait for it: tus.
        ready = not late and not track.analysing and track.hashed.is_set()
        while True:
            try:
                video = backend.client.upload_video(
                    session_id, job.path, user_id=user_id, recorded_at=job.recorded_at,
                    analysis=analysis_now() if ready else analysis_now,
                    idempotency_key=job.idempotency_key,
                    upload_url=backend.local_url(job.upload_url), on_upload_url=on_upload_url,
                    progress=progress, cancel=ctl.token,
                    on_attempt=lambda info: self._attempt(job_id, Stage.UPLOAD, info),
                    local_sha256=sha256_now if late else track.sha256 or sha256_now)
            except AppError as err:
                found = track.take_found(ctl, FOUND)
                if found is not None:  # the late duplicate check stopped it
                    self._found_late(job, found, track.sha256 or "", sent)
                    return
                if err.code != "CHECKSUM_MISMATCH":
                    raise
                if job.reupload_count >= 1:
                    self._discard(err.extra.get("video_id"))
                    raise
                job = self._reupload(job, err)
                continue
            self.hook("after_finish", job.job_id)
            job = self.store.update(job_id, video_id=video.video_id,
                                    server_sha256=video.sha256, bytes_sent=video.bytes,
                                    sha256=video.local_sha256 or job.sha256)
            integrity.check_unchanged(job)  # changed while it was being sent?
            mismatch = integrity.checksum_error(job, video.sha256)
            if mismatch is None:
                break
            if job.reupload_count >= 1:
                self._discard(job.video_id)
                self.store.update(job_id, video_id=None)
                raise mismatch
            job = self._reupload(job, mismatch)
        self.waits.set_connection(ConnectionState.ONLINE)
        self.monitor.record_success()
        stored = {"analysis": final} if final else {}  # with its sha256, for the record
        job = self.life.move(job.job_id, S.QUEUED, stage=Stage.PROCESS,
                             allowed_from={S.UPLOADING, S.WAITING_RETRY}, **stored)
        self.life.enqueue(job)

    def _found_late(self, job: Job, video: Video, sha256: str, sent: int) -> None:
        """The server has the bytes this upload was sending (its sha256 came after the
        first byte): its partial upload is terminated, the job done as for an early hit."""
        self.side.discard_upload(job.job_id)
        try:
            self.duplicates.finish_found(
                job, video, sha256,
                f"{sent} of {job.size} bytes were sent before its checksum was known")
        except IllegalTransition:
            raise Stale() from None

    def _process(self, job: Job, ctl: Control) -> None:
        job = self._enter(job, S.PROCESSING)
        deadline = time.monotonic() + self.processing_timeout_s
        poll = POLL_S
        while True:
            video = self.backend.client.get_video(job.video_id or "", cancel=ctl.token)
            self._back_to(job.job_id, S.PROCESSING)
            if video.status == "processed":
                break
            if video.status == "failed":
                code = video.error_code or "VIDEO_UNPROCESSABLE"
                raise AppError(code, f"server processing failed: {video.error or code}",
                               file=job.path, message=video.error or None)
            if time.monotonic() > deadline:
                raise AppError("PROCESSING_TIMEOUT", f"still processing after "
                               f"{self.processing_timeout_s:.0f} s", file=job.path)
            ctl.token.sleep(poll)
            poll = min(POLL_MAX_S, poll * 1.5)
        mismatch = integrity.checksum_error(job, video.sha256 or job.server_sha256)
        if mismatch is not None:
            raise mismatch
        self.life.move(job.job_id, S.DONE, stage=Stage.DONE,
                       allowed_from={S.PROCESSING, S.WAITING_RETRY})
        log.info("job %s done: video %s", job.job_id, job.video_id,
                 extra={"job_id": job.job_id, "file": job.path, "video_id": job.video_id})

    # ---- helpers ----------------------------------------------------------------------

    def _run(self, job_id: str, stage_fn: Callable[[Job, Control], None]) -> None:
        job = self.store.get(job_id)
        if job is None or job.state is not S.QUEUED or self.life.closing:
            return
        ctl = self.life.control_for(job_id)
        try:
            stage_fn(job, ctl)
        except (Stale, JobNotFound):  # paused meanwhile, or removed by the user
            pass
        except AppError as err:
            self.failures.handle(job_id, err, ctl)
        except Exception as exc:  # a bug: keep the worker, record it, log the traceback
            log.exception("unexpected error in job %s", job_id, extra={"job_id": job_id})
            self.failures.handle(job_id, unexpected(exc), ctl)
        finally:
            self.life.release(job_id, ctl)

    def _enter(self, job: Job, state: JobState) -> Job:
        try:
            return self.life.move(job.job_id, state, allowed_from={S.QUEUED})
        except IllegalTransition:
            raise Stale() from None

    def _back_to(self, job_id: str, state: JobState) -> None:
        """After a retry wait, show the job as active again (first sign of progress)."""
        job = self.store.get(job_id)
        if job is not None and job.state is S.WAITING_RETRY:
            self.life.try_move(job_id, state, allowed_from={S.WAITING_RETRY})

    def _progress(self, job_id: str, stage: Stage, done: int, total: int) -> None:
        emit, rate = self.throttle.check(job_id, done, total)
        if emit:
            eta = (total - done) / rate if rate > 0 else None
            self.life.emit(JobProgress(job_id, stage, done, total, rate, eta))

    def _attempt(self, job_id: str, stage: Stage, info: AttemptInfo) -> None:
        self.monitor.record_retry(info.resource, info.error_code)
        log.warning("job %s: attempt %d of %d failed with %s%s", job_id, info.attempt,
                    info.max_attempts, info.error_code,
                    "" if info.final else f"; next in {info.delay_s:.1f} s",
                    extra={"job_id": job_id, "code": info.error_code,
                           "request_id": info.request_id, "resource": info.resource,
                           "attempt": info.attempt, "delay_s": round(info.delay_s, 3)})
        if info.final:
            return
        self.store.record_attempt(job_id, attempt=info.attempt, max_attempts=info.max_attempts,
                                  error_code=info.error_code, delay_s=info.delay_s,
                                  request_id=info.request_id, stage=stage)
        self.life.emit(JobAttempt(job_id, info.attempt, info.max_attempts, info.error_code,
                                  info.delay_s, info.request_id))
        self.waits.set_connection(ConnectionState.RETRYING, info.resource)
        self.life.try_move(job_id, S.WAITING_RETRY, note=f"attempt {info.attempt} of "
                           f"{info.max_attempts} failed ({info.error_code}); next in "
                           f"{info.delay_s:.1f} s")

    def _reupload(self, job: Job, err: AppError) -> Job:
        """The server stored other bytes than ours: send the file once more, afresh."""
        log.warning("job %s: %s; uploading once more", job.job_id, err.detail,
                    extra={"job_id": job.job_id, **error_fields(err)})
        self._discard(err.extra.get("video_id") or job.video_id)
        return self.store.update(job.job_id, reupload_count=job.reupload_count + 1,
                                   upload_url=None, video_id=None, server_sha256=None,
                                   idempotency_key=str(uuid.uuid4()))

    def _discard(self, video_id: str | None) -> None:
        """Delete a copy the server got wrong (best effort: nothing depends on it)."""
        if video_id:
            try:
                self.backend.client.delete_video(video_id)
            except AppError as err:
                log.warning("could not delete mismatched video %s: %s", video_id, err.code)

    def _session_for(self, job: Job, user_id: str, ctl: Control) -> str:
        """One server session per (user, title) batch, created once and stored on every
        job of the batch."""
        key = (user_id, job.session_title)
        job_id = job.job_id
        with self._session_lock:
            if key not in self._sessions:
                session = self.backend.client.create_session(
                    user_id, job.session_title or None, job.recorded_at,
                    idempotency_key=str(uuid.uuid5(uuid.NAMESPACE_URL,
                                                   f"{job.idempotency_key}/session")),
                    cancel=ctl.token,
                    on_attempt=lambda info: self._attempt(job_id, Stage.UPLOAD, info))
                self._sessions[key] = session.session_id
            return self._sessions[key]
