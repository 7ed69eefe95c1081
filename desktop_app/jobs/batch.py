"""A batch: the files added together.

* one server session per batch: jobs added without a session id or title share one
  title (``batch_title()``, the one place this rule lives), and the upload stage
  creates one session per (user, title);
* one ``Alert`` when the last job of the batch finishes (pausing a job takes it out
  of the batch; resuming puts it back).
"""

from __future__ import annotations

import threading
import time

from desktop_app.jobs.model import Alert, Job, JobState

S = JobState


def batch_title(now: float | None = None) -> str:
    """The session title of a batch the user did not name (one per minute at most)."""
    return time.strftime("Upload %Y-%m-%d %H:%M", time.localtime(now))


class Batch:
    """Which queued jobs belong to the running batch, and how it ended."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: set[str] = set()
        self._done = self._failed = 0

    def add(self, job_id: str) -> None:
        with self._lock:
            self._jobs.add(job_id)

    def moved(self, job: Job) -> Alert | None:
        """A job finished or paused: the batch's alert when it was the last one."""
        with self._lock:
            if job.job_id not in self._jobs:
                return None
            self._jobs.discard(job.job_id)
            if job.state is S.DONE:
                self._done += 1
            elif job.state is S.FAILED:
                self._failed += 1
            if self._jobs:
                return None
            done, failed = self._done, self._failed
            self._done = self._failed = 0
        if done + failed == 0:
            return None
        kind = "needs_attention" if failed else "batch_done"
        return Alert(kind, f"{done} uploaded" + (f", {failed} failed" if failed else ""))
