"""Bandwidth limit: a token bucket in bytes per second, shared by the jobs it limits.

Sleeps on the cancel token, so a throttled upload still pauses or cancels at once.
"""

from __future__ import annotations

import threading
import time

from desktop_app.transfer.cancel import CancelToken


class BandwidthLimiter:
    def __init__(self, bytes_per_s: float, *, burst_s: float = 0.25) -> None:
        if bytes_per_s <= 0:
            raise ValueError("bytes_per_s must be positive")
        self.rate = float(bytes_per_s)
        self._capacity = max(64 * 1024.0, self.rate * burst_s)
        self._tokens = self._capacity
        self._last = time.monotonic()
        self._lock = threading.Lock()

    @classmethod
    def from_kbps(cls, kib_per_s: int | None) -> BandwidthLimiter | None:
        """``None`` or 0 means unlimited (the settings' convention)."""
        return cls(kib_per_s * 1024) if kib_per_s else None

    def take(self, nbytes: int, cancel: CancelToken) -> None:
        """Block until ``nbytes`` may be sent (a debt model: large pieces go out at once
        and the next piece waits for the bucket to refill)."""
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self._capacity, self._tokens + (now - self._last) * self.rate)
            self._last = now
            self._tokens -= nbytes
            wait = -self._tokens / self.rate if self._tokens < 0 else 0.0
        if wait > 0:
            cancel.sleep(wait)
