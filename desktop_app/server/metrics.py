"""Counters for /metrics (Prometheus text) and the adaptive retry policy.

The policy reads a 60-second sliding window of API requests (sign-in, config,
health and metrics excluded): the share that failed on the server's side (5xx
or 429, injected faults included: that is what a client experiences) and the
share that were retries (``X-Retry-Attempt`` >= 1). Stress is the larger of the
two. Below 10 % (or with fewer than 20 requests in the window) clients get the
defaults; from there to 50 % the policy slides linearly to fewer, slower
retries, so a struggling server is not hammered by its own clients.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from dataclasses import asdict, dataclass

WINDOW_S = 60.0
MIN_REQUESTS = 20
CALM, STRESSED = 0.10, 0.50


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int
    base_delay_s: float
    max_delay_s: float
    breaker_cooldown_s: float

    def to_dict(self) -> dict[str, float | int]:
        return asdict(self)


DEFAULT_POLICY = RetryPolicy(max_attempts=5, base_delay_s=1.0, max_delay_s=30.0, breaker_cooldown_s=30.0)
STRESSED_POLICY = RetryPolicy(max_attempts=3, base_delay_s=5.0, max_delay_s=120.0,
                              breaker_cooldown_s=120.0)


def derive_policy(requests: int, errors: int, retries: int) -> RetryPolicy:
    if requests < MIN_REQUESTS:
        return DEFAULT_POLICY
    stress = max(errors / requests, retries / requests)
    if stress <= CALM:
        return DEFAULT_POLICY
    s = min(1.0, (stress - CALM) / (STRESSED - CALM))
    d, x = DEFAULT_POLICY, STRESSED_POLICY
    return RetryPolicy(
        max_attempts=round(d.max_attempts + (x.max_attempts - d.max_attempts) * s),
        base_delay_s=round(d.base_delay_s + (x.base_delay_s - d.base_delay_s) * s, 2),
        max_delay_s=round(d.max_delay_s + (x.max_delay_s - d.max_delay_s) * s, 1),
        breaker_cooldown_s=round(d.breaker_cooldown_s + (x.breaker_cooldown_s - d.breaker_cooldown_s) * s, 1),
    )


def _esc(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


class Metrics:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: Counter[tuple[str, str, int]] = Counter()
        self.errors: Counter[str] = Counter()
        self.attempts: Counter[str] = Counter()
        self.retry_attempts = 0
        self.uploads_in_flight = 0
        self.bytes_received = 0
        self.faults_injected = 0
        # (timestamp, is_error, is_retry) of recent API requests, for the policy
        self._window: deque[tuple[float, bool, bool]] = deque()

    def observe(self, method: str, route: str, status: int, error_code: str | None,
                attempt: int, counts_for_policy: bool) -> None:
        now = time.monotonic()
        with self._lock:
            self.requests[(method, route, status)] += 1
            if error_code:
                self.errors[error_code] += 1
            if attempt > 0:
                self.retry_attempts += 1
            self.attempts[str(attempt) if attempt < 5 else "5+"] += 1
            if counts_for_policy:
                self._window.append((now, status >= 500 or status == 429, attempt > 0))
            self._trim(now)

    def _trim(self, now: float) -> None:
        while self._window and self._window[0][0] < now - WINDOW_S:
            self._window.popleft()

    def window(self) -> tuple[int, int, int]:
        with self._lock:
            self._trim(time.monotonic())
            items = list(self._window)
        return len(items), sum(e for _, e, _ in items), sum(r for _, _, r in items)

    def policy(self) -> tuple[RetryPolicy, dict[str, float | int]]:
        total, errors, retries = self.window()
        basis = {"window_s": WINDOW_S, "requests": total,
                 "error_rate": round(errors / total, 3) if total else 0.0,
                 "retry_rate": round(retries / total, 3) if total else 0.0}
        return derive_policy(total, errors, retries), basis

    def add_inflight(self, delta: int) -> None:
        with self._lock:
            self.uploads_in_flight += delta

    def count_fault(self) -> None:
        with self._lock:
            self.faults_injected += 1

    def add_bytes(self, n: int) -> None:
        with self._lock:
            self.bytes_received += n

    def render(self) -> str:
        policy, basis = self.policy()
        with self._lock:
            lines = ["# HELP uploader_requests_total HTTP requests by method, route and status.",
                     "# TYPE uploader_requests_total counter"]
            for (method, route, status), n in sorted(self.requests.items()):
                lines.append(f'uploader_requests_total{{method="{method}",route="{_esc(route)}",'
                             f'status="{status}"}} {n}')
            lines += ["# HELP uploader_errors_total Error responses by error_code.",
                      "# TYPE uploader_errors_total counter"]
            for code, n in sorted(self.errors.items()):
                lines.append(f'uploader_errors_total{{error_code="{code}"}} {n}')
            lines += ["# HELP uploader_retry_attempts_total Requests that were retries (X-Retry-Attempt >= 1).",
                      "# TYPE uploader_retry_attempts_total counter",
                      f"uploader_retry_attempts_total {self.retry_attempts}",
                      "# HELP uploader_requests_by_attempt_total Requests by their X-Retry-Attempt value.",
                      "# TYPE uploader_requests_by_attempt_total counter"]
            for attempt, n in sorted(self.attempts.items()):
                lines.append(f'uploader_requests_by_attempt_total{{attempt="{attempt}"}} {n}')
            lines += ["# HELP uploader_uploads_in_flight Uploads being received right now.",
                      "# TYPE uploader_uploads_in_flight gauge",
                      f"uploader_uploads_in_flight {self.uploads_in_flight}",
                      "# HELP uploader_faults_injected_total Requests failed on purpose (--fault-injection).",
                      "# TYPE uploader_faults_injected_total counter",
                      f"uploader_faults_injected_total {self.faults_injected}",
                      "# HELP uploader_upload_bytes_total Upload body bytes stored.",
                      "# TYPE uploader_upload_bytes_total counter",
                      f"uploader_upload_bytes_total {self.bytes_received}"]
        lines += ["# HELP uploader_window_error_rate Share of recent API requests that failed (5xx/429).",
                  "# TYPE uploader_window_error_rate gauge",
                  f"uploader_window_error_rate {basis['error_rate']}",
                  "# HELP uploader_window_retry_rate Share of recent API requests that were retries.",
                  "# TYPE uploader_window_retry_rate gauge",
                  f"uploader_window_retry_rate {basis['retry_rate']}",
                  "# HELP uploader_retry_policy Retry policy currently advertised in GET /config.",
                  "# TYPE uploader_retry_policy gauge"]
        for key, value in policy.to_dict().items():
            lines.append(f'uploader_retry_policy{{parameter="{key}"}} {value}')
        return "\n".join(lines) + "\n"
