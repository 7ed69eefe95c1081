"""Each row of the contract's error table, on each endpoint where it applies.

Every assertion goes through ``assert_error``: status, error_code, JSON shape,
request id echoed in the body and the X-Request-ID header, no trace in the body.
"""

from __future__ import annotations

import sqlite3

import httpx
import pytest

from tests.server.conftest import MAX_UPLOAD
from tests.server.helpers import (
    TUS,
    assert_error,
    b64,
    create_upload,
    new_session,
    patch,
    upload_multipart,
)

# ---------------------------------------------------------------- 400


def test_missing_user_id_names_the_field(peers):
    assert_error(peers.alice.post("/sessions", json={"title": "x"}), 400, "MISSING_FIELD", field="user_id")


def test_multipart_without_video_part(peers):
    sid = new_session(peers.alice, "alice")
    r = peers.alice.post(f"/sessions/{sid}/videos", files={"user_id": (None, "alice")})
    assert_error(r, 400, "MISSING_FIELD", field="video")


def test_urlencoded_form_without_video_is_missing_field_not_415(peers):
    """The seed's contract: a video POST without the video is 400 naming the missing field."""
    sid = new_session(peers.alice, "alice")
    r = peers.alice.post(f"/sessions/{sid}/videos", data={"user_id": "alice"})
    assert r.request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert_error(r, 400, "MISSING_FIELD", field="video")


def test_multipart_without_user_id(peers, sample_video):
    sid = new_session(peers.alice, "alice")
    with open(sample_video, "rb") as fh:
        r = peers.alice.post(f"/sessions/{sid}/videos", files={"video": ("a.mp4", fh)})
    assert_error(r, 400, "MISSING_FIELD", field="user_id")


def test_finish_without_upload_id(peers):
    sid = new_session(peers.alice, "alice")
    assert_error(peers.alice.post(f"/sessions/{sid}/videos", json={"user_id": "alice"}), 400,
                 "MISSING_FIELD", field="upload_id")


def test_sign_in_without_password(peers):
    assert_error(peers.anon.post("/auth/token", json={"username": "alice"}), 400, "MISSING_FIELD",
                 field="password")


ACCEPTED = (".avi", ".m4v", ".mkv", ".mov", ".mp4", ".webm")  # the reference server's default


def test_invalid_file_type_names_the_file(peers, tmp_path):
    pdf = tmp_path / "notes.pdf"
    pdf.write_bytes(b"%PDF-1.4 not a video")
    sid = new_session(peers.alice, "alice")
    body = assert_error(upload_multipart(peers.alice, sid, pdf, "alice"), 400, "INVALID_FILE_TYPE")
    assert "notes.pdf" in body["error"] and ".pdf" in body["error"]
    assert all(ext in body["error"] for ext in ACCEPTED)


def test_tus_creation_refuses_a_type_the_server_does_not_accept(peers):
    """A .ts file is refused before a byte of it is sent, naming its type and the accepted ones."""
    uploads = peers.srv.data_dir / "uploads"
    before = set(uploads.iterdir())
    r = peers.alice.post("/uploads", headers={**TUS, "Upload-Length": "1000",
                                              "Upload-Metadata": f"filename {b64(b'match.ts')}"})
    body = assert_error(r, 400, "INVALID_FILE_TYPE")
    assert "match.ts" in body["error"] and ".ts file" in body["error"]
    assert all(ext in body["error"] for ext in ACCEPTED)
    assert "location" not in r.headers and set(uploads.iterdir()) == before  # no upload was made
    with_body = peers.alice.post("/uploads", content=b"\x47" * 188, headers={
        **TUS, "Upload-Length": "188", "Content-Type": "application/offset+octet-stream",
        "Upload-Metadata": f"filename {b64(b'match.ts')}"})
    assert_error(with_body, 400, "INVALID_FILE_TYPE")
    assert set(uploads.iterdir()) == before


