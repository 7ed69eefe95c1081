"""Cancel and pause for long transfers: one thread-safe token per job.

Every wait in the transfer layer (backoff sleeps, bandwidth throttling) sleeps on
the token's event, and every body generator checks it between pieces, so a Cancel
or Pause takes effect within a second, also mid-sleep and mid-chunk.

    token = CancelToken()
    token.cancel("pause")          # from the GUI thread
    token.raise_if_cancelled()     # in the worker: AppError("CANCELLED", extra={"reason": "pause"})
"""

from __future__ import annotations

import threading

from desktop_app.errors import AppError


class CancelToken:
    def __init__(self) -> None:
        self._event = threading.Event()
        self._reason: str | None = None
        self._lock = threading.Lock()

    def cancel(self, reason: str = "cancel") -> None:
        """Ask the work to stop. ``reason`` is "cancel" or "pause"; the first one wins."""
        with self._lock:
            if self._reason is None:
                self._reason = reason
        self._event.set()

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
            self._event.wait(seconds)
        self.raise_if_cancelled()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            reason = self._reason or "cancel"
            raise AppError("CANCELLED", f"Stopped by the user ({reason}).",
                           extra={"reason": reason})


def never_cancelled() -> CancelToken:
    """A token nobody cancels, for callers that do not need one."""
    return CancelToken()
