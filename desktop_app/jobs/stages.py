"""The work each stage pool does for one job, and the worker boundary around it.

Every stage follows one shape: move the job from QUEUED into its active state
(refused if someone paused or cancelled it meanwhile), check the file is still
the one queued, do the work with the job's ``Control`` (pause/cancel within a
second), store the result, move the job on and hand it to the next pool.
Errors are sorted at one place, ``failures.FailureHandler``. A bug becomes UNEXPECTED_ERROR with its
traceback in the log, never a dead worker.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable

from desktop_app.errors import AppError, unexpected
from desktop_app.jobs import integrity
from desktop_app.jobs.backend import Backend
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
from desktop_app.jobs.waits import Waits
from desktop_app.transfer.retry import AttemptInfo

log = logging.getLogger(__name__)
S = JobState
POLL_S, POLL_MAX_S = 0.25, 2.0  # quick for small clips, gentle on long processing
# Analysis keys that describe this computer, not the video: never sent to the server.
_LOCAL_ONLY = ("file", "thumbnail_path")


class StageRunner:
    def __init__(self, life: Lifecycle, backend: Backend, waits: Waits, failures: FailureHandler,
                 monitor: Monitor, throttle: Throttle, *, processing_timeout_s: float,
                 hook: Callable[[str, str], None] | None = None) -> None:
        self.life = life
        self.store = life.store
        self.backend = backend
        self.waits = waits
        self.failures = failures
        self.monitor = monitor
        self.throttle = throttle
        self.processing_timeout_s = processing_timeout_s
        self.hook = hook or test_hook
        self._session_lock = threading.Lock()
        self._sessions: dict[tuple[str, str], str] = {}
        self.duplicates = Duplicates(life, backend)

    # ---- stages -----------------------------------------------------------------------

    def analyse(self, job_id: str) -> None:
        self._run(job_id, self._analyse)

    def upload(self, job_id: str) -> None:
        self._run(job_id, self._upload)

    def process(self, job_id: str) -> None:
        self._run(job_id, self._process)

    def _analyse(self, job: Job, ctl: Control) -> None:
        # Imported here: cv2 is heavy, and the CLI's `jobs` command never needs it.
        from desktop_app.media.analyse import analyse
        from desktop_app.media.validate import inspect_file, validate_job_fields

        if job.stage is Stage.VALIDATE:
            job = self._enter(job, S.VALIDATING)
            integrity.check_unchanged(job)
            validate_job_fields(job.user_id or None, job.recorded_at,
                                require_user=bool(job.user_id))
            # File system, extension and content sniffing only: the analysis decodes the
            # whole file once and raises the decoder's codes (corrupt, codec) itself.
            inspect_file(job.path)
            self.backend.check_file_type(job.path, ctl.token)  # no analysis for a refusal
            job = self.life.move(job.job_id, S.ANALYZING, stage=Stage.ANALYSE,
                                 allowed_from={S.VALIDATING})
        else:
            job = self._enter(job, S.ANALYZING)
        integrity.check_unchanged(job)
        hooked = False

        def progress(done: int, total: int) -> None:
            nonlocal hooked
            if not hooked:
                hooked = True
                self.hook("analysing", job.job_id)
            self._progress(job.job_id, Stage.ANALYSE, done, total)

        result = analyse(job.path, progress=progress, cancel=ctl.event)
        ctl.token.raise_if_cancelled()
        analysis = result.to_dict()
        analysis.pop("thumbnail_jpeg", None)
        thumb = getattr(result, "thumbnail_jpeg", None)
        if thumb:
            analysis["thumbnail_path"] = self._save_thumbnail(job.job_id, thumb)
        integrity.check_unchanged(job)
        job = self.life.move(job.job_id, S.QUEUED, stage=Stage.UPLOAD,
                             allowed_from={S.ANALYZING}, analysis=analysis,
                             sha256=getattr(result, "sha256", None))
        self.life.enqueue(job)

    def _upload(self, job: Job, ctl: Control) -> None:
        job = self._enter(job, S.UPLOADING)
        job_id = job.job_id
        integrity.check_unchanged(job)
        backend = self.backend
        user_id = job.user_id or backend.user_id()
        # The sha256 is known here (from the analysis), before a byte is sent.
        if self.duplicates.finish_if_stored(job, user_id, ctl):
            return
        session_id = job.session_id or self._session_for(job, user_id, ctl)
        if job.session_id != session_id or job.user_id != user_id:
            job = self.store.update(job.job_id, session_id=session_id, user_id=user_id)
        shared_analysis = ({k: v for k, v in job.analysis.items() if k not in _LOCAL_ONLY}
                           if job.analysis is not None else None)
        hooked = False

        def progress(done: int, total: int) -> None:
            nonlocal hooked
            self._back_to(job.job_id, S.UPLOADING)
            self._progress(job.job_id, Stage.UPLOAD, done, total)
            if not hooked and total and done * 2 >= total and done < total:
                hooked = True
                self.hook("mid_upload", f"{job.job_id} sent={done}")

        def on_upload_url(url: str) -> None:
            # Persisted the moment it exists: a crash from here on resumes this upload.
            self.store.update(job.job_id, upload_url=url)

        while True:
            try:
                video = backend.client.upload_video(
                    session_id, job.path, user_id=user_id, recorded_at=job.recorded_at,
                    analysis=shared_analysis, idempotency_key=job.idempotency_key,
                    upload_url=backend.local_url(job.upload_url), on_upload_url=on_upload_url,
                    progress=progress, cancel=ctl.token,
                    on_attempt=lambda info: self._attempt(job_id, Stage.UPLOAD, info))
            except AppError as err:
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
                                      sha256=job.sha256 or video.local_sha256)
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
        job = self.life.move(job.job_id, S.QUEUED, stage=Stage.PROCESS,
                             allowed_from={S.UPLOADING, S.WAITING_RETRY})
        self.life.enqueue(job)

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

    def _save_thumbnail(self, job_id: str, jpeg: bytes) -> str | None:
        from desktop_app import paths

        folder = paths.data_dir() / "thumbnails"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / f"{job_id}.jpg"
            target.write_bytes(jpeg)
            return str(target)
        except OSError:
            return None
