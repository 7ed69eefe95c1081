"""Where a stage's error goes: the one place failures are sorted.

In order: a stop the user asked for (pause, cancel) or shutdown; a sign-in that
expired (interactive: wait for sign-in, one prompt per cause); an open breaker,
or retries run out while one is open (interactive: wait for the server); else a
failure record, stored with the FAILED transition in one transaction.
"""

from __future__ import annotations

import logging
from typing import Any

from desktop_app.errors import MANUAL_RETRY_CODES, SIGN_IN_CODES, AppError
from desktop_app.jobs.backend import Backend
from desktop_app.jobs.control import Control
from desktop_app.jobs.lifecycle import Lifecycle
from desktop_app.jobs.log import error_fields
from desktop_app.jobs.model import FailureRecord, JobState
from desktop_app.jobs.monitor import Monitor
from desktop_app.jobs.waits import Waits

log = logging.getLogger(__name__)
S = JobState


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
        if err.code in SIGN_IN_CODES and self.interactive:
            self.waits.sign_in_needed(job_id, err.code)
            return
        if self.interactive and (err.code == "CIRCUIT_OPEN" or (
                err.retryable and self.backend.open_probe_at() is not None)):
            # Retries ran out while the server is down: wait for it, do not fail.
            probe = err.extra.get("next_probe_at") or self.backend.open_probe_at()
            self.waits.wait_for_server(job_id, probe)
            return
        attempts = int(err.extra.get("attempts") or max(1, job.attempts))
        record = FailureRecord(stage=stage, error_code=err.code, message=err.message,
                               hint=err.hint, detail=err.detail, http_status=err.http_status,
                               request_id=err.request_id, attempts=attempts,
                               retryable=err.retryable or err.code in MANUAL_RETRY_CODES)
        log.error("job %s failed in %s: %s", job_id, stage, err,
                  extra={"job_id": job_id, "attempts": attempts, **error_fields(err)})
        self.settle(job_id, S.FAILED, None, failure=record)

    def settle(self, job_id: str, target: JobState, note: str | None, **kw: Any) -> None:
        if self.life.try_move(job_id, target, note=note, **kw) is None:
            log.warning("job %s could not move to %s", job_id, target, extra={"job_id": job_id})
