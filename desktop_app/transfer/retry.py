"""One retry loop for every request the app sends, composed from tenacity's strategies.

    result = call_with_retry(lambda attempt: send(attempt), policy=policy,
                             resource="PATCH /uploads/{id}", cancel=token,
                             budget=budget, breaker=breaker, on_attempt=cb)

``fn`` receives the attempt number (0 for the first try) and sends it as
``X-Retry-Attempt``. It raises :class:`AppError`; the error's catalogue entry decides:

- retried: NETWORK_TIMEOUT, CONNECTION_FAILED/REFUSED/RESET, 408, 429, 460, 500 TEMPORARY_FAILURE,
  502, 503, 504, 409 offset mismatch (after a re-sync inside ``fn``);
- never: 400/401/403/404/413/422, 500 INTERNAL_ERROR, 507 (the job waits instead, see
  jobs/waits.py), CIRCUIT_OPEN, CANCELLED, file errors.
  (401 is handled once by the auth layer before it gets here.)

Delays: full jitter over 1, 2, 4, 8 s ... capped at ``max_delay`` (30 s)
(``wait_random_exponential``); a ``Retry-After`` from the server wins, capped at 5
minutes (``wait_retry_after``). It stops after ``max_attempts``, or sooner when the
shared retry budget has no tokens left (``stop_when_budget_empty``). Sleeps wait on
the cancel token, and the token is checked before every attempt, so cancel/pause acts
within a second even mid-backoff. Every failed attempt is logged (code, delay,
resource, request id) and reported to ``on_attempt`` as an :class:`AttemptInfo`
(tenacity's ``before_sleep``, and once more, ``final``, when it gives up).
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, NoReturn, TypeVar

import tenacity
from tenacity import RetryCallState

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


def _error(rs: RetryCallState) -> AppError:
    err = rs.outcome.exception() if rs.outcome is not None else None
    assert isinstance(err, AppError)  # only AppErrors are retried (retry_if_exception)
    return err


class wait_full_jitter(tenacity.wait_random_exponential):  # noqa: N801 - tenacity's style
    """tenacity's full jitter, uniform over [0, base * 2**(n-1) capped at max], with its
    random source injectable (``rng``, for tests)."""

    def __init__(self, policy: RetryPolicy,
                 rng: Callable[[float, float], float] = random.uniform) -> None:
        super().__init__(multiplier=policy.base_delay, max=policy.max_delay)
        self.rng = rng

    def __call__(self, retry_state: RetryCallState) -> float:
        return self.rng(self.min, tenacity.wait_exponential.__call__(self, retry_state))


class wait_retry_after(tenacity.wait.wait_base):  # noqa: N801
    """The server's Retry-After (capped) when the error carries one, else ``backoff``."""

    def __init__(self, backoff: tenacity.wait.wait_base, cap: float) -> None:
        self.backoff, self.cap = backoff, cap

    def __call__(self, retry_state: RetryCallState) -> float:
        err = _error(retry_state)
        if err.retry_after is not None:
            return min(err.retry_after, self.cap)
        return self.backoff(retry_state)


def wait_for(policy: RetryPolicy,
             rng: Callable[[float, float], float] = random.uniform) -> tenacity.wait.wait_base:
    """The policy's wait: Retry-After, else exponential backoff (full jitter unless off)."""
    backoff = (wait_full_jitter(policy, rng) if policy.jitter else
               tenacity.wait_exponential(multiplier=policy.base_delay, max=policy.max_delay))
    return wait_retry_after(backoff, policy.retry_after_cap)


def delay_for(err: AppError, retry_number: int, policy: RetryPolicy,
              rng: Callable[[float, float], float] = random.uniform) -> float:
    """The wait before retry ``retry_number`` (1 = the first retry) after ``err``."""
    state = RetryCallState(None, None, (), {})  # type: ignore[arg-type]
    state.attempt_number = retry_number
    state.set_exception((type(err), err, None))
    return wait_for(policy, rng)(state)


class stop_when_budget_empty(tenacity.stop.stop_base):  # noqa: N801
    """Stop when the shared retry budget cannot pay for another retry; what the
    retries took is refunded when the call succeeds (``spent``)."""

    def __init__(self, budget: RetryBudget) -> None:
        self.budget = budget
        self.spent = 0

    def __call__(self, retry_state: RetryCallState) -> bool:
        err = _error(retry_state)
        cost = self.budget.try_acquire(err.code)
        if cost == 0:
            err.extra["retry_budget"] = "exhausted"
            return True
        self.spent += cost
        return False


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
    token = cancel or CancelToken()

    def attempt_once(number: int) -> T:
        token.raise_if_cancelled()
        if breaker is not None:
            breaker.before_call()  # CIRCUIT_OPEN is not retried: the caller waits for the probe
        try:
            with scope(token):  # sockets check it while they wait (transport.py)
                result = fn(number)
        except AppError as err:
            err.extra["attempts"] = number + 1
            if breaker is not None:
                if counts_as_failure(err):
                    breaker.record_failure(err)
                else:
                    breaker.record_neutral()
            raise
        except BaseException:
            if breaker is not None:
                breaker.record_neutral()
            raise
        if breaker is not None:
            breaker.record_success()
        return result

    def report(rs: RetryCallState, delay: float, final: bool) -> None:
        err = _error(rs)
        number = rs.attempt_number
        if not final:
            log.info("%s: attempt %d/%d failed with %s (request %s); retrying in %.2f s",
                     resource, number, policy.max_attempts, err.code, err.request_id or "-",
                     delay)
        if on_attempt is not None:
            on_attempt(AttemptInfo(resource, number, policy.max_attempts, err.code, delay,
                                   err.request_id, err.retry_after, final))

    def give_up(rs: RetryCallState) -> NoReturn:
        err = _error(rs)
        report(rs, 0.0, True)
        reason = ("retry budget exhausted" if err.extra.get("retry_budget") == "exhausted"
                  else "attempts used up")
        log.warning("%s: giving up after attempt %d/%d (%s): %s", resource, rs.attempt_number,
                    policy.max_attempts, reason, err.code)
        if breaker is not None and counts_as_failure(err):
            breaker.record_exhausted()
        raise err

    stop: tenacity.stop.stop_base = tenacity.stop_after_attempt(policy.max_attempts)
    paid = stop_when_budget_empty(budget) if budget is not None else None
    if paid is not None:
        stop = stop | paid  # the budget is asked only when attempts remain
    retrying = tenacity.Retrying(
        retry=tenacity.retry_if_exception(
            lambda exc: isinstance(exc, AppError) and is_retryable(exc)),
        stop=stop, wait=wait_for(policy), sleep=token.sleep,
        before_sleep=lambda rs: report(rs, rs.upcoming_sleep, False),
        retry_error_callback=give_up)
    result: Any = None
    for attempt in retrying:
        with attempt:
            result = attempt_once(attempt.retry_state.attempt_number - 1)
    if budget is not None:
        budget.on_success(paid.spent if paid is not None else 0)
    return result
