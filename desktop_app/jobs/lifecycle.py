"""A job's life once it is stored: every state move, the per-job stop control, the queue.

The stage runner, the failure handler and the waits all move jobs through this one
object, handed to them when the manager is built; none of them reaches into another.

* ``move``: ``store.transition`` (committed), then ``JobChanged`` announced; a job that
  finishes or pauses wakes ``wait_finished`` and may end its batch (one ``Alert``).
* ``enqueue``: a QUEUED job goes to the pool of its stage (once the pools run); while
  uploads are held for sign-in, an upload or processing job parks in WAITING_SIGN_IN.
* ``control_for`` / ``release``: the ``Control`` of a running stage; ``stop`` asks it
  to pause or cancel, or moves a job no worker holds at once.
* ``fail_unrecorded``: a job failed but the store could not record it (a full disk): it is
  failed for this run in memory (``get`` and ``wait_finished`` see it), the store keeps
  where it was, so the next run continues it. Nothing is left in limbo.
* ``wait_finished`` ends on its timeout or when ``stalled()`` says nothing moves any more.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from desktop_app.jobs.api import EventCallback
from desktop_app.jobs.batch import Batch
from desktop_app.jobs.control import Control
from desktop_app.jobs.model import (
    Event,
    FailureRecord,
    Job,
    JobChanged,
    JobProgress,
    JobState,
    Stage,
)
from desktop_app.jobs.pools import StagePool
from desktop_app.jobs.store import IllegalTransition, JobStore

log = logging.getLogger(__name__)
S = JobState
WAITING = frozenset({S.QUEUED, S.WAITING_RETRY, S.WAITING_SERVER, S.WAITING_SIGN_IN})
_HELD_FOR_SIGN_IN = (Stage.UPLOAD, Stage.PROCESS)


class Lifecycle:
    def __init__(self, store: JobStore, on_event: EventCallback | None, *, runner: str,
                 on_progress: Callable[[], None] | None = None,
                 on_activity: Callable[[], None] | None = None) -> None:
        self.store = store
        self.runner = runner  # this process's claim on the jobs it runs (ownership.py)
        self.batch = Batch()
        self._on_event = on_event or (lambda event: None)
        # work moving on (a next stage, a job done, frames decoded), and upload bytes on
        # their way (activity, not yet progress): giveup.py
        self._on_progress = on_progress or (lambda: None)
        self._on_activity = on_activity or (lambda: None)
        self._unrecorded: dict[str, Job] = {}  # failed, but the store could not say so
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
        if isinstance(event, JobProgress):
            (self._on_activity if event.stage is Stage.UPLOAD else self._on_progress)()
        try:
            self._on_event(event)
        except Exception:
            log.exception("event callback failed for %s", type(event).__name__)

    def move(self, job_id: str, to: JobState, **kw: Any) -> Job:
        """Move the job (raises ``IllegalTransition`` when its state forbids it, and
        ``AppError`` LOCAL_DISK_FULL when the store cannot write)."""
        job = self.store.transition(job_id, to, **kw)
        if to is S.DONE or (kw.get("stage") is not None and not to.finished):
            self._on_progress()  # on to the next stage (a wake-up to try again is not)
        self.emit(JobChanged(job))
        self._ended(job)
        return job

    def _ended(self, job: Job) -> None:
        if job.state.finished or job.state is S.PAUSED:
            with self._finished:
                self._finished.notify_all()
            alert = self.batch.moved(job)
            if alert is not None:
                self.emit(alert)

    def fail_unrecorded(self, job_id: str, failure: FailureRecord) -> None:
        """The job failed but the store cannot record it: failed for this run (in memory),
        announced like any failure; the store keeps its last state for the next run."""
        stored = self.store.get(job_id)
        if stored is None:
            return
        job = replace(stored, state=S.FAILED, failure=failure)
        with self._lock:
            self._unrecorded[job_id] = job
        self.emit(JobChanged(job))
        self._ended(job)

    def get(self, job_id: str) -> Job | None:
        """The job as this run knows it: the store's, or its unrecorded failure."""
        with self._lock:
            unrecorded = self._unrecorded.get(job_id)
        return unrecorded or self.store.get(job_id)

    def try_move(self, job_id: str, to: JobState, **kw: Any) -> Job | None:
        """``move``, or None when someone else moved the job first."""
        try:
            return self.move(job_id, to, **kw)
        except IllegalTransition:
            return None

    def requeue(self, job_id: str, allowed: set[JobState], note: str,
                **changes: Any) -> Job | None:
        """Back to QUEUED from one of ``allowed`` and on to its pool; run by this process
        (the user asked this window, or this run, to do it). None when the job is elsewhere."""
        with self._lock:
            self._requested.pop(job_id, None)  # resumed / retried: an old request is void
            unrecorded = self._unrecorded.get(job_id)
        if unrecorded is not None and S.FAILED in allowed:
            # failed in memory only: the store has it where it stopped
            allowed = allowed | {s for s in S if not s.finished}
        job = self.try_move(job_id, S.QUEUED, allowed_from=allowed, note=note,
                            runner=self.runner, **changes)
        if job is not None:
            with self._lock:
                self._unrecorded.pop(job_id, None)
            self.enqueue(job)
        return job

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

    def wait_finished(self, job_ids: Iterable[str], timeout: float | None = None, *,
                      stalled: Callable[[], bool] | None = None) -> bool:
        """Block until every job is finished or paused; False on timeout, or as soon as
        ``stalled()`` says nothing moves any more (the jobs left are stuck)."""
        ids = set(job_ids)
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._finished:
            while True:
                if not self.unfinished(ids):
                    return True
                left = None if deadline is None else deadline - time.monotonic()
                if (left is not None and left <= 0) or (stalled is not None and stalled()):
                    return False
                self._finished.wait(0.5 if left is None else min(0.5, left))

    def unfinished(self, job_ids: Iterable[str]) -> list[str]:
        """Those of the jobs neither finished nor paused (as this run knows them)."""
        return [j for j in job_ids if (job := self.get(j)) is not None
                and not job.state.finished and job.state is not S.PAUSED]