@pytest.mark.parametrize("where", ["session", "multipart", "finish"])
def test_invalid_timestamp(peers, sample_video, where):
    c = peers.alice
    if where == "session":
        r = c.post("/sessions", json={"user_id": "alice", "recorded_at": "yesterday at noon"})
    elif where == "multipart":
        r = upload_multipart(c, new_session(c, "alice"), sample_video, "alice", recorded_at="31/12/2026")
    else:
        url = create_upload(c, 3)
        assert patch(c, url, 0, b"abc").status_code == 204
        r = c.post(f"/sessions/{new_session(c, 'alice')}/videos",
                   json={"upload_id": url, "user_id": "alice", "recorded_at": "not a time"})
    assert_error(r, 400, "INVALID_TIMESTAMP", field="recorded_at")


@pytest.mark.parametrize("path", ["/auth/token", "/auth/refresh", "/sessions"])
@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b"", b"\xff\xfe"])
def test_malformed_json(peers, path, body):
    c = peers.anon if path.startswith("/auth") else peers.alice
    r = c.post(path, content=body, headers={"Content-Type": "application/json"})
    assert_error(r, 400, "INVALID_REQUEST")


@pytest.mark.parametrize("body", [
    b"--XYZ\r\nContent-Disposition: form-data; name=\"user_id\"\r\n\r\nalice\r\n",  # never closed
    b"garbage without any boundary",
])
def test_bad_multipart(peers, body):
    sid = new_session(peers.alice, "alice")
    r = peers.alice.post(f"/sessions/{sid}/videos", content=body,
                         headers={"Content-Type": "multipart/form-data; boundary=XYZ"})
    assert_error(r, 400, "INVALID_REQUEST")


def test_multipart_without_boundary(peers):
    sid = new_session(peers.alice, "alice")
    r = peers.alice.post(f"/sessions/{sid}/videos", content=b"x", headers={"Content-Type": "multipart/form-data"})
    assert_error(r, 400, "INVALID_REQUEST")


def test_analysis_must_be_json_object(peers, sample_video):
    sid = new_session(peers.alice, "alice")
    r = upload_multipart(peers.alice, sid, sample_video, "alice", analysis="{broken")
    assert_error(r, 400, "INVALID_REQUEST", field="analysis")


def test_unsupported_checksum_algorithm(peers):
    url = create_upload(peers.alice, 3)
    assert_error(patch(peers.alice, url, 0, b"abc", **{"Upload-Checksum": "md5 AAAA"}), 400, "INVALID_REQUEST")


def test_tus_creation_needs_upload_length(peers):
    assert_error(peers.alice.post("/uploads", headers=TUS), 400, "MISSING_FIELD", field="Upload-Length")


def test_bad_upload_metadata(peers):
    r = peers.alice.post("/uploads", headers={**TUS, "Upload-Length": "3", "Upload-Metadata": "filename !!!"})
    assert_error(r, 400, "INVALID_REQUEST")


# ---------------------------------------------------------------- 401

PROTECTED = [("POST", "/sessions"), ("GET", "/sessions/x"), ("POST", "/sessions/x/videos"),
             ("GET", "/videos/x"), ("DELETE", "/videos/x"), ("POST", "/uploads"),
             ("HEAD", "/uploads/x"), ("PATCH", "/uploads/x"), ("DELETE", "/uploads/x")]


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_auth_required_everywhere(peers, method, path):
    r = peers.anon.request(method, path, headers=TUS)
    assert r.status_code == 401 and r.headers["x-request-id"]
    if method != "HEAD":  # HEAD answers carry no body
        assert_error(r, 401, "AUTH_REQUIRED")


@pytest.mark.parametrize(("method", "path"), PROTECTED[:5])
def test_token_invalid(peers, method, path):
    r = peers.anon.request(method, path, headers={"Authorization": "Bearer not-a-real-token"})
    assert_error(r, 401, "TOKEN_INVALID")


def test_token_expired(server_factory):
    srv = server_factory(token_ttl_s=0.0)
    token = httpx.post(srv.api_url + "/auth/token",
                       json={"username": srv.username, "password": srv.password}).json()
    r = httpx.get(srv.api_url + "/sessions/x", headers={"Authorization": f"Bearer {token['access_token']}"})
    assert_error(r, 401, "TOKEN_EXPIRED")
    # the refresh token still works and yields a new pair
    r = httpx.post(srv.api_url + "/auth/refresh", json={"refresh_token": token["refresh_token"]})
    assert r.status_code == 200 and r.json()["access_token"] != token["access_token"]


