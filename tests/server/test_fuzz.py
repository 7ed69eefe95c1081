"""Fuzzing the endpoints: whatever arrives, no 5xx, the error shape, no trace.

Random methods, paths, headers (tokens, tus headers, offsets, checksums,
idempotency keys) and bodies (JSON values, raw bytes, multipart fragments) go to a
real server; the only 5xx allowed is the overload 503 (no faults are injected).
Malformed HTTP on a raw socket gets the same JSON shape.
"""

from __future__ import annotations

import json
import socket

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop_app.errors import CATALOGUE
from desktop_app.server.embedded import start_embedded_server
from tests.fixtures.server import api_token


@pytest.fixture(scope="module")
def target(tmp_path_factory):
    srv = start_embedded_server(tmp_path_factory.mktemp("fuzz"), max_upload_bytes=100_000)
    token = api_token(srv)
    with httpx.Client(base_url=srv.url, timeout=30) as c:
        sid = c.post("/api/v1/sessions", json={"user_id": srv.username},
                     headers={"Authorization": f"Bearer {token}"}).json()["session_id"]
        yield srv, c, token, sid
    srv.stop()


segments = st.one_of(st.sampled_from(["sessions", "videos", "uploads", "auth", "token", "refresh", "config",
                                      "health", "metrics", "admin", "faults", "..", "%2e%2e", "{id}"]),
                     st.text(st.characters(codec="utf-8", min_codepoint=33, exclude_characters="/?#\x7f"), min_size=1, max_size=12))
json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
                           max_leaves=8)
json_objects = st.fixed_dictionaries({}, optional={
    "user_id": json_values | st.just("local"), "title": json_values, "recorded_at": json_values | st.just("2026-05-01"),
    "upload_id": json_values, "username": json_values, "password": json_values, "refresh_token": json_values,
    "analysis": json_values})
# non-ASCII header bytes arrive as latin-1 text: "\xb2" is a digit to str.isdigit() but not to int()
latin1_values = st.text(st.characters(min_codepoint=0xA0, max_codepoint=0xFF), min_size=1, max_size=5).map(
    lambda t: t.encode("latin-1"))
header_values = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=40).map(str.strip)


@st.composite
def requests(draw):
    known = draw(st.sampled_from([
        "/api/v1/sessions", "/api/v1/sessions/{sid}", "/api/v1/sessions/{sid}/videos", "/api/v1/videos/x",
        "/api/v1/uploads", "/api/v1/uploads/x", "/api/v1/auth/token", "/api/v1/auth/refresh", "/api/v1/config",
        "/api/v1/health", "/api/v1/admin/faults", None]))
    path = known or "/" + "/".join(draw(st.lists(segments, min_size=1, max_size=4)))
    method = draw(st.sampled_from(["GET", "POST", "PATCH", "DELETE", "HEAD", "OPTIONS", "PUT"]))
    headers = {}
    auth = draw(st.sampled_from(["good", "bad", "none", "garbage"]))
    for name in draw(st.lists(st.sampled_from([
            "Tus-Resumable", "Upload-Length", "Upload-Offset", "Upload-Checksum", "Upload-Metadata",
            "Idempotency-Key", "X-Retry-Attempt", "Content-Type", "X-Request-ID"]), unique=True, max_size=5)):
        headers[name] = draw(st.one_of(header_values, latin1_values, st.sampled_from([
            "1.0.0", "0", "5", "application/json", "application/offset+octet-stream",
            "multipart/form-data; boundary=zz", "sha256 AAAA", "sha1 !!", "-1", "99999999999"])))
    body = draw(st.one_of(
        st.none(),
        json_objects.map(lambda o: json.dumps(o).encode()),
        st.binary(max_size=300),
        st.builds(lambda name, fn, data: (
            f'--zz\r\nContent-Disposition: form-data; name="{name}"{fn}\r\n\r\n').encode() + data + b"\r\n--zz--\r\n",
            st.sampled_from(["video", "user_id", "analysis", "recorded_at", "x"]),
            st.sampled_from(["", '; filename="a.mp4"', '; filename="../../etc/passwd"', '; filename="a.pdf"']),
            st.binary(max_size=200)),
    ))
    return method, path, headers, auth, body


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(req=requests())
def test_no_5xx_and_always_the_error_shape(target, req):
    srv, c, token, sid = target
    method, path, headers, auth, body = req
    path = path.replace("{sid}", sid)
    if auth == "good":
        headers["Authorization"] = f"Bearer {token}"
    elif auth == "bad":
        headers["Authorization"] = "Bearer nope"
    elif auth == "garbage":
        headers["Authorization"] = "Basic Zm9vOmJhcg=="
    r = c.request(method, path, headers=headers, content=body)
    assert r.status_code < 500 or (r.status_code == 503 and r.json()["error_code"] == "SERVICE_UNAVAILABLE"), \
        (r.status_code, r.text)
    assert r.headers.get("x-request-id")
    assert "Traceback" not in r.text and 'File "' not in r.text and "/work/" not in r.text
    if r.status_code >= 400 and method != "HEAD":
        assert r.headers["content-type"].startswith("application/json"), r.text
        err = r.json()
        assert isinstance(err["error"], str) and err["error"]
        assert err["error_code"] in CATALOGUE


@pytest.mark.parametrize(("raw", "status", "code"), [
    (b"GARBAGE\r\n\r\n", 400, "INVALID_REQUEST"),
    (b"GET /api/v1/health HTTP/1.1\r\nHost x\r\n\r\n", 400, "INVALID_REQUEST"),
    (b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n", 431,
     "REQUEST_HEADER_TOO_LARGE"),
])
def test_malformed_http_gets_the_error_shape(target, raw, status, code):
    srv = target[0]
    with socket.create_connection((srv.host, srv.port), timeout=10) as sock:
        sock.sendall(raw)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 %d" % status)
    assert b"content-type: application/json" in head.lower()
    err = json.loads(body)
    assert err["error_code"] == code and err["request_id"]
