"""When a batch stops waiting for the server: a deadline with no progress at all.

A short outage (a server restart, a minute without network) must not fail anything:
jobs wait for the server (``waits.py``) and continue when it answers again. They give up
only when ``after_s`` seconds pass with no progress anywhere in the batch, counted from
the start for a server that was never reachable. Progress is what brings a job closer to
done: bytes the server confirms it stored (``BackendClient.on_stored``), a job moving on
to its next stage or done, analysis frames decoded. Not progress: a job woken to try the
server again, a server that answers without storing anything (a HEAD that finds the same
offset, a finish refused with 503), upload bytes handed to a socket; those are activity,
which tells a slow upload or a long server-side processing from a stuck job
(``stalled``).

    clock = ProgressClock(after_s=300)     # the CLI's --give-up-after; None: never (window)
    clock.progress(); clock.activity()     # from the hooks above
    clock.expired()                        # the waits fail their jobs from then on
    clock.stalled()                        # nothing at all for far longer: jobs are stuck
    patiently(sign_in, after_s=300)        # one call before any job, waiting the same way
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

# Past the give-up deadline, how much longer a wait for jobs to finish lasts before they
# count as stuck: more than the longest a single request may stay silent (the server's
# time, a capped Retry-After).
STALL_MARGIN_S = 300.0
STALL_WITHOUT_GIVE_UP_S = 3600.0  # the same, when the batch never gives up (the window)


class ProgressClock:
    def __init__(self, after_s: float | None, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.after_s = after_s if after_s is not None and after_s > 0 else None
        self._clock = clock
        self._lock = threading.Lock()
        self._last = self._active = clock()

    def progress(self) -> None:
        with self._lock:
            self._last = self._active = self._clock()

    def activity(self) -> None:
        """Work going on that is not yet progress (upload bytes on their way)."""
        with self._lock:
            self._active = self._clock()

    def quiet_for(self) -> float:
        """Seconds since the last progress."""
        with self._lock:
            return self._clock() - self._last

    def expired(self) -> bool:
        return self.after_s is not None and self.quiet_for() >= self.after_s

    def seconds_left(self) -> float | None:
        """Until the give-up deadline (None: there is none)."""
        return None if self.after_s is None else self.after_s - self.quiet_for()

    def stalled(self) -> bool:
        """No progress nor activity for so long that a job still unfinished is stuck,
        not waiting (its wait would have given up by then)."""
        limit = (self.after_s + STALL_MARGIN_S if self.after_s is not None
                 else STALL_WITHOUT_GIVE_UP_S)
        with self._lock:
            idle = self._clock() - self._active
        return idle >= limit


def patiently(call: Callable[[], T], after_s: float | None, *,
              sleep: Callable[[float], None] = time.sleep) -> T:
    """``call()``, again while it meets an outage (a ``SERVER_WAIT`` code), for up to
    ``after_s`` seconds: what comes before any job (the CLI's sign-in) waits for a server
    that is restarting like the jobs do. Past the deadline the cause is raised (the last
    error that was not the breaker holding the call back)."""
    from desktop_app.errors import SERVER_WAIT_CODES, AppError

    deadline = time.monotonic() + (after_s or 0.0)
    delay, cause = 1.0, None
    while True:
        try:
            return call()
        except AppError as err:
            if err.code not in SERVER_WAIT_CODES:
                raise
            cause = err if err.code != "CIRCUIT_OPEN" or cause is None else cause
            left = deadline - time.monotonic()
            if left <= 0:
                raise cause from None
            sleep(min(delay, left))
            delay = min(delay * 2, 30.0)