def test_invalid_credentials(peers):
    assert_error(peers.anon.post("/auth/token", json={"username": "alice", "password": "wrong"}), 401,
                 "INVALID_CREDENTIALS")
    assert_error(peers.anon.post("/auth/token", json={"username": "nobody", "password": "x"}), 401,
                 "INVALID_CREDENTIALS")


def test_refresh_token_invalid(peers):
    assert_error(peers.anon.post("/auth/refresh", json={"refresh_token": "forged"}), 401, "TOKEN_INVALID")


# ---------------------------------------------------------------- 403


def test_forbidden_session_for_another_user(peers):
    body = assert_error(peers.alice.post("/sessions", json={"user_id": "bob"}), 403, "FORBIDDEN")
    assert "administrator" in body["error"]
    assert peers.root.post("/sessions", json={"user_id": "bob"}).status_code == 201  # admins may


def test_forbidden_on_another_users_resources(peers, sample_video):
    sid = new_session(peers.bob, "bob")
    r = upload_multipart(peers.bob, sid, sample_video, "bob")
    vid = r.json()["video_id"]
    url = create_upload(peers.bob, 3)
    assert_error(peers.alice.get(f"/sessions/{sid}"), 403, "FORBIDDEN")
    assert_error(upload_multipart(peers.alice, sid, sample_video, "alice"), 403, "FORBIDDEN")
    assert_error(peers.alice.get(f"/videos/{vid}"), 403, "FORBIDDEN")
    assert_error(peers.alice.delete(f"/videos/{vid}"), 403, "FORBIDDEN")
    assert_error(patch(peers.alice, url, 0, b"abc"), 403, "FORBIDDEN")
    assert_error(peers.alice.delete(url, headers=TUS), 403, "FORBIDDEN")
    assert peers.alice.head(url, headers=TUS).status_code == 403
    assert peers.root.get(f"/videos/{vid}").status_code == 200


def test_forbidden_upload_for_another_user_in_own_session(peers, sample_video):
    sid = new_session(peers.alice, "alice")
    assert_error(upload_multipart(peers.alice, sid, sample_video, "bob"), 403, "FORBIDDEN")


def test_fault_endpoint_is_admin_only(peers):
    assert_error(peers.alice.post("/admin/faults", json={"path_glob": "/api/v1/health"}), 403, "FORBIDDEN")


# ---------------------------------------------------------------- 404 / 405


def test_not_found_codes(peers):
    c = peers.alice
    assert_error(c.get("/sessions/nope"), 404, "SESSION_NOT_FOUND")
    assert_error(upload_multipart_stub(c, "nope"), 404, "SESSION_NOT_FOUND")
    assert_error(c.get("/videos/nope"), 404, "VIDEO_NOT_FOUND")
    assert_error(c.delete("/videos/nope"), 404, "VIDEO_NOT_FOUND")
    assert_error(patch(c, peers.srv.api_url + "/uploads/nope", 0, b"x"), 404, "UPLOAD_NOT_FOUND")
    assert_error(c.delete("/uploads/nope", headers=TUS), 404, "UPLOAD_NOT_FOUND")
    assert c.head("/uploads/nope", headers=TUS).status_code == 404
    sid = new_session(c, "alice")
    assert_error(c.post(f"/sessions/{sid}/videos", json={"upload_id": "nope", "user_id": "alice"}), 404,
                 "UPLOAD_NOT_FOUND")


def upload_multipart_stub(c: httpx.Client, sid: str) -> httpx.Response:
    return c.post(f"/sessions/{sid}/videos", files={"video": ("a.mp4", b"x")}, data={"user_id": "alice"})


@pytest.mark.parametrize("path", ["/nope", "/", "/api/v2/config"])
def test_unknown_routes(peers, path):
    r = httpx.get(peers.srv.url + (path if path.startswith("/api") else "/api/v1" + path))
    assert_error(r, 404, "NOT_FOUND")


def test_unknown_route_outside_api(peers):
    assert_error(httpx.get(peers.srv.url + "/index.html"), 404, "NOT_FOUND")


@pytest.mark.parametrize(("method", "path"), [("PUT", "/config"), ("DELETE", "/sessions"),
                                              ("GET", "/auth/token"), ("PATCH", "/videos/x"),
                                              ("GET", "/uploads")])
