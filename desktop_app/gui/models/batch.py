"""The batch's overall progress: files and bytes done of the total, speed, time left (no Qt).

A batch is the work since the queue was last idle: every job that was unfinished at some
point since then. It ends when none of its jobs is left unfinished; the next job to need
work starts a new one. Jobs the store reports already finished (yesterday's) never join.
Kept up to date per state move (``JobRows`` calls ``move``), so the once-a-second status
line costs O(1), not a pass over 5,000 rows. Failed and cancelled jobs count as files
dealt with, and their bytes leave the total (they will not be sent).
"""

from __future__ import annotations

from dataclasses import dataclass

from desktop_app.jobs.model import JobState

# Bytes that are on the server once a job is in one of these states.
_SENT = (JobState.PROCESSING, JobState.DONE)
_DROPPED = (JobState.FAILED, JobState.CANCELLED)


@dataclass(frozen=True)
class BatchProgress:
    files_done: int = 0  # finished: done, failed or cancelled
    files_total: int = 0
    failed: int = 0
    bytes_done: int = 0
    bytes_total: int = 0
    rate: float = 0.0  # bytes/s over the uploads
    eta_s: float | None = None

    @property
    def active(self) -> bool:
        return self.files_done < self.files_total

    @property
    def percent(self) -> int:
        if self.bytes_total > 0:
            return max(0, min(100, int(self.bytes_done * 100 / self.bytes_total)))
        return int(self.files_done * 100 / self.files_total) if self.files_total else 0


class Batch:
    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self._members: dict[str, int] = {}  # job_id -> size
        self._unfinished = 0
        self._failed = 0
        self._bytes_total = 0  # members not failed or cancelled
        self._bytes_sent = 0  # members processing or done

    def _account(self, size: int, state: JobState, sign: int) -> None:
        if not state.finished:
            self._unfinished += sign
        if state in _DROPPED:
            self._failed += sign
        else:
            self._bytes_total += sign * size
        if state in _SENT:
            self._bytes_sent += sign * size

    def move(self, job_id: str, size: int, old: JobState | None, new: JobState | None) -> None:
        """A job appeared (``old`` None), changed state, or left (``new`` None)."""
        size = max(0, size)
        if job_id not in self._members:
            if new is None or new.finished:
                return  # finished before the batch knew it: not part of it
            if self._unfinished == 0:  # the last batch is over: this one starts anew
                self._reset()
            self._members[job_id] = size
            self._account(size, new, 1)
            return
        if old is not None:
            self._account(self._members[job_id], old, -1)
        if new is None:
            del self._members[job_id]
        else:
            self._account(size, new, 1)
            self._members[job_id] = size

    def progress(self, uploading_bytes: int = 0, rate: float = 0.0) -> BatchProgress:
        """``uploading_bytes``: sent so far by the uploads in flight."""
        total = len(self._members)
        done = min(self._bytes_total, self._bytes_sent + uploading_bytes)
        left = self._bytes_total - done
        return BatchProgress(files_done=total - self._unfinished, files_total=total,
                             failed=self._failed, bytes_done=done, bytes_total=self._bytes_total,
                             rate=rate, eta_s=left / rate if rate > 0 and left > 0 else None)
