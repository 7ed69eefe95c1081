"""Where a stage's error goes: the one place failures are sorted.

In order: a stop the user asked for (pause, cancel) or shutdown; a sign-in that
expired (interactive: wait for sign-in, one prompt per cause); an outage (a
``SERVER_WAIT`` code: the open breaker, refused or timed-out connections, 503, a full
server disk), in the window as in the CLI: wait for the server, until the batch's
give-up deadline passes with no progress (then fail with the underlying cause); a video
the server lost while processing it: upload it once more; else a failure record, stored
with the FAILED transition in one transaction.

A failure the store cannot record (its disk is full) still ends the job for this run: it
is kept in memory (``Lifecycle.fail_unrecorded``), so nothing waits on it for ever, and
the store still says where the job was, so the next run continues it.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from desktop_app.errors import (
    MANUAL_RETRY_CODES,
    SERVER_WAIT_CODES,
    SIGN_IN_CODES,
    AppError,
    advice,
    unexpected,
)
from desktop_app.jobs.backend import Backend
from desktop_app.jobs.control import Control
from desktop_app.jobs.lifecycle import Lifecycle
from desktop_app.jobs.log import error_fields
from desktop_app.jobs.model import FailureRecord, JobState, Stage
from desktop_app.jobs.monitor import Monitor
from desktop_app.jobs.waits import Waits

log = logging.getLogger(__name__)
S = JobState
_RUNNING = {S.VALIDATING, S.ANALYZING, S.UPLOADING, S.PROCESSING, S.WAITING_RETRY}


class FailureHandler:
    def __init__(self, life: Lifecycle, waits: Waits, backend: Backend, monitor: Monitor, *,
                 interactive: bool) -> None:
        self.life = life
        self.waits = waits
        self.backend = backend
        self.monitor = monitor
        self.interactive = interactive

    def handle(self, job_id: str, err: AppError, ctl: Control) -> None:
        job = self.life.store.get(job_id)
        if job is None:
            return
        if err.code == "CANCELLED" and ctl.token.cancelled:
            # "hold": uploads held back (offline, metered: uploadhold.py): back in the held
            # pool's queue, so it runs on release even when that came before this stop did
            if ctl.reason == "hold":
                job = self.life.try_move(job_id, S.QUEUED, note="hold")
                if job is not None:
                    self.life.enqueue(job)
                return
            target = {"pause": S.PAUSED, "shutdown": S.QUEUED}.get(ctl.reason, S.CANCELLED)
            self.settle(job_id, target, f"{ctl.reason}")
            return
        stage = job.stage.value
        err.with_context(file=job.path, stage=stage)
        self.monitor.record_error(err.code)
        try:
            if err.code in SIGN_IN_CODES and self.interactive:
                self.waits.sign_in_needed(job_id, err.code)
                return
            if err.code in SERVER_WAIT_CODES:
                if self.waits.wait_for_server(job_id, err):
                    return
                err = self.waits.final_error(job_id, err).with_context(file=job.path,
                                                                       stage=stage)
            if err.code == "VIDEO_NOT_FOUND" and job.stage is Stage.PROCESS \
                    and job.reupload_count < 1:
                self._upload_again(job_id, job.reupload_count)
                return
        except Exception as exc:  # the store could not record the wait (a full disk...)
            err = _as_error(exc).with_context(file=job.path, stage=stage)
        self.fail(job_id, err, attempts=int(err.extra.get("attempts") or max(1, job.attempts)))

    def give_up(self, job_id: str) -> None:
        """The batch gave up waiting (no progress before the deadline): fail the job with
        the cause it was waiting on."""
        job = self.life.get(job_id)
        if job is None or job.state.finished:
            return
        err = self.waits.final_error(job_id).with_context(file=job.path, stage=job.stage.value)
        self.fail(job_id, err, attempts=max(1, job.attempts))

    def fail(self, job_id: str, err: AppError, *, attempts: int) -> None:
        stage = err.stage or ""
        gave_up = bool(err.extra.get("gave_up"))
        record = FailureRecord(stage=stage, error_code=err.code, message=err.message,
                               hint=advice(err.code, field=err.field, gave_up=gave_up),
                               detail=err.detail, http_status=err.http_status,
                               request_id=err.request_id, attempts=attempts,
                               retryable=err.retryable or err.code in MANUAL_RETRY_CODES,
                               field=err.field)
        log.error("job %s failed in %s: %s", job_id, stage, err,
                  extra={"job_id": job_id, "attempts": attempts, **error_fields(err)})
        self.settle(job_id, S.FAILED, None, failure=record)

    def settle(self, job_id: str, target: JobState, note: str | None, **kw: Any) -> None:
        try:
            moved = self.life.try_move(job_id, target, note=note, **kw)
        except Exception as exc:  # the store cannot write (a full disk, a locked database)
            err = _as_error(exc)
            log.error("job %s could not be recorded as %s: %s", job_id, target, err,
                      extra={"job_id": job_id, **error_fields(err)})
            record = kw.get("failure")
            if target is S.FAILED and isinstance(record, FailureRecord):
                record.detail = f"{record.detail} (not recorded: {err.detail})"
            else:  # a stop the store could not record: the job ends for this run all the same
                record = FailureRecord(stage="", error_code=err.code, message=err.message,
                                       hint=advice(err.code), detail=err.detail, attempts=1,
                                       retryable=True)
            self.life.fail_unrecorded(job_id, record)
            return
        if moved is None:
            log.warning("job %s could not move to %s", job_id, target, extra={"job_id": job_id})

    def _upload_again(self, job_id: str, reuploads: int) -> None:
        """The server no longer has the video it was processing (deleted meanwhile):
        send the file once more, as a new upload."""
        log.warning("job %s: the server no longer has its video; uploading it again", job_id,
                    extra={"job_id": job_id, "code": "VIDEO_NOT_FOUND"})
        self.life.requeue(job_id, _RUNNING, "the server no longer has the video; uploading "
                          "it again", stage=Stage.UPLOAD, upload_url=None, video_id=None,
                          server_sha256=None, reupload_count=reuploads + 1,
                          idempotency_key=str(uuid.uuid4()))


def _as_error(exc: BaseException) -> AppError:
    return exc if isinstance(exc, AppError) else unexpected(exc)
