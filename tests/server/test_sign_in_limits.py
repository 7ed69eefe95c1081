"""Sign-in limits: guessing passwords costs time, per username and per client address.

Run against a real server with short delays (the defaults are 15 s growing to 15 min).
"""

from __future__ import annotations

import math
import statistics
import time

import httpx
import pytest

from desktop_app.errors import AppError
from desktop_app.server.config import SignInLimits
from desktop_app.transfer.auth import AuthSession
from desktop_app.transfer.client import BackendClient
from tests.server.helpers import assert_error

USERS = [("alice", "alice-pw", False), ("bob", "bob-pw", False), ("root", "root-pw", True)]
# Delays long enough that a loaded machine still asks within them, short enough to wait out.
FAST = SignInLimits(per_user=5, per_address=20, window_s=60, first_delay_s=3.0, max_delay_s=12.0)
LONG = SignInLimits(per_user=5, per_address=20, window_s=60, first_delay_s=60.0)


def sign_in(srv, username: str, password: str) -> httpx.Response:
    return httpx.post(srv.api_url + "/auth/token", json={"username": username, "password": password}, timeout=30)


def wait_out(response: httpx.Response) -> None:
    """Sleep for the server's Retry-After: the lock-out being tested is a span of time."""
    time.sleep(int(response.headers["retry-after"]) + 0.1)


@pytest.fixture
def srv(server_factory):
    return server_factory(users=USERS, sign_in_limits=FAST)


def test_twenty_wrong_passwords_are_mostly_refused_then_the_right_one_works(srv):
    answers = [sign_in(srv, "alice", f"guess-{i}") for i in range(20)]
    codes = [r.status_code for r in answers]
    assert codes.count(429) >= 12, codes
    assert set(codes) <= {401, 429} and codes[:5] == [401] * 5, codes
    limited = answers[-1]
    body = assert_error(limited, 429, "TOO_MANY_SIGN_IN_ATTEMPTS")
    seconds = int(limited.headers["retry-after"])
    assert 1 <= seconds <= FAST.max_delay_s and body["retry_after"] == seconds
    assert f"try again in {seconds} s" in body["error"]
    # the right password is refused as well while the name is locked (or guessing would show it) ...
    assert_error(sign_in(srv, "alice", "alice-pw"), 429, "TOO_MANY_SIGN_IN_ATTEMPTS")
    # ... and works once the delay has passed; success starts the count afresh
    wait_out(limited)
    assert sign_in(srv, "alice", "alice-pw").status_code == 200
    assert [sign_in(srv, "alice", "wrong").status_code for _ in range(3)] == [401] * 3


def test_the_delay_grows_with_each_further_failure(srv):
    for _ in range(FAST.per_user):
        assert sign_in(srv, "alice", "wrong").status_code == 401
    first = sign_in(srv, "alice", "wrong")
    assert_error(first, 429, "TOO_MANY_SIGN_IN_ATTEMPTS")
    wait_out(first)
    assert sign_in(srv, "alice", "wrong").status_code == 401  # one more guess after the wait ...
    second = sign_in(srv, "alice", "wrong")
    assert_error(second, 429, "TOO_MANY_SIGN_IN_ATTEMPTS")  # ... buys a longer lock-out
    assert second.json()["retry_after"] > first.json()["retry_after"]


def test_another_user_is_unaffected(server_factory):
    srv = server_factory(users=USERS, sign_in_limits=LONG)
    for i in range(20):
        sign_in(srv, "alice", f"guess-{i}")
    assert sign_in(srv, "alice", "alice-pw").status_code == 429
    assert sign_in(srv, "bob", "bob-pw").status_code == 200


def test_unknown_names_are_limited_like_known_ones(server_factory):
    """Locking only real accounts would tell a guesser which names exist."""
    srv = server_factory(users=USERS, sign_in_limits=LONG)
    codes = [sign_in(srv, "nobody", "x").status_code for _ in range(8)]
    assert codes[:5] == [401] * 5 and codes[5:] == [429] * 3


def test_failures_are_counted_per_client_address_too(server_factory):
    srv = server_factory(users=USERS, sign_in_limits=SignInLimits(per_user=5, per_address=6, first_delay_s=60.0))
    # one guess each at many names stays under the per-name limit, not under the address's
    codes = [sign_in(srv, f"user{i}", "x").status_code for i in range(8)]
    assert codes[:6] == [401] * 6 and codes[6:] == [429, 429], codes
    assert_error(sign_in(srv, "bob", "bob-pw"), 429, "TOO_MANY_SIGN_IN_ATTEMPTS")


def test_sign_in_timing_does_not_tell_a_bad_user_from_a_bad_password(server_factory):
    srv = server_factory(users=USERS, sign_in_limits=SignInLimits(per_user=100, per_address=100))

    def median_seconds(username: str) -> float:
        times = []
        for _ in range(7):
            start = time.perf_counter()
            assert sign_in(srv, username, "not-the-password").status_code == 401
            times.append(time.perf_counter() - start)
        return statistics.median(times)

    sign_in(srv, "alice", "warm-up")
    unknown, known = median_seconds("no-such-user"), median_seconds("alice")
    # both run one scrypt check (~tens of ms); a shortcut for unknown names would be ~50x faster
    assert 1 / 3 < unknown / known < 3, (unknown, known)


def test_the_client_shows_the_wait_and_does_not_resend_the_password(server_factory):
    srv = server_factory(users=USERS, sign_in_limits=LONG)
    for _ in range(LONG.per_user):
        sign_in(srv, "alice", "wrong")

    def refused_sign_ins() -> int:
        text = httpx.get(srv.api_url + "/metrics").text
        line = next((x for x in text.splitlines() if x.startswith(
            'uploader_requests_total{method="POST",route="/api/v1/auth/token",status="429"}')), None)
        return int(float(line.rsplit(" ", 1)[1])) if line else 0

    before = refused_sign_ins()
    with BackendClient(srv.url, auth=AuthSession()) as client, pytest.raises(AppError) as info:
        client.sign_in("alice", "alice-pw")
    err = info.value
    assert err.code == "TOO_MANY_SIGN_IN_ATTEMPTS" and not err.retryable
    assert err.message == f"Too many sign-in attempts, try again in {math.ceil(err.retry_after)} s."
    assert refused_sign_ins() == before + 1  # one request: a password is never retried on its own
