"""Counters and alerts."""

from __future__ import annotations

from desktop_app.jobs.monitor import Monitor


def test_counts_errors_by_code_and_retries_by_endpoint():
    alerts = []
    mon = Monitor(alerts.append, min_samples=100)
    mon.record_retry("PATCH /api/v1/uploads", "SERVICE_UNAVAILABLE")
    mon.record_retry("PATCH /api/v1/uploads", "SERVICE_UNAVAILABLE")
    mon.record_retry("POST /api/v1/sessions", "BAD_GATEWAY")
    mon.record_error("FILE_CHANGED")
    mon.record_success()
    snap = mon.snapshot()
    assert snap.errors_by_code == {"SERVICE_UNAVAILABLE": 2, "BAD_GATEWAY": 1, "FILE_CHANGED": 1}
    assert snap.retries_by_endpoint == {"PATCH /api/v1/uploads": 2, "POST /api/v1/sessions": 1}
    assert snap.error_rate == 0.8
    assert alerts == []


def test_error_rate_alert_once_per_window():
    now = [0.0]
    alerts = []
    mon = Monitor(alerts.append, error_rate_threshold=0.5, window_s=60, min_samples=4,
                  clock=lambda: now[0])
    for _ in range(3):
        mon.record_success()
    for _ in range(10):
        mon.record_error("TEMPORARY_FAILURE")
    assert [a.kind for a in alerts] == ["error_rate"]
    assert "%" in alerts[0].message
    now[0] = 120.0  # a new window: old outcomes fall out, a new bad streak alerts again
    for _ in range(4):
        mon.record_error("TEMPORARY_FAILURE")
    assert [a.kind for a in alerts] == ["error_rate", "error_rate"]


def test_breaker_open_alerts_once_until_it_closes():
    alerts = []
    mon = Monitor(alerts.append)
    mon.breaker_changed("http://127.0.0.1:9/api/v1/uploads", "open", next_probe_at=None)
    mon.breaker_changed("http://127.0.0.1:9/api/v1/uploads", "open")
    mon.breaker_changed("http://127.0.0.1:9/api/v1/uploads", "half_open")
    assert len(alerts) == 1 and alerts[0].kind == "breaker_open"
    mon.breaker_changed("http://127.0.0.1:9/api/v1/uploads", "closed")
    mon.breaker_changed("http://127.0.0.1:9/api/v1/uploads", "open")
    assert len(alerts) == 2


def test_progress_throttle_lets_ten_a_second_through_and_always_the_last():
    from desktop_app.jobs.pools import Throttle

    now = [0.0]
    throttle = Throttle(10.0, clock=lambda: now[0])
    emitted = 0
    for step in range(1, 1001):  # 1000 progress callbacks over one second
        now[0] = step / 1000
        emitted += throttle.check("job", step, 1000)[0]
    assert 9 <= emitted <= 12  # ~10 a second, and the final 1000/1000 always
    assert throttle.check("other", 0, 10)[0]  # per job, not global
