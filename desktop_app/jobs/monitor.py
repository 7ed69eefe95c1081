"""Counters and alerts: errors by code, retries by endpoint, error rate.

The manager feeds it every finished request outcome, every retry and every
breaker state change; it raises an ``Alert`` event (the GUI shows a tray
notification) when a breaker opens, and when the error rate over the last
``window_s`` seconds crosses ``error_rate_threshold`` (at most once per window,
so a bad minute is one notification, not fifty).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field

from desktop_app.jobs.model import Alert

log = logging.getLogger(__name__)


@dataclass
class MonitorSnapshot:
    errors_by_code: dict[str, int] = field(default_factory=dict)
    retries_by_endpoint: dict[str, int] = field(default_factory=dict)
    requests: int = 0
    error_rate: float = 0.0  # over the sliding window
    alerts: int = 0


class Monitor:
    def __init__(self, on_alert: Callable[[Alert], None] | None = None, *,
                 error_rate_threshold: float = 0.5, window_s: float = 60.0,
                 min_samples: int = 10, clock: Callable[[], float] = time.monotonic) -> None:
        self._on_alert = on_alert or (lambda alert: None)
        self.threshold = error_rate_threshold
        self.window_s = window_s
        self.min_samples = min_samples
        self._clock = clock
        self._lock = threading.Lock()
        self._errors: Counter[str] = Counter()
        self._retries: Counter[str] = Counter()
        self._outcomes: deque[tuple[float, bool]] = deque()
        self._requests = 0
        self._alerts = 0
        self._last_rate_alert: float | None = None
        self._open: set[str] = set()

    def record_error(self, code: str, *, endpoint: str = "", job_id: str | None = None) -> None:
        with self._lock:
            self._errors[code] += 1
        self._outcome(False)

    def record_success(self) -> None:
        self._outcome(True)

    def record_retry(self, endpoint: str, code: str = "") -> None:
        """A failed attempt that will be retried: counted per endpoint and as an error."""
        with self._lock:
            self._retries[endpoint or "?"] += 1
            if code:
                self._errors[code] += 1
        self._outcome(False)

    def breaker_changed(self, endpoint: str, state: str, next_probe_at: float | None = None
                        ) -> None:
        """``state`` is "open", "half_open" or "closed"; alerts once per opening."""
        alert = None
        with self._lock:
            if state == "open" and endpoint not in self._open:
                self._open.add(endpoint)
                self._alerts += 1
                when = (time.strftime("%H:%M:%S", time.localtime(next_probe_at))
                        if next_probe_at else "soon")
                alert = Alert("breaker_open", f"The server at {endpoint or 'the backend'} keeps "
                              f"failing; uploads pause until it recovers (next try at {when}).")
            elif state == "closed":
                self._open.discard(endpoint)
        log.warning("circuit breaker %s for %s", state, endpoint,
                    extra={"resource": endpoint, "breaker_state": state})
        if alert:
            self._on_alert(alert)

    def snapshot(self) -> MonitorSnapshot:
        with self._lock:
            self._trim(self._clock())
            return MonitorSnapshot(dict(self._errors), dict(self._retries), self._requests,
                                   self._rate(), self._alerts)

    # ---- internals ------------------------------------------------------------------

    def _rate(self) -> float:
        if not self._outcomes:
            return 0.0
        return sum(1 for _, ok in self._outcomes if not ok) / len(self._outcomes)

    def _trim(self, now: float) -> None:
        while self._outcomes and self._outcomes[0][0] < now - self.window_s:
            self._outcomes.popleft()

    def _outcome(self, ok: bool) -> None:
        alert = None
        with self._lock:
            now = self._clock()
            self._requests += 1
            self._outcomes.append((now, ok))
            self._trim(now)
            rate = self._rate()
            quiet = (self._last_rate_alert is None
                     or now - self._last_rate_alert >= self.window_s)
            if (not ok and len(self._outcomes) >= self.min_samples and rate >= self.threshold
                    and quiet):
                self._last_rate_alert = now
                self._alerts += 1
                alert = Alert("error_rate", f"{rate:.0%} of recent requests to the server failed; "
                              "the app keeps retrying.")
        if alert:
            log.warning(alert.message, extra={"alert": alert.kind, "error_rate": round(rate, 3)})
            self._on_alert(alert)