def test_method_not_allowed(peers, method, path):
    r = peers.alice.request(method, path)
    body = assert_error(r, 405, "METHOD_NOT_ALLOWED")
    assert method in body["error"] and r.headers["allow"]


# ---------------------------------------------------------------- 409 / 410 / 412 / 413 / 415


def test_offset_mismatch_keeps_the_server_offset(peers):
    url = create_upload(peers.alice, 6)
    assert patch(peers.alice, url, 0, b"abc").status_code == 204
    assert_error(patch(peers.alice, url, 1, b"bcd"), 409, "UPLOAD_OFFSET_MISMATCH")
    assert peers.alice.head(url, headers=TUS).headers["upload-offset"] == "3"


def test_finish_of_incomplete_upload(peers):
    url = create_upload(peers.alice, 6)
    assert patch(peers.alice, url, 0, b"abc").status_code == 204
    sid = new_session(peers.alice, "alice")
    body = assert_error(peers.alice.post(f"/sessions/{sid}/videos", json={"upload_id": url, "user_id": "alice"}),
                        409, "UPLOAD_INCOMPLETE")
    assert "3 of 6" in body["error"]


def test_expired_upload(server_factory):
    srv = server_factory(upload_expiry_s=0.0)
    from tests.server.helpers import client

    with client(srv) as c:
        url = create_upload(c, 3)
        assert_error(patch(c, url, 0, b"abc"), 410, "UPLOAD_EXPIRED")
        assert c.head(url, headers=TUS).status_code == 410
        sid = new_session(c, srv.username)
        assert_error(c.post(f"/sessions/{sid}/videos", json={"upload_id": url, "user_id": srv.username}), 410,
                     "UPLOAD_EXPIRED")
    assert not list((srv.data_dir / "uploads").iterdir())  # the expired bytes were freed


def test_tus_version_required(peers):
    r = peers.alice.post("/uploads", headers={"Upload-Length": "3"})
    assert_error(r, 412, "UNSUPPORTED_TUS_VERSION")
    assert r.headers["tus-version"] == "1.0.0"


def test_file_too_large(peers, tmp_path):
    big = tmp_path / "big.mp4"
    big.write_bytes(b"\0" * (MAX_UPLOAD + 2_000_000))
    sid = new_session(peers.alice, "alice")
    assert_error(upload_multipart(peers.alice, sid, big, "alice"), 413, "FILE_TOO_LARGE")
    assert_error(peers.alice.post("/uploads", headers={**TUS, "Upload-Length": str(MAX_UPLOAD + 1)}), 413,
                 "FILE_TOO_LARGE")
    url = create_upload(peers.alice, 3)
    assert_error(patch(peers.alice, url, 0, b"abcd"), 413, "FILE_TOO_LARGE")


