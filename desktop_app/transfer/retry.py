"""One retry loop for every request the app sends (built on tenacity).

    result = call_with_retry(lambda attempt: send(attempt), policy=policy,
                             resource="PATCH /uploads/{id}", cancel=token,
                             budget=budget, breaker=breaker, on_attempt=cb)

``fn`` receives the attempt number (0 for the first try) and sends it as
``X-Retry-Attempt``. It raises :class:`AppError`; the error's catalogue entry decides:

- retried: NETWORK_TIMEOUT, CONNECTION_FAILED/RESET, 408, 429, 460, 500 TEMPORARY_FAILURE,
  502, 503, 504, 409 offset mismatch (after a re-sync inside ``fn``);
- never: 400/401/403/404/413/422, 500 INTERNAL_ERROR, CIRCUIT_OPEN, CANCELLED, file errors.
  (401 is handled once by the auth layer before it gets here.)

Delays: full jitter over 1, 2, 4, 8 s ... capped at ``max_delay`` (30 s); a
``Retry-After`` from the server wins, capped at 5 minutes. Sleeps wait on the cancel
token, and the token is checked before every attempt, so cancel/pause acts within a
second even mid-backoff. Every failed attempt is logged (code, delay, resource,
request id) and reported to ``on_attempt`` as an :class:`AttemptInfo`.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, TypeVar

import tenacity

from desktop_app.errors import BREAKER_NEUTRAL_CODES, AppError, RetryClass
from desktop_app.transfer.breaker import CircuitBreaker
from desktop_app.transfer.budget import RetryBudget
from desktop_app.transfer.cancel import CancelToken, scope

log = logging.getLogger("desktop_app.transfer")
T = TypeVar("T")



@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5  # total tries, 3 to 5
    base_delay: float = 1.0
    max_delay: float = 30.0
    retry_after_cap: float = 300.0
    jitter: bool = True  # full jitter: uniform(0, backoff)

    def clamped(self) -> RetryPolicy:
        return replace(
            self,
            max_attempts=min(5, max(3, int(self.max_attempts))),
            base_delay=min(30.0, max(0.0, float(self.base_delay))),
            max_delay=min(300.0, max(0.0, float(self.max_delay))),
            retry_after_cap=min(300.0, max(0.0, float(self.retry_after_cap))),
        )

    def from_server(self, data: Any) -> RetryPolicy:
        """This policy overridden by ``GET /config``'s ``retry_policy``, within bounds."""
        if not isinstance(data, dict):
            return self
        changes: dict[str, Any] = {}
        for src, dst in (("max_attempts", "max_attempts"), ("base_delay_s", "base_delay"),
                         ("max_delay_s", "max_delay")):
            value = data.get(src)
            if isinstance(value, int | float) and not isinstance(value, bool):
                changes[dst] = value
        return replace(self, **changes).clamped()

    def backoff(self, retry_number: int) -> float:
        """Delay before retry ``retry_number`` (1 = the first retry), before jitter."""
        return min(self.max_delay, self.base_delay * 2 ** (retry_number - 1))


@dataclass(frozen=True)
class AttemptInfo:
    """A failed attempt that will be retried after ``delay_s`` (or the final one)."""

    resource: str
    attempt: int  # 1-based number of the attempt that failed
    max_attempts: int
    error_code: str
    delay_s: float  # 0 when ``final``
    request_id: str | None
    retry_after: float | None
    final: bool  # True when no retry follows


def is_retryable(err: AppError) -> bool:
    return err.retry in (RetryClass.BACKOFF, RetryClass.RETRY_AFTER)


def counts_as_failure(err: AppError) -> bool:
    """Does this error count toward the circuit breaker?"""
    return is_retryable(err) and err.code not in BREAKER_NEUTRAL_CODES


def delay_for(err: AppError, retry_number: int, policy: RetryPolicy,
              rng: Callable[[float, float], float] = random.uniform) -> float:
    if err.retry_after is not None:
        return min(err.retry_after, policy.retry_after_cap)
    ceiling = policy.backoff(retry_number)
    return rng(0.0, ceiling) if policy.jitter else ceiling


def call_with_retry(
    fn: Callable[[int], T],
    *,
    policy: RetryPolicy,
    resource: str,
    cancel: CancelToken | None = None,
    budget: RetryBudget | None = None,
    breaker: CircuitBreaker | None = None,
    on_attempt: Callable[[AttemptInfo], None] | None = None,
) -> T:
    policy = policy.clamped()
    cancel = cancel or CancelToken()
    spent = 0
    state: dict[str, Any] = {}

    def attempt_once(number: int) -> T:
        cancel.raise_if_cancelled()
        if breaker is not None:
            breaker.before_call()  # CIRCUIT_OPEN is not retried: the caller waits for the probe
        try:
            with scope(cancel):  # sockets check it while they wait (transport.py)
                result = fn(number)
        except AppError as err:
            err.extra["attempts"] = number + 1
            if breaker is not None:
                (breaker.record_failure if counts_as_failure(err) else breaker.record_neutral)()
            raise
        except BaseException:
            if breaker is not None:
                breaker.record_neutral()
            raise
        if breaker is not None:
            breaker.record_success()
        return result

    def should_retry(rs: tenacity.RetryCallState) -> bool:
        exc = rs.outcome.exception() if rs.outcome else None
        return isinstance(exc, AppError) and is_retryable(exc)

    def wait(rs: tenacity.RetryCallState) -> float:
        """Decide and record the retry here (tenacity runs wait before stop): the
        delay, the budget and the log line all need the error."""
        nonlocal spent
        err = rs.outcome.exception() if rs.outcome else None
        assert isinstance(err, AppError)
        number = rs.attempt_number
        final = number >= policy.max_attempts
        reason = "attempts used up"
        if not final and budget is not None:
            cost = budget.try_acquire(err.code)
            if cost == 0:
                final, reason = True, "retry budget exhausted"
                err.extra["retry_budget"] = "exhausted"
            spent += cost
        delay = 0.0 if final else delay_for(err, number, policy)
        state["final"] = final
        _report(resource, number, policy, err, delay, final, on_attempt)
        if final:
            log.warning("%s: giving up after attempt %d/%d (%s): %s", resource, number,
                        policy.max_attempts, reason, err.code)
            if breaker is not None and counts_as_failure(err):
                breaker.record_exhausted()
        return delay

    def stop(rs: tenacity.RetryCallState) -> bool:
        return bool(state.get("final"))

    retrying = tenacity.Retrying(
        retry=should_retry, stop=stop, wait=wait, sleep=cancel.sleep, reraise=True,
    )
    result: Any = None
    for attempt in retrying:
        with attempt:
            result = attempt_once(attempt.retry_state.attempt_number - 1)
    if budget is not None:
        budget.on_success(spent)
    return result


def _report(resource: str, number: int, policy: RetryPolicy, err: AppError, delay: float,
            final: bool, on_attempt: Callable[[AttemptInfo], None] | None) -> None:
    if not final:
        log.info("%s: attempt %d/%d failed with %s (request %s); retrying in %.2f s",
                 resource, number, policy.max_attempts, err.code, err.request_id or "-", delay)
    info = AttemptInfo(resource, number, policy.max_attempts, err.code, delay,
                       err.request_id, err.retry_after, final)
    if on_attempt is not None:
        on_attempt(info)
