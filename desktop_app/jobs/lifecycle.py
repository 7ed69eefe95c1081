"""A job's life once it is stored: every state move, the per-job stop control, the queue.

The stage runner, the failure handler and the waits all move jobs through this one
object, handed to them when the manager is built; none of them reaches into another.

* ``move``: ``store.transition`` (committed), then ``JobChanged`` announced; a job that
  finishes or pauses wakes ``wait_finished`` and may end its batch (one ``Alert``).
* ``enqueue``: a QUEUED job goes to the pool of its stage (once the pools run); while
  uploads are held for sign-in, an upload or processing job parks in WAITING_SIGN_IN.
* ``control_for`` / ``release``: the ``Control`` of a running stage; ``stop`` asks it
  to pause or cancel, or moves a job no worker holds at once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from typing import Any

from desktop_app.jobs.api import EventCallback
from desktop_app.jobs.batch import Batch
from desktop_app.jobs.control import Control
from desktop_app.jobs.model import Event, Job, JobChanged, JobState, Stage
from desktop_app.jobs.pools import StagePool
from desktop_app.jobs.store import IllegalTransition, JobStore

log = logging.getLogger(__name__)
S = JobState
WAITING = frozenset({S.QUEUED, S.WAITING_RETRY, S.WAITING_SERVER, S.WAITING_SIGN_IN})
_HELD_FOR_SIGN_IN = (Stage.UPLOAD, Stage.PROCESS)


class Lifecycle:
    def __init__(self, store: JobStore, on_event: EventCallback | None, *, runner: str) -> None:
        self.store = store
        self.runner = runner  # this process's claim on the jobs it runs (ownership.py)
        self.batch = Batch()
        self._on_event = on_event or (lambda event: None)
        self._lock = threading.RLock()
        self._controls: dict[str, Control] = {}
        # pause/cancel asked of a running stage: outlives that stage, so a stage that
        # finishes before it notices hands the request on to the next one.
        self._requested: dict[str, str] = {}
        self._closing = False
        self._uploads_held = False
        self._pools: dict[Stage, StagePool] | None = None
        self._finished = threading.Condition()

    # ---- events and moves -------------------------------------------------------------

    def emit(self, event: Event) -> None:
        try:
            self._on_event(event)
        except Exception:
            log.exception("event callback failed for %s", type(event).__name__)

    def move(self, job_id: str, to: JobState, **kw: Any) -> Job:
        """Move the job (raises ``IllegalTransition`` when its state forbids it)."""
        job = self.store.transition(job_id, to, **kw)
        self.emit(JobChanged(job))
        if to.finished or to is S.PAUSED:
            with self._finished:
                self._finished.notify_all()
            alert = self.batch.moved(job)
            if alert is not None:
                self.emit(alert)
        return job

    def try_move(self, job_id: str, to: JobState, **kw: Any) -> Job | None:
        """``move``, or None when someone else moved the job first."""
        try:
            return self.move(job_id, to, **kw)
        except IllegalTransition:
            return None

    def requeue(self, job_id: str, allowed: set[JobState], note: str, **changes: Any) -> None:
        """Back to QUEUED from one of ``allowed`` and on to its pool; run by this process
        (the user asked this window, or this run, to do it)."""
        with self._lock:
            self._requested.pop(job_id, None)  # resumed / retried: an old request is void
        job = self.try_move(job_id, S.QUEUED, allowed_from=allowed, note=note,
                            runner=self.runner, **changes)
        if job is not None:
            self.enqueue(job)

    # ---- the queue --------------------------------------------------------------------

    def start(self, pools: dict[Stage, StagePool]) -> None:
        """From now on queued jobs go to these pools (one per stage)."""
        self._pools = pools

    def enqueue(self, job: Job) -> None:
        with self._lock:
            if self._closing:
                return
            held = self._uploads_held and job.stage in _HELD_FOR_SIGN_IN
        self.batch.add(job.job_id)
        if held:
            self.try_move(job.job_id, S.WAITING_SIGN_IN, note="waiting for sign-in")
            return
        pool = self._pools.get(job.stage) if self._pools is not None else None
        if pool is not None:
            pool.submit(job.job_id)

    def hold_uploads(self) -> bool:
        """Uploads wait for sign-in from now on; True for the first to ask."""
        with self._lock:
            first = not self._uploads_held
            self._uploads_held = True
            return first

    def release_uploads(self) -> None:
        with self._lock:
            self._uploads_held = False

    # ---- per-job control --------------------------------------------------------------

    @property
    def closing(self) -> bool:
        return self._closing

    def close(self) -> None:
        """Shutdown: every running stage stops, its job stays queued for next time."""
        with self._lock:
            self._closing = True
            controls = list(self._controls.values())
        for control in controls:
            control.stop("shutdown")

    def control_for(self, job_id: str) -> Control:
        with self._lock:
            control = Control()
            reason = "shutdown" if self._closing else self._requested.get(job_id)
            if reason:
                control.stop(reason)
            self._controls[job_id] = control
            return control

    def release(self, job_id: str, control: Control) -> None:
        job = self.store.get(job_id)
        with self._lock:
            # The next stage may already run with its own control: leave that one be.
            if self._controls.get(job_id) is control:
                del self._controls[job_id]
            if job is None or job.state.finished or job.state is S.PAUSED:
                self._requested.pop(job_id, None)  # the request was carried out

    def running(self) -> dict[str, Control]:
        """The control of every running stage, by job id (a snapshot)."""
        with self._lock:
            return dict(self._controls)

    def wake_sleepers(self) -> None:
        """End every backoff sleep of a running stage now: its next attempt runs at once
        (the network is back, ``jobs/handsoff.py``)."""
        for control in self.running().values():
            control.token.wake()

    def busy(self, job_id: str) -> bool:
        """Does a worker hold this job right now?"""
        with self._lock:
            return job_id in self._controls

    def stop(self, job_id: str, reason: str, target: JobState) -> None:
        """Pause or cancel: the running stage is asked to stop (its worker moves the job),
        a job no worker holds moves to ``target`` at once."""
        if self.ask_to_stop(job_id, reason):
            return
        allowed = set(WAITING) | ({S.PAUSED} if target is S.CANCELLED else set())
        if self.try_move(job_id, target, allowed_from=allowed, note=f"{reason} by user") is None:
            self.ask_to_stop(job_id, reason)  # a worker picked it up meanwhile

    def ask_to_stop(self, job_id: str, reason: str) -> bool:
        """Stop the running stage, if a worker holds the job; False when none does."""
        with self._lock:
            control = self._controls.get(job_id)
            if control is None:
                return False
            self._requested[job_id] = reason
        control.stop(reason)
        return True

    # ---- waiting ----------------------------------------------------------------------

    def wait_finished(self, job_ids: Iterable[str], timeout: float | None = None) -> bool:
        """Block until every job is finished or paused; False on timeout."""
        ids = set(job_ids)
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._finished:
            while True:
                pending = [j for j in ids if (job := self.store.get(j)) is not None
                           and not job.state.finished and job.state is not S.PAUSED]
                if not pending:
                    return True
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self._finished.wait(0.5 if left is None else min(0.5, left))
