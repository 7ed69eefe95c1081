"""Sign-in, refresh, secrets at rest; /metrics, X-Retry-Attempt and the adaptive retry policy."""

from __future__ import annotations

import re

import httpx

from desktop_app.server.metrics import DEFAULT_POLICY
from tests.server.helpers import assert_error, client


def sign_in(srv) -> dict:
    r = httpx.post(srv.api_url + "/auth/token", json={"username": srv.username, "password": srv.password})
    assert r.status_code == 200
    return r.json()


def test_token_response_has_the_contract_fields(server):
    body = sign_in(server)
    assert body["token_type"] == "bearer" and body["expires_in"] > 0
    assert body["user_id"] == server.username and body["is_admin"] is False
    assert len(body["access_token"]) >= 32 and body["access_token"] != body["refresh_token"]


def test_refresh_rotates_and_the_old_refresh_token_dies(server):
    first = sign_in(server)
    r = httpx.post(server.api_url + "/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert r.status_code == 200
    second = r.json()
    assert httpx.get(server.api_url + "/sessions/x",
                     headers={"Authorization": f"Bearer {second['access_token']}"}).status_code == 404
    reuse = httpx.post(server.api_url + "/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert_error(reuse, 401, "TOKEN_INVALID")


def test_no_password_or_token_is_stored_in_clear(server):
    tokens = sign_in(server)
    raw = b"".join(p.read_bytes() for p in server.data_dir.glob("server.sqlite3*"))
    for secret in (server.password, server.admin_password, tokens["access_token"], tokens["refresh_token"]):
        assert secret.encode() not in raw
    assert b"scrypt$" in raw


def test_public_endpoints_need_no_token(server):
    assert httpx.get(server.api_url + "/health").json()["status"] == "ok"
    cfg = httpx.get(server.api_url + "/config").json()
    assert cfg["tus_endpoint"] == "/api/v1/uploads" and cfg["chunk_size"] > 0
    assert ".mp4" in cfg["allowed_extensions"] and cfg["max_upload_bytes"] > 0
    assert set(cfg["retry_policy"]) == {"max_attempts", "base_delay_s", "max_delay_s", "breaker_cooldown_s"}


def test_every_response_has_a_request_id_and_echoes_a_safe_one(server):
    r = httpx.get(server.api_url + "/health", headers={"X-Request-ID": "abc-123"})
    assert r.headers["x-request-id"] == "abc-123"
    r = httpx.get(server.api_url + "/health", headers={"X-Request-ID": "bad id\u00e9<script>".encode()})
    assert re.fullmatch(r"[0-9a-f]{32}", r.headers["x-request-id"])


def metric(text: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
    for line in text.splitlines():
        if line.startswith(name + ("{" + wanted + "}" if wanted else " ")):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_metrics_count_routes_errors_and_retry_attempts(server):
    with client(server) as c:
        for attempt in (0, 1, 2):
            c.get("/sessions/missing", headers={"X-Retry-Attempt": str(attempt)})
        text = httpx.get(server.api_url + "/metrics").text
    assert metric(text, "uploader_requests_total", method="GET", route="/api/v1/sessions/{session_id}",
                  status="404") == 3
    assert metric(text, "uploader_errors_total", error_code="SESSION_NOT_FOUND") == 3
    assert metric(text, "uploader_retry_attempts_total") == 2
    assert metric(text, "uploader_requests_by_attempt_total", attempt="2") == 1
    assert "uploader_uploads_in_flight 0" in text
    assert httpx.get(server.url + "/metrics").status_code == 200  # also at the conventional path


def test_retry_policy_backs_off_when_the_server_struggles(server):
    cfg = httpx.get(server.api_url + "/config").json()
    assert cfg["retry_policy"] == DEFAULT_POLICY.to_dict()
    server.inject_fault("GET", "/sessions/*", status=503, count=30)
    with client(server) as c:
        for i in range(30):
            c.get("/sessions/s", headers={"X-Retry-Attempt": str(min(i, 3))})
    stressed = httpx.get(server.api_url + "/config").json()
    policy = stressed["retry_policy"]
    assert policy["max_attempts"] < DEFAULT_POLICY.max_attempts
    assert policy["base_delay_s"] > DEFAULT_POLICY.base_delay_s
    assert policy["max_delay_s"] > DEFAULT_POLICY.max_delay_s
    assert policy["breaker_cooldown_s"] > DEFAULT_POLICY.breaker_cooldown_s
    assert stressed["retry_policy_basis"]["error_rate"] >= 0.9
    text = httpx.get(server.api_url + "/metrics").text
    assert metric(text, "uploader_retry_policy", parameter="max_attempts") == policy["max_attempts"]
