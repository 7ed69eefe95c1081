"""Jobs waiting on something outside themselves, and what the front end hears of it.

* sign-in: the first job that meets an expired sign-in raises ONE
  ``SignInRequired``; it and every later upload park in WAITING_SIGN_IN until
  ``sign_in_completed()`` puts them all back in the queue;
* server: a job that meets an open breaker waits in WAITING_SERVER and is
  requeued when the probe is due, when the breaker closes, or on "Retry now";
* connection state (online / retrying / unavailable) from breaker events and
  attempts, sent only when it changes.
"""

from __future__ import annotations

import threading
import time

from desktop_app.jobs.backend import Backend
from desktop_app.jobs.lifecycle import Lifecycle
from desktop_app.jobs.model import ConnectionChanged, ConnectionState, JobState, SignInRequired
from desktop_app.jobs.monitor import Monitor
from desktop_app.jobs.pools import Scheduler

S = JobState


class Waits:
    def __init__(self, life: Lifecycle, backend: Backend, scheduler: Scheduler,
                 monitor: Monitor) -> None:
        self.life = life
        self.backend = backend
        self.scheduler = scheduler
        self.monitor = monitor
        self._lock = threading.Lock()
        self._connection = ConnectionState.ONLINE

    def sign_in_completed(self) -> None:
        self.life.release_uploads()
        for job in self.life.store.jobs(states={S.WAITING_SIGN_IN}):
            self.life.requeue(job.job_id, {S.WAITING_SIGN_IN}, "signed in")

    def sign_in_needed(self, job_id: str, code: str) -> None:
        """Park the job; tell the front end once per cause, not once per job."""
        first = self.life.hold_uploads()
        self.life.try_move(job_id, S.WAITING_SIGN_IN, note="waiting for sign-in")
        if first:
            waiting = len(self.life.store.jobs(states={S.WAITING_SIGN_IN}))
            self.life.emit(SignInRequired(self.backend.base_url, code, waiting))

    def wait_for_server(self, job_id: str, next_probe_at: float | None) -> None:
        if self.life.try_move(job_id, S.WAITING_SERVER,
                              note="server unavailable; waiting") is None:
            return
        # A probe time in the past means a probe is already in flight: check back in a
        # second instead of spinning.
        when = max((next_probe_at or 0.0), time.time() + 1.0)
        self.scheduler.at(when, self.wake_waiting_server)

    def wake_waiting_server(self) -> None:
        for job in self.life.store.jobs(states={S.WAITING_SERVER}):
            self.life.requeue(job.job_id, {S.WAITING_SERVER}, "probing server")

    def set_connection(self, state: ConnectionState, endpoint: str = "",
                       next_probe_at: float | None = None) -> None:
        with self._lock:
            if state is self._connection and state is not ConnectionState.UNAVAILABLE:
                return
            self._connection = state
        self.life.emit(ConnectionChanged(state, endpoint, next_probe_at))

    def breaker_changed(self, endpoint: str, state: str, next_probe_at: float | None) -> None:
        self.monitor.breaker_changed(endpoint, state, next_probe_at)
        if state == "open":
            self.set_connection(ConnectionState.UNAVAILABLE, endpoint, next_probe_at)
        elif state == "half_open":
            self.set_connection(ConnectionState.RETRYING, endpoint)
        else:
            self.set_connection(ConnectionState.ONLINE, endpoint)
            self.scheduler.at(time.time(), self.wake_waiting_server)
