"""Circuit breaker rules, stepped with an injectable clock."""

from __future__ import annotations

import pytest

from desktop_app.errors import AppError
from desktop_app.transfer.breaker import BreakerRegistry, BreakerState
from desktop_app.transfer.retry import RetryPolicy, call_with_retry

QUICK = RetryPolicy(max_attempts=3, base_delay=0.0)


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def setup():
    clock = Clock()
    events = []
    reg = BreakerRegistry(events.append, clock=clock)
    return clock, events, reg


def run(breaker, codes):
    """One operation through the retry loop; the call fails with ``codes`` in turn."""
    calls = []

    def fn(attempt: int) -> str:
        calls.append(attempt)
        if len(calls) <= len(codes):
            raise AppError(codes[len(calls) - 1])
        return "ok"

    try:
        return call_with_retry(fn, policy=QUICK, resource="r", breaker=breaker), calls
    except AppError as err:
        return err, calls


def test_opens_after_five_transient_failures_and_fails_fast(setup):
    clock, events, reg = setup
    breaker = reg.get("https://h.example/api/v1/videos/abc", "/api/v1/videos/{id}")
    run(breaker, ["SERVICE_UNAVAILABLE"] * 2)  # healed: counts reset on success
    assert breaker.state is BreakerState.CLOSED
    err, _ = run(breaker, ["BAD_GATEWAY"] * 3)
    assert err.code == "BAD_GATEWAY"
    err, calls = run(breaker, ["BAD_GATEWAY"] * 3)
    # The 5th consecutive failure opened it; the 3rd attempt was refused without sending.
    assert err.code == "CIRCUIT_OPEN" and calls == [0, 1]
    assert err.extra["next_probe_at"] == clock.now + 30
    assert [(e.old, e.new) for e in events] == [(BreakerState.CLOSED, BreakerState.OPEN)]
    assert events[0].endpoint == "https://h.example/api/v1/videos/{id}"
    err, calls = run(breaker, [])
    assert err.code == "CIRCUIT_OPEN" and calls == []


def test_opens_after_three_exhausted_operations(setup):
    _, events, reg = setup
    breaker = reg.get("http://h", "/x")
    breaker.config = breaker.config.__class__(failure_threshold=100)
    for _ in range(3):
        err, _ = run(breaker, ["TEMPORARY_FAILURE"] * 3)
        assert err.code == "TEMPORARY_FAILURE"
    assert breaker.state is BreakerState.OPEN and len(events) == 1


def test_half_open_probe_closes_on_success(setup):
    clock, events, reg = setup
    breaker = reg.get("http://h", "/x")
    for _ in range(5):
        breaker.record_failure()
    clock.now += 29.9
    assert run(breaker, [])[0].code == "CIRCUIT_OPEN"
    clock.now += 0.2
    breaker.before_call()  # the probe goes through...
    with pytest.raises(AppError) as info:
        breaker.before_call()  # ...and only the probe
    assert info.value.code == "CIRCUIT_OPEN"
    breaker.record_success()
    assert breaker.state is BreakerState.CLOSED
    assert [e.new for e in events] == [BreakerState.OPEN, BreakerState.HALF_OPEN,
                                       BreakerState.CLOSED]
    assert run(breaker, [])[0] == "ok"


def test_failed_probe_doubles_the_cooldown_up_to_five_minutes(setup):
    clock, events, reg = setup
    breaker = reg.get("http://h", "/x")
    for _ in range(5):
        breaker.record_failure()
    waits = []
    for _ in range(6):
        waits.append(breaker.next_probe_at - clock.now)
        clock.now = breaker.next_probe_at
        err, calls = run(breaker, ["SERVICE_UNAVAILABLE"] * 3)
        assert calls == [0] and err.code == "CIRCUIT_OPEN"  # probe failed, reopened
    assert waits == [30, 60, 120, 240, 300, 300]
    clock.now = breaker.next_probe_at
    assert run(breaker, [])[0] == "ok"
    for _ in range(5):
        breaker.record_failure()
    assert breaker.next_probe_at - clock.now == 30  # success reset the cooldown


def test_client_errors_never_count(setup):
    _, events, reg = setup
    breaker = reg.get("http://h", "/x")
    for _ in range(10):
        err, _ = run(breaker, ["FORBIDDEN"])
        assert err.code == "FORBIDDEN"
    for _ in range(4):
        breaker.record_failure()
    run(breaker, ["VIDEO_NOT_FOUND"])
    assert breaker.state is BreakerState.CLOSED and events == []


def test_breakers_are_per_endpoint(setup):
    _, _, reg = setup
    bad = reg.get("https://h/api/v1/uploads/1", "/api/v1/uploads/{id}")
    assert reg.get("https://h/api/v1/uploads/2", "/api/v1/uploads/{id}") is bad
    for _ in range(5):
        bad.record_failure()
    assert bad.state is BreakerState.OPEN
    assert reg.get("https://h/api/v1/sessions", "/api/v1/sessions").state is BreakerState.CLOSED
    assert reg.get("https://other/api/v1/uploads/1", "/api/v1/uploads/{id}").state \
        is BreakerState.CLOSED


def test_probe_now_lets_the_next_call_probe_at_once(setup):
    clock, _, reg = setup
    breaker = reg.get("http://h", "/x")
    for _ in range(5):
        breaker.record_failure()
    assert run(breaker, [])[0].code == "CIRCUIT_OPEN"
    reg.probe_now()
    assert run(breaker, [])[0] == "ok" and breaker.state is BreakerState.CLOSED
