"""Jobs waiting on something outside themselves, and what the front end hears of it.

* sign-in: the first job that meets an expired sign-in raises ONE
  ``SignInRequired``; it and every later upload park in WAITING_SIGN_IN until
  ``sign_in_completed()`` puts them all back in the queue;
* server: a job that meets an open breaker waits in WAITING_SERVER and is
  requeued when the probe is due, when the breaker closes, or on "Retry now";
* connection state (online / retrying / unavailable) from breaker events and
  attempts, sent only when it changes;
* one ``Alert`` when the last job of a batch finishes.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

from desktop_app.jobs.model import (
    Alert,
    ConnectionChanged,
    ConnectionState,
    Job,
    JobState,
    SignInRequired,
)
from desktop_app.jobs.store import IllegalTransition

if TYPE_CHECKING:
    from desktop_app.jobs.manager import JobManager

S = JobState


class Waits:
    def __init__(self, manager: JobManager) -> None:
        self.m = manager
        self._lock = threading.RLock()
        self.sign_in_pending = False
        self._connection = ConnectionState.ONLINE
        self._batch: set[str] = set()
        self._batch_done = self._batch_failed = 0

    def batch_add(self, job_id: str) -> None:
        with self._lock:
            self._batch.add(job_id)

    def sign_in_completed(self) -> None:
        with self._lock:
            self.sign_in_pending = False
        for job in self.m.store.jobs(states={S.WAITING_SIGN_IN}):
            self.m._requeue(job.job_id, {S.WAITING_SIGN_IN}, "signed in")

    def sign_in_needed(self, job_id: str, code: str) -> None:
        """Park the job; tell the front end once per cause, not once per job."""
        with self._lock:
            first = not self.sign_in_pending
            self.sign_in_pending = True
        self.park_for_sign_in(job_id)
        if first:
            waiting = len(self.m.store.jobs(states={S.WAITING_SIGN_IN}))
            self.m._emit(SignInRequired(self.m.backend.base_url, code, waiting))

    def park_for_sign_in(self, job_id: str) -> None:
        try:
            self.m._move(job_id, S.WAITING_SIGN_IN, note="waiting for sign-in")
        except IllegalTransition:
            pass

    def wait_for_server(self, job_id: str, next_probe_at: float | None) -> None:
        try:
            self.m._move(job_id, S.WAITING_SERVER, note="server unavailable; waiting")
        except IllegalTransition:
            return
        # A probe time in the past means a probe is already in flight: check back in a
        # second instead of spinning.
        when = max((next_probe_at or 0.0), time.time() + 1.0)
        self.m.scheduler.at(when, self.wake_waiting_server)

    def wake_waiting_server(self) -> None:
        for job in self.m.store.jobs(states={S.WAITING_SERVER}):
            self.m._requeue(job.job_id, {S.WAITING_SERVER}, "probing server")

    def set_connection(self, state: ConnectionState, endpoint: str = "",
                       next_probe_at: float | None = None) -> None:
        with self._lock:
            if state is self._connection and state is not ConnectionState.UNAVAILABLE:
                return
            self._connection = state
        self.m._emit(ConnectionChanged(state, endpoint, next_probe_at))

    def breaker_changed(self, endpoint: str, state: str, next_probe_at: float | None) -> None:
        self.m.monitor.breaker_changed(endpoint, state, next_probe_at)
        if state == "open":
            self.set_connection(ConnectionState.UNAVAILABLE, endpoint, next_probe_at)
        elif state == "half_open":
            self.set_connection(ConnectionState.RETRYING, endpoint)
        else:
            self.set_connection(ConnectionState.ONLINE, endpoint)
            self.m.scheduler.at(time.time(), self.wake_waiting_server)

    def job_moved(self, job: Job) -> None:
        """One notification when the last job of a batch finishes (pause takes a job
        out of the batch; resuming puts it back)."""
        with self._lock:
            if job.job_id not in self._batch:
                return
            self._batch.discard(job.job_id)
            if job.state is S.DONE:
                self._batch_done += 1
            elif job.state is S.FAILED:
                self._batch_failed += 1
            if self._batch:
                return
            done, failed = self._batch_done, self._batch_failed
            self._batch_done = self._batch_failed = 0
        if done + failed == 0:
            return
        kind = "needs_attention" if failed else "batch_done"
        message = f"{done} uploaded" + (f", {failed} failed" if failed else "")
        self.m._emit(Alert(kind, message))