def test_file_too_large_without_content_length(peers):
    """A chunked body gives no size up front: the limit is enforced while streaming."""
    sid = new_session(peers.alice, "alice")
    boundary = b"B0UND"

    def body():
        yield b"--B0UND\r\nContent-Disposition: form-data; name=\"video\"; filename=\"a.mp4\"\r\n\r\n"
        for _ in range(MAX_UPLOAD // 65536 + 2):
            yield b"\0" * 65536
        yield b"\r\n--B0UND--\r\n"

    r = peers.alice.post(f"/sessions/{sid}/videos", content=body(),
                         headers={"Content-Type": "multipart/form-data; boundary=" + boundary.decode()})
    assert_error(r, 413, "FILE_TOO_LARGE")


def test_unsupported_media_type(peers):
    url = create_upload(peers.alice, 3)
    r = peers.alice.patch(url, content=b"abc", headers={**TUS, "Upload-Offset": "0", "Content-Type": "text/plain"})
    assert_error(r, 415, "UNSUPPORTED_MEDIA_TYPE")
    sid = new_session(peers.alice, "alice")
    assert_error(peers.alice.post(f"/sessions/{sid}/videos", content=b"x", headers={"Content-Type": "text/plain"}),
                 415, "UNSUPPORTED_MEDIA_TYPE")


# ---------------------------------------------------------------- 422 (processing)


@pytest.mark.parametrize("fixture", ["corrupt_video", "not_a_video"])
def test_unprocessable_video_fails_with_422_class_code(peers, request, fixture):
    from tests.server.helpers import wait_processed

    path = request.getfixturevalue(fixture)
    sid = new_session(peers.alice, "alice")
    r = upload_multipart(peers.alice, sid, path, "alice")
    assert r.status_code == 201 and r.json()["status"] == "processing"
    video = wait_processed(peers.alice, r.json()["video_id"])
    assert video["status"] == "failed"
    assert video["error_code"] in {"VIDEO_CORRUPTED", "VIDEO_UNPROCESSABLE", "VIDEO_UNSUPPORTED_CODEC"}
    assert video["error"] and "Traceback" not in video["error"]


def test_idempotency_key_reused_for_a_different_body(peers):
    key = {"Idempotency-Key": "3f0c1e2a-reuse"}
    assert peers.alice.post("/sessions", json={"user_id": "alice", "title": "a"}, headers=key).status_code == 201
    r = peers.alice.post("/sessions", json={"user_id": "alice", "title": "b"}, headers=key)
    assert_error(r, 422, "INVALID_REQUEST")


# ---------------------------------------------------------------- 429 / 460 / 500 / 503


def test_rate_limited_with_retry_after(peers):
    peers.srv.inject_fault("GET", "/sessions/*", status=429, retry_after=7)
    r = peers.alice.get("/sessions/any")
    body = assert_error(r, 429, "RATE_LIMITED")
    assert r.headers["retry-after"] == "7" and body["retry_after"] == 7


def test_checksum_mismatch_discards_the_chunk(peers):
    url = create_upload(peers.alice, 6)
    import hashlib

    wrong = b64(hashlib.sha256(b"xyz").digest())
    assert_error(patch(peers.alice, url, 0, b"abc", **{"Upload-Checksum": f"sha256 {wrong}"}), 460,
                 "CHECKSUM_MISMATCH")
    assert peers.alice.head(url, headers=TUS).headers["upload-offset"] == "0"


def test_temporary_failure(peers):
    peers.srv.inject_fault("POST", "/sessions", status=500)
    assert_error(peers.alice.post("/sessions", json={"user_id": "alice"}), 500, "TEMPORARY_FAILURE")
    assert peers.alice.post("/sessions", json={"user_id": "alice"}).status_code == 201  # count=1


def test_internal_error_has_request_id_and_trace_only_in_log(server_factory, caplog):
    srv = server_factory()
    from tests.server.helpers import client

    with client(srv) as c:
        # break the storage underneath the server: a real unexpected failure
        db = sqlite3.connect(srv.data_dir / "server.sqlite3")
        db.execute("DROP TABLE videos")
        db.commit()
        db.close()
        with caplog.at_level("ERROR", logger="desktop_app.server"):
            r = c.get("/videos/anything", headers={"X-Request-ID": "support-me-42"})
    body = assert_error(r, 500, "INTERNAL_ERROR")
    assert body["request_id"] == "support-me-42" and "support-me-42" in body["error"]
    assert "sqlite" not in r.text.lower() and "no such table" not in r.text
    # the full trace is in the server log, under the request id
    assert "support-me-42" in caplog.text
    assert "Traceback" in caplog.text and "no such table: videos" in caplog.text


def test_service_unavailable_injected(peers):
    peers.srv.inject_fault("POST", "/uploads", status=503, retry_after=3)
    r = peers.alice.post("/uploads", headers={**TUS, "Upload-Length": "3"})
    assert_error(r, 503, "SERVICE_UNAVAILABLE")
    assert r.headers["retry-after"] == "3"
    assert r.headers["tus-resumable"] == "1.0.0"


def test_error_responses_to_head_have_no_body_but_a_request_id(peers):
    r = peers.alice.head("/uploads/nope", headers=TUS)
    assert r.status_code == 404 and r.content == b"" and r.headers["x-request-id"]



def test_health_is_503_when_storage_is_gone(server_factory):
    srv = server_factory()
    assert httpx.get(srv.api_url + "/health").status_code == 200
    srv.ctx.store.close()  # the metadata store fails underneath the running server
    r = httpx.get(srv.api_url + "/health")
    assert_error(r, 503, "SERVICE_UNAVAILABLE")
    assert int(r.headers["retry-after"]) >= 1
