"""Small threading pieces the manager is built from.

``StagePool``   N worker threads draining a queue of job ids, oldest first, the ones
                submitted ``urgent`` before the rest; stops within a second of
                ``stop()`` (workers poll with a timeout); ``hold()`` leaves the queue
                alone until ``release()``.
``Scheduler``   one thread running callbacks at a wall-clock time (requeue jobs
                when a breaker's probe is due).
``Throttle``    at most ``rate`` progress events a second per job, plus the last.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import queue
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)


class StagePool:
    def __init__(self, name: str, workers: int, handler: Callable[[str], None]) -> None:
        self.name = name
        self.size = max(1, workers)
        self._handler = handler
        # (0 urgent / 1 not, order submitted, job id)
        self._queue: queue.PriorityQueue[tuple[int, int, str]] = queue.PriorityQueue()
        self._order = itertools.count()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._pending: set[str] = set()  # waiting in the queue: never queued twice
        self._urgent: set[str] = set()  # ...except once more, ahead, when it becomes urgent
        self._lock = threading.Lock()
        self._open = threading.Event()  # cleared while held: queued work waits
        self._open.set()

    def start(self) -> None:
        for i in range(self.size):
            thread = threading.Thread(target=self._loop, name=f"{self.name}-{i}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def submit(self, job_id: str, *, urgent: bool = False) -> bool:
        """Queue the job (False: it is queued already). ``urgent``: ahead of the others
        (a job already queued is queued once more, ahead; the handler runs for it twice
        and must find nothing left to do the second time)."""
        with self._lock:
            if job_id in self._pending and (not urgent or job_id in self._urgent):
                return False
            self._pending.add(job_id)
            if urgent:
                self._urgent.add(job_id)
        self._queue.put((0 if urgent else 1, next(self._order), job_id))
        return True

    def hold(self) -> None:
        """Take no more work from the queue until ``release`` (what runs, runs on)."""
        self._open.clear()

    def release(self) -> None:
        self._open.set()

    @property
    def held(self) -> bool:
        return not self._open.is_set()

    def stop(self, wait: bool = True, timeout: float = 5.0) -> None:
        self._stop.set()
        if wait:
            deadline = time.monotonic() + timeout
            for thread in self._threads:
                thread.join(max(0.0, deadline - time.monotonic()))

    def _loop(self) -> None:
        while not self._stop.is_set():
            if not self._open.wait(0.2):
                continue
            try:
                _, _, job_id = self._queue.get(timeout=0.2)
            except queue.Empty:
                continue
            # Held while this worker waited for work: keep the job in hand until released
            # (a worker that got past the check above just before hold() must not run it).
            while not self._open.wait(0.2):
                if self._stop.is_set():
                    return
            with self._lock:
                # Taken off the queue: a re-submit from now on queues it again (the
                # handler's QUEUED -> active transition stops a second concurrent run).
                self._pending.discard(job_id)
                self._urgent.discard(job_id)
            if self._stop.is_set():
                return
            try:
                self._handler(job_id)
            except Exception:  # the handler has its own boundary; this is a last resort
                log.exception("%s worker crashed on job %s", self.name, job_id,
                              extra={"job_id": job_id})


class Scheduler:
    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Callable[[], None]]] = []
        self._counter = itertools.count()
        self._cond = threading.Condition()
        self._stopped = False
        self._thread = threading.Thread(target=self._loop, name="job-scheduler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def at(self, when: float, fn: Callable[[], None]) -> None:
        """Run ``fn`` at ``time.time() >= when`` on the scheduler thread."""
        with self._cond:
            heapq.heappush(self._heap, (when, next(self._counter), fn))
            self._cond.notify()

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify()
        if self._thread.is_alive():
            self._thread.join(2.0)

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._stopped:
                    if self._heap and self._heap[0][0] <= time.time():
                        break
                    timeout = (self._heap[0][0] - time.time()) if self._heap else None
                    self._cond.wait(timeout if timeout is None else max(0.01, timeout))
                if self._stopped:
                    return
                _, _, fn = heapq.heappop(self._heap)
            try:
                fn()
            except Exception:
                log.exception("scheduled task failed")


class Throttle:
    """Per-key rate limit for progress events, with a rate estimate (EMA)."""

    def __init__(self, per_second: float = 10.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = 1.0 / per_second
        self._clock = clock
        self._last: dict[str, tuple[float, int, float]] = {}  # key -> (t, done, rate)
        self._lock = threading.Lock()

    def check(self, key: str, done: int, total: int) -> tuple[bool, float]:
        """(emit now?, rate per second). Always emits the final update."""
        now = self._clock()
        with self._lock:
            last = self._last.get(key)
            if last is None:
                self._last[key] = (now, done, 0.0)
                return True, 0.0
            t0, d0, rate = last
            elapsed = now - t0
            if elapsed < self.interval and done < total:
                return False, rate
            if elapsed > 0 and done >= d0:
                inst = (done - d0) / elapsed
                rate = inst if rate == 0 else 0.7 * rate + 0.3 * inst
            self._last[key] = (now, done, rate)
            return True, rate

    def forget(self, key: str) -> None:
        with self._lock:
            self._last.pop(key, None)
