"""Retry budget: a token bucket shared by every job talking to one server.

In the spirit of the AWS SDKs' retry quota: a retry costs tokens (a timeout costs
more, as it tied up a connection for long), a success refunds some. During an
outage the bucket drains and further retries fail at once with the last error,
so twenty parallel jobs cannot turn an outage into a retry storm; the first
attempt of a call is always free, so work resumes as soon as the server is back.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from desktop_app.errors import TIMEOUT_CODES


@dataclass
class RetryBudget:
    capacity: int = 500
    retry_cost: int = 5
    timeout_cost: int = 10
    success_refund: int = 1

    def __post_init__(self) -> None:
        self._tokens = self.capacity
        self._lock = threading.Lock()

    @property
    def tokens(self) -> int:
        return self._tokens

    def cost(self, code: str) -> int:
        return self.timeout_cost if code in TIMEOUT_CODES else self.retry_cost

    def try_acquire(self, code: str) -> int:
        """Take the cost of retrying after ``code``; 0 when the budget is empty."""
        cost = self.cost(code)
        with self._lock:
            if self._tokens < cost:
                return 0
            self._tokens -= cost
            return cost

    def on_success(self, spent: int = 0) -> None:
        """A call succeeded: refund what its retries spent, or a little if none."""
        with self._lock:
            self._tokens = min(self.capacity, self._tokens + (spent or self.success_refund))
