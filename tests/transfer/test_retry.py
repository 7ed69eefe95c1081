"""The retry loop's decisions: which errors retry, how long it waits, when it gives up."""

from __future__ import annotations

import email.utils
import threading
import time

import pytest

from desktop_app.errors import AppError
from desktop_app.transfer.budget import RetryBudget
from desktop_app.transfer.cancel import CancelToken
from desktop_app.transfer.httperr import parse_retry_after
from desktop_app.transfer.retry import RetryPolicy, call_with_retry, delay_for

QUICK = RetryPolicy(max_attempts=5, base_delay=0.01, max_delay=0.05)


def failing(codes: list[str], result: str = "ok"):
    """A call that fails with ``codes`` in turn, then succeeds; records attempt numbers."""
    seen: list[int] = []

    def fn(attempt: int) -> str:
        seen.append(attempt)
        if len(seen) <= len(codes):
            raise AppError(codes[len(seen) - 1], "injected")
        return result

    return fn, seen


@pytest.mark.parametrize("code", ["NETWORK_TIMEOUT", "CONNECTION_FAILED", "CONNECTION_RESET",
                                  "RATE_LIMITED", "CHECKSUM_MISMATCH", "TEMPORARY_FAILURE",
                                  "BAD_GATEWAY", "SERVICE_UNAVAILABLE", "GATEWAY_TIMEOUT"])
def test_transient_codes_are_retried_with_the_attempt_number(code):
    fn, seen = failing([code, code])
    attempts = []
    assert call_with_retry(fn, policy=QUICK, resource="GET /x", on_attempt=attempts.append) == "ok"
    assert seen == [0, 1, 2]  # sent as X-Retry-Attempt
    assert [(a.attempt, a.error_code, a.final) for a in attempts] == [(1, code, False),
                                                                      (2, code, False)]


@pytest.mark.parametrize("code", ["INVALID_REQUEST", "MISSING_FIELD", "TOKEN_EXPIRED", "FORBIDDEN",
                                  "SESSION_NOT_FOUND", "FILE_TOO_LARGE", "VIDEO_CORRUPTED",
                                  "INTERNAL_ERROR", "CIRCUIT_OPEN", "FILE_NOT_FOUND"])
def test_permanent_codes_fail_on_the_first_attempt(code):
    fn, seen = failing([code])
    with pytest.raises(AppError) as info:
        call_with_retry(fn, policy=QUICK, resource="GET /x")
    assert info.value.code == code and seen == [0]
    assert info.value.extra["attempts"] == 1


def test_gives_up_after_max_attempts_with_the_last_error():
    fn, seen = failing(["SERVICE_UNAVAILABLE"] * 9)
    attempts = []
    with pytest.raises(AppError) as info:
        call_with_retry(fn, policy=RetryPolicy(max_attempts=3, base_delay=0.01),
                        resource="GET /x", on_attempt=attempts.append)
    assert info.value.code == "SERVICE_UNAVAILABLE" and seen == [0, 1, 2]
    assert attempts[-1].final and attempts[-1].attempt == 3 and attempts[-1].delay_s == 0


def test_backoff_doubles_with_full_jitter_and_caps():
    policy = RetryPolicy(base_delay=1, max_delay=30, jitter=False)
    err = AppError("TEMPORARY_FAILURE")
    assert [delay_for(err, n, policy) for n in range(1, 8)] == [1, 2, 4, 8, 16, 30, 30]
    jittered = RetryPolicy(base_delay=1, max_delay=30)
    bounds: list[tuple[float, float]] = []
    delay_for(err, 4, jittered, rng=lambda lo, hi: bounds.append((lo, hi)) or hi / 2)
    assert bounds == [(0.0, 8.0)]


def test_retry_after_wins_and_is_capped_at_five_minutes():
    policy = RetryPolicy()
    assert delay_for(AppError("RATE_LIMITED", retry_after=7.0), 1, policy) == 7.0
    assert delay_for(AppError("SERVICE_UNAVAILABLE", retry_after=3600.0), 1, policy) == 300.0


def test_retry_after_header_in_seconds_or_http_date():
    now = time.time()
    assert parse_retry_after("120") == 120.0
    date = email.utils.formatdate(now + 90, usegmt=True)
    assert 88 <= parse_retry_after(date, now=now) <= 90
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


def test_server_policy_overrides_within_three_to_five_attempts():
    base = RetryPolicy()
    assert base.from_server({"max_attempts": 9, "base_delay_s": 2, "max_delay_s": 60}) == \
        RetryPolicy(max_attempts=5, base_delay=2, max_delay=60)
    assert base.from_server({"max_attempts": 1}).max_attempts == 3
    assert base.from_server("nonsense") == base


def test_empty_retry_budget_fails_fast_with_the_last_error():
    budget = RetryBudget(capacity=10, retry_cost=5)
    fn, seen = failing(["SERVICE_UNAVAILABLE"] * 9)
    with pytest.raises(AppError) as info:
        call_with_retry(fn, policy=QUICK, resource="GET /x", budget=budget)
    assert info.value.code == "SERVICE_UNAVAILABLE"
    assert info.value.extra["retry_budget"] == "exhausted"
    assert seen == [0, 1, 2]  # two retries paid for, the third refused
    # Successes refill it, so work resumes when the server is back.
    fn_ok, _ = failing([])
    call_with_retry(fn_ok, policy=QUICK, resource="GET /x", budget=budget)
    assert budget.tokens == 1


def test_cancel_during_backoff_interrupts_the_sleep():
    token = CancelToken()
    waiting = threading.Event()
    fn, seen = failing(["SERVICE_UNAVAILABLE"] * 5)
    outcome: list[AppError] = []

    def run() -> None:
        try:
            call_with_retry(fn, policy=RetryPolicy(base_delay=30, jitter=False),
                            resource="GET /x", cancel=token,
                            on_attempt=lambda info: waiting.set())
        except AppError as err:
            outcome.append(err)

    worker = threading.Thread(target=run)
    worker.start()
    assert waiting.wait(5)  # now sleeping 30 s before attempt 2
    token.cancel("pause")
    worker.join(1.0)
    assert not worker.is_alive()
    assert outcome[0].code == "CANCELLED" and outcome[0].extra["reason"] == "pause"
    assert seen == [0]  # the next attempt never ran


def test_cancelled_token_stops_before_the_first_attempt():
    token = CancelToken()
    token.cancel()
    fn, seen = failing([])
    with pytest.raises(AppError) as info:
        call_with_retry(fn, policy=QUICK, resource="GET /x", cancel=token)
    assert info.value.code == "CANCELLED" and seen == []
