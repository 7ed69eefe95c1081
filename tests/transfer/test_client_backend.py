"""The backend client against the real reference backend on loopback: faults injected by
the server and by the TCP proxy heal or fail with the right code; stored bytes match."""

from __future__ import annotations

import hashlib
import threading
import uuid
from pathlib import Path

import pytest

from desktop_app.errors import AppError
from desktop_app.transfer.auth import AuthSession, TokenStore
from desktop_app.transfer.breaker import BreakerRegistry, BreakerState
from desktop_app.transfer.cancel import CancelToken
from desktop_app.transfer.client import BackendClient
from desktop_app.transfer.retry import RetryPolicy
from tests.transfer.conftest import random_file

MiB = 1024 * 1024
FAST = RetryPolicy(max_attempts=5, base_delay=0.05, max_delay=0.2)


def connect(server, url: str | None = None, **kw) -> BackendClient:
    client = BackendClient(url or server.url, auth=AuthSession(TokenStore(server.url)),
                           policy=kw.pop("policy", FAST), **kw)
    client.sign_in(server.username, server.password)
    # The server's retry_policy would restore 1 s delays; these tests keep theirs.
    client.config()
    client.policy = client.base_policy
    return client


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def upload(client: BackendClient, path: Path, **kw):
    tokens = client.auth.tokens
    session = client.create_session(tokens.user_id, title="t")
    return client.upload_video(session.session_id, str(path), user_id=tokens.user_id,
                               idempotency_key=str(uuid.uuid4()), **kw)


@pytest.mark.parametrize("size", [200_000, 10 * MiB], ids=["multipart", "tus"])
@pytest.mark.parametrize("status,code,retry_after", [
    (503, "SERVICE_UNAVAILABLE", 1), (500, "TEMPORARY_FAILURE", None), (429, "RATE_LIMITED", 1)])
def test_transient_faults_heal_and_the_stored_file_matches(server, tmp_path, size, status, code,
                                                           retry_after):
    client = connect(server)
    local = random_file(tmp_path / "v.mp4", size)
    glob = "/sessions/*/videos" if size < 8 * MiB else "/uploads/*"
    method = "POST" if size < 8 * MiB else "PATCH"
    server.inject_fault(method, glob, status=status, retry_after=retry_after, count=2)
    attempts = []
    video = upload(client, local, on_attempt=attempts.append)
    assert [(a.error_code, a.final) for a in attempts] == [(code, False)] * 2
    assert all(a.request_id for a in attempts)  # kept for support
    assert video.sha256 == sha256(local) == video.local_sha256
    assert client.get_video(video.video_id).sha256 == sha256(local)


def test_retry_after_is_waited_for(server):
    client = connect(server)
    server.inject_fault("POST", "/sessions", status=503, retry_after=2, count=1)
    attempts = []
    session = client.create_session(client.auth.tokens.user_id, on_attempt=attempts.append)
    assert session.session_id
    assert [(a.error_code, a.retry_after, a.delay_s) for a in attempts] == \
        [("SERVICE_UNAVAILABLE", 2.0, 2.0)]


@pytest.mark.parametrize("status,code", [
    (400, "INVALID_REQUEST"), (403, "FORBIDDEN"), (404, "SESSION_NOT_FOUND"),
    (413, "FILE_TOO_LARGE"), (422, "VIDEO_CORRUPTED"), (500, "INTERNAL_ERROR")])
def test_permanent_errors_fail_on_the_first_attempt(server, tmp_path, status, code):
    client = connect(server)
    local = random_file(tmp_path / "v.mp4", 100_000)
    server.inject_fault("POST", "/sessions/*/videos", status=status, error_code=code, count=1)
    attempts = []
    with pytest.raises(AppError) as info:
        upload(client, local, on_attempt=attempts.append)
    err = info.value
    assert (err.code, err.status, err.extra["attempts"]) == (code, status, 1)
    assert err.request_id and err.message  # friendly sentence + id for support
    assert attempts == []  # no retry was scheduled


def test_real_permanent_errors_carry_their_codes(server_factory, tmp_path):
    srv = server_factory(max_upload_bytes=1000)
    client = connect(srv)
    user = client.auth.tokens.user_id
    with pytest.raises(AppError) as info:
        client.create_session("someone-else")
    assert info.value.code == "FORBIDDEN"
    local = random_file(tmp_path / "v.mp4", 5000)
    with pytest.raises(AppError) as info:
        client.upload_video("no-such-session", str(local), user_id=user,
                            idempotency_key=str(uuid.uuid4()))
    assert info.value.code == "FILE_TOO_LARGE"
    small = random_file(tmp_path / "s.mp4", 500)
    with pytest.raises(AppError) as info:
        client.upload_video("no-such-session", str(small), user_id=user,
                            idempotency_key=str(uuid.uuid4()))
    assert info.value.code == "SESSION_NOT_FOUND"
    with pytest.raises(AppError) as info:
        client.upload_video("x", str(tmp_path / "missing.mp4"), user_id=user,
                            idempotency_key=str(uuid.uuid4()))
    assert info.value.code == "FILE_NOT_FOUND" and "missing.mp4" in info.value.detail


