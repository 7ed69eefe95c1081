"""Uploads held back while the laptop is offline, or on a metered connection (the user's
setting).

Queued uploads wait in their pool (``StagePool.hold``); a running upload stops within a
second (its control, reason "hold") and goes back to QUEUED, its upload URL kept, so on
release it continues from the server's offset. Analysis and the other stages go on.
"""

from __future__ import annotations

import logging

from desktop_app.jobs.lifecycle import Lifecycle
from desktop_app.jobs.model import JobState, Stage
from desktop_app.jobs.pools import StagePool

log = logging.getLogger(__name__)


class UploadHold:
    def __init__(self, life: Lifecycle, pool: StagePool, server_key: str) -> None:
        self.life = life
        self.pool = pool
        self.server_key = server_key

    @property
    def held(self) -> bool:
        return self.pool.held

    def hold(self, why: str) -> None:
        if self.pool.held:
            return
        self.pool.hold()
        stopped = 0
        for job_id, control in self.life.running().items():
            job = self.life.store.get(job_id)
            if job is not None and job.stage is Stage.UPLOAD:
                control.stop("hold")
                stopped += 1
        log.info("uploads held (%s); %d running upload(s) stopped", why, stopped)

    def release(self) -> None:
        if not self.pool.held:
            return
        self.pool.release()
        # The stopped uploads went back to QUEUED without a pool: hand them to it again
        # (the pool ignores a job already waiting in it).
        for job in self.life.store.jobs(states={JobState.QUEUED}, server_url=self.server_key):
            if job.stage is Stage.UPLOAD and job.runner == self.life.runner:
                self.pool.submit(job.job_id)
        log.info("uploads no longer held")
