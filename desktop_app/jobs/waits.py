"""Jobs waiting on something outside themselves, and what the front end hears of it.

* sign-in: the first job that meets an expired sign-in raises ONE
  ``SignInRequired``; it and every later upload park in WAITING_SIGN_IN until
  ``sign_in_completed()`` puts them all back in the queue;
* server: a job whose request met an outage (a ``SERVER_WAIT`` code: an open breaker,
  refused or timed-out connections, 503, a full server disk...) once its own retries are
  spent waits in WAITING_SERVER, in the window as in the CLI. It is requeued when its
  breaker's probe is due (one job goes first; the others follow when the breaker
  closes), after a growing delay when no breaker is open (the server's Retry-After when
  it sent one), when any breaker closes, or on "Retry now". Only when the batch's
  give-up deadline passes with no progress at all (``giveup.py``) do the waiting jobs
  fail, each with the cause it met (``final_error``), the breaker named as context;
* connection state (online / retrying / unavailable) from breaker events and
  attempts, sent only when it changes.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable

from desktop_app.errors import AppError
from desktop_app.jobs.backend import Backend
from desktop_app.jobs.giveup import ProgressClock
from desktop_app.jobs.lifecycle import Lifecycle
from desktop_app.jobs.model import ConnectionChanged, ConnectionState, JobState, SignInRequired
from desktop_app.jobs.monitor import Monitor
from desktop_app.jobs.pools import Scheduler

log = logging.getLogger(__name__)
S = JobState
FIRST_DELAY_S, MAX_DELAY_S = 5.0, 300.0  # waits with no breaker open: 5, 10, 20 ... 300 s
PROBE_BACKSTOP_S = 15.0  # a probe is in flight: its outcome wakes the others; this, at worst


class Waits:
    def __init__(self, life: Lifecycle, backend: Backend, scheduler: Scheduler,
                 monitor: Monitor, progress: ProgressClock) -> None:
        self.life = life
        self.backend = backend
        self.scheduler = scheduler
        self.monitor = monitor
        self.progress = progress
        # set by the manager: fail a job that gave up waiting (failures.FailureHandler)
        self.on_give_up: Callable[[str], None] = lambda job_id: None
        self._lock = threading.Lock()
        self._connection = ConnectionState.ONLINE
        self._causes: dict[str, AppError] = {}  # what each waiting job last met
        self._waits: dict[str, int] = {}  # waits in a row per job, for its delay
        self._give_up_at: float | None = None  # a give-up check is scheduled for then

    # ---- sign-in ----------------------------------------------------------------------

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

    # ---- the server -------------------------------------------------------------------

    def wait_for_server(self, job_id: str, err: AppError) -> bool:
        """Park the job until the server may take it. False when the batch's give-up
        deadline has passed: the caller fails the job (``final_error``)."""
        if self.progress.expired():
            return False
        with self._lock:
            self._causes[job_id] = err
            tries = self._waits[job_id] = self._waits.get(job_id, 0) + 1
        when = self._when(err, tries)
        note = (f"waiting for the server ({err.code}); next try in "
                f"{max(0.0, when - time.time()):.0f} s")
        if self.life.try_move(job_id, S.WAITING_SERVER, note=note) is None:
            return True  # moved meanwhile (paused, cancelled): nothing to wait for
        self.scheduler.at(when, lambda: self._wake(job_id))
        self._schedule_give_up()
        return True

    def _when(self, err: AppError, tries: int) -> float:
        now = time.time()
        probe = err.extra.get("next_probe_at") if err.code == "CIRCUIT_OPEN" else None
        probe = probe or self.backend.open_probe_at()
        if probe is not None:
            # A probe time in the past means a probe is in flight: its outcome (the breaker
            # closing or opening again) wakes the waiting jobs; this is a backstop.
            return probe if probe > now + 0.5 else now + PROBE_BACKSTOP_S
        backoff = min(MAX_DELAY_S, FIRST_DELAY_S * 2 ** (tries - 1))
        delay = random.uniform(backoff / 2, backoff)  # jitter: not every job at once
        # the server's Retry-After (a full disk's, a busy server's) when it asks for longer
        return now + min(MAX_DELAY_S, max(delay, err.retry_after or 0.0))

    def _wake(self, job_id: str) -> None:
        self.life.requeue(job_id, {S.WAITING_SERVER}, "trying the server again")

    def wake_waiting_server(self) -> None:
        for job in self.life.store.jobs(states={S.WAITING_SERVER}):
            self.life.requeue(job.job_id, {S.WAITING_SERVER}, "trying the server again")

    def final_error(self, job_id: str, err: AppError | None = None) -> AppError:
        """What a job that gave up waiting fails with: the cause it met (the breaker's
        cause for CIRCUIT_OPEN), with how long nothing moved and the breaker as context."""
        with self._lock:
            err = err or self._causes.get(job_id)
            self._causes.pop(job_id, None)
            self._waits.pop(job_id, None)
        quiet = f"no progress for {self.progress.quiet_for():.0f} s"
        if err is None:
            return AppError("UNEXPECTED_ERROR", f"the job stopped making progress ({quiet})",
                            extra={"gave_up": True})
        code, detail, endpoint = err.code, err.detail, None
        if err.code == "CIRCUIT_OPEN":
            endpoint = err.extra.get("endpoint")
            if err.extra.get("cause"):
                code, detail = err.extra["cause"], err.extra.get("cause_detail") or detail
        context = quiet + (f"; the circuit breaker for {endpoint} was open" if endpoint else "")
        return AppError(code, f"{detail} ({context})", request_id=err.request_id,
                        http_status=err.http_status if code == err.code else None,
                        field=err.field, extra={"gave_up": True, "breaker": endpoint,
                                                "attempts": err.extra.get("attempts")})

    def _schedule_give_up(self) -> None:
        left = self.progress.seconds_left()
        if left is None:
            return
        when = time.time() + max(0.0, left) + 0.05
        with self._lock:
            if self._give_up_at is not None and self._give_up_at <= when:
                return
            self._give_up_at = when
        self.scheduler.at(when, self._check_give_up)

    def _check_give_up(self) -> None:
        with self._lock:
            self._give_up_at = None
        waiting = [j for j in self.life.store.jobs(states={S.WAITING_SERVER})
                   if j.runner == self.life.runner]
        if not waiting:
            return
        if not self.progress.expired():
            self._schedule_give_up()  # progress meanwhile: the deadline moved
            return
        log.warning("no progress for %.0f s: %d job(s) waiting for the server give up",
                    self.progress.quiet_for(), len(waiting))
        for job in waiting:
            self.on_give_up(job.job_id)

    # ---- connection state -------------------------------------------------------------

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
            if next_probe_at is not None:  # (again, after a failed probe): the next one
                self.scheduler.at(next_probe_at, self._wake_one)
        elif state == "half_open":
            self.set_connection(ConnectionState.RETRYING, endpoint)
        else:
            self.set_connection(ConnectionState.ONLINE, endpoint)
            with self._lock:
                self._waits.clear()  # the server is back: delays start small again
            self.scheduler.at(time.time(), self.wake_waiting_server)

    def _wake_one(self) -> None:
        """The probe is due: one waiting job goes first (the probe); the breaker closing
        brings the others."""
        waiting = self.life.store.jobs(states={S.WAITING_SERVER})
        if waiting:
            self._wake(waiting[0].job_id)