def test_expired_token_is_refreshed_once_then_token_expired(server, tmp_path):
    client = connect(server)
    good = client.auth.tokens
    # A stale access token: the client refreshes on the 401 and carries on.
    client.auth.set(type(good)(good.username, good.user_id, False, "stale", good.refresh_token))
    session = client.create_session(good.user_id)
    assert session.session_id and client.auth.tokens.access_token not in ("stale",
                                                                          good.access_token)
    # Both tokens dead: one refresh attempt, then TOKEN_EXPIRED for the GUI to ask the user.
    client.auth.set(type(good)(good.username, good.user_id, False, "stale", "dead"))
    with pytest.raises(AppError) as info:
        client.create_session(good.user_id)
    assert info.value.code == "TOKEN_EXPIRED"


def test_reset_at_half_keeps_what_arrived_and_resends_almost_nothing(server, fault_proxy,
                                                                     tmp_path):
    proxy = fault_proxy(server.url)
    server.set_public_url(proxy.url)  # the server is reached through the proxy, as behind any proxy
    client = connect(server, proxy.url)
    local = random_file(tmp_path / "fifty.mp4", 50 * MiB)
    saved: list[str] = []
    attempts = []
    start = proxy.bytes_up
    proxy.reset_after(25 * MiB)
    video = upload(client, local, on_upload_url=saved.append, on_attempt=attempts.append)
    assert proxy.reset_done.is_set()
    # the cut PATCH's bytes were kept: progress, not a failed attempt (at most one, when the
    # client's HEAD overtook the server noticing the cut; the retry's HEAD sees them)
    assert [a.error_code for a in attempts] in ([], ["CONNECTION_RESET"])
    resent = proxy.bytes_up - start - local.stat().st_size
    assert 0 < resent <= 1 * MiB + 64 * 1024  # what was in flight (+ request headers)
    assert len(saved) == 1 and video.sha256 == sha256(local)


def test_server_side_drop_mid_chunk_resumes(server, tmp_path):
    client = connect(server)
    local = random_file(tmp_path / "v.mp4", 12 * MiB)
    server.inject_fault("PATCH", "/uploads/*", drop_after_bytes=3 * MiB, count=1)
    attempts = []
    video = upload(client, local, on_attempt=attempts.append)
    assert server.inject_fault is not None and not server.ctx.faults.list()  # the drop happened
    assert attempts == []  # the 3 MiB that arrived were kept: the upload went on from there
    assert video.sha256 == sha256(local)


def test_breaker_opens_fails_fast_half_opens_and_closes_per_endpoint(server):
    class Clock:
        now = 5_000.0

        def __call__(self) -> float:
            return self.now

    clock, events = Clock(), []
    client = connect(server, breakers=BreakerRegistry(events.append, clock=clock),
                     policy=RetryPolicy(max_attempts=3, base_delay=0.01))
    session = client.create_session(client.auth.tokens.user_id)
    server.inject_fault("GET", "/sessions/*", status=502, error_code="BAD_GATEWAY", count=100)
    codes = []
    for _ in range(3):
        with pytest.raises(AppError) as info:
            client.get_session(session.session_id)
        codes.append(info.value.code)
    assert codes == ["BAD_GATEWAY", "CIRCUIT_OPEN", "CIRCUIT_OPEN"]
    assert info.value.extra["next_probe_at"] == clock.now + 30
    (opened,) = events
    assert opened.new is BreakerState.OPEN and opened.endpoint.endswith("/api/v1/sessions/{id}")
    # Another endpoint on the same server is not affected.
    assert client.create_session(client.auth.tokens.user_id).session_id
    server.clear_faults()
    clock.now += 31
    assert client.get_session(session.session_id).session_id == session.session_id
    assert [e.new for e in events] == [BreakerState.OPEN, BreakerState.HALF_OPEN,
                                       BreakerState.CLOSED]


def test_cancel_mid_backoff_returns_at_once(server):
    client = connect(server)
    server.inject_fault("POST", "/sessions", status=503, retry_after=60, count=1)
    token, waiting, outcome = CancelToken(), threading.Event(), []

    def run() -> None:
        try:
            client.create_session(client.auth.tokens.user_id, cancel=token,
                                  on_attempt=lambda a: waiting.set())
        except AppError as err:
            outcome.append(err)

    worker = threading.Thread(target=run)
    worker.start()
    assert waiting.wait(10)  # the client now waits the 60 s the server asked for
    token.cancel("cancel")
    worker.join(1.0)
    assert not worker.is_alive() and outcome[0].code == "CANCELLED"


def test_server_retry_policy_is_applied_within_bounds(server):
    client = BackendClient(server.url, policy=RetryPolicy(max_attempts=3))
    cfg = client.config()
    assert cfg.tus_endpoint and cfg.chunk_size
    expected = RetryPolicy(max_attempts=3).from_server(cfg.retry_policy)
    assert client.policy == expected and 3 <= client.policy.max_attempts <= 5
