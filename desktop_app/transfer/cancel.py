"""Cancel and pause for long transfers: one thread-safe token per job.

Every wait in the transfer layer (backoff sleeps, bandwidth throttling) sleeps on
the token's event, and every body generator checks it between pieces, so a Cancel
or Pause takes effect within a second, also mid-sleep and mid-chunk.

    token = CancelToken()
    token.cancel("pause")          # from the GUI thread
    token.raise_if_cancelled()     # in the worker: AppError("CANCELLED", extra={"reason": "pause"})
"""

from __future__ import annotations

import contextlib
import contextvars
import threading
from collections.abc import Iterator

from desktop_app.errors import AppError

# The token of the request running in this thread (see ``transport.py``): lets a socket
# blocked on a stalled network notice a cancel without the token being passed down
# through httpx.
_current: contextvars.ContextVar[CancelToken | None] = contextvars.ContextVar(
    "desktop_app_cancel_token", default=None)


def current() -> CancelToken | None:
    return _current.get()


class CancelToken:
    def __init__(self) -> None:
        self._event = threading.Event()
        self._reason: str | None = None
        self._lock = threading.Lock()
        self._woken = threading.Condition()  # sleeps wait here: cancel or wake ends them
        self._wakes = 0

    def cancel(self, reason: str = "cancel") -> None:
        """Ask the work to stop. ``reason`` is "cancel" or "pause"; the first one wins."""
        with self._lock:
            if self._reason is None:
                self._reason = reason
        self._event.set()
        with self._woken:
            self._woken.notify_all()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    @property
    def reason(self) -> str | None:
        return self._reason

    def wait(self, timeout: float | None) -> bool:
        """Sleep up to ``timeout`` seconds; True as soon as the token is cancelled."""
        return self._event.wait(timeout)

    def sleep(self, seconds: float) -> None:
        """Interruptible sleep: returns early and raises CANCELLED once cancelled."""
        if seconds > 0:
            with self._woken:
                start = self._wakes
                self._woken.wait_for(lambda: self._event.is_set() or self._wakes != start,
                                     seconds)
        self.raise_if_cancelled()

    def wake(self) -> None:
        """End a ``sleep`` running now, without cancelling: the wait is over (the network
        is back), the next attempt runs at once."""
        with self._woken:
            self._wakes += 1
            self._woken.notify_all()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            reason = self._reason or "cancel"
            raise AppError("CANCELLED", f"Stopped by the user ({reason}).",
                           extra={"reason": reason})


@contextlib.contextmanager
def scope(token: CancelToken) -> Iterator[CancelToken]:
    """Make ``token`` the one sockets check while this block sends or waits."""
    reset = _current.set(token)
    try:
        yield token
    finally:
        _current.reset(reset)

