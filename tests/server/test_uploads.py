"""Uploads end to end: multipart and tus, stored bytes, processing, idempotency, overload."""

from __future__ import annotations

import hashlib
import threading
import time
from pathlib import Path

import httpx
import pytest

from desktop_app.server.embedded import start_embedded_server
from tests.server.helpers import (
    TUS,
    assert_error,
    b64,
    client,
    create_upload,
    new_session,
    patch,
    sha256_of,
    upload_multipart,
    wait_processed,
)


def stored_file(srv, video_id: str) -> Path:
    (path,) = (srv.data_dir / "videos").glob(f"{video_id}.*")
    return path


def test_multipart_upload_stores_the_exact_bytes_and_processes(server, sample_video):
    with client(server) as c:
        sid = new_session(c, server.username, title="Field day")
        r = upload_multipart(c, sid, sample_video, server.username, recorded_at="2026-05-01T14:30:00Z",
                             analysis='{"blur": 0.1}')
        assert r.status_code == 201, r.text
        video = r.json()
        assert video["sha256"] == sha256_of(sample_video)
        assert video["bytes"] == sample_video.stat().st_size
        assert video["analysis"] == {"blur": 0.1} and video["filename"] == sample_video.name
        assert stored_file(server, video["video_id"]).read_bytes() == sample_video.read_bytes()
        done = wait_processed(c, video["video_id"])
        assert done["status"] == "processed" and done["processed_at"]
        listed = c.get(f"/sessions/{sid}").json()
        assert [v["video_id"] for v in listed["videos"]] == [video["video_id"]]
        assert listed["title"] == "Field day"


def test_delete_video_removes_record_and_file(server, sample_video):
    with client(server) as c:
        sid = new_session(c, server.username)
        vid = upload_multipart(c, sid, sample_video, server.username).json()["video_id"]
        path = stored_file(server, vid)
        assert c.delete(f"/videos/{vid}").status_code == 204
        assert_error(c.get(f"/videos/{vid}"), 404, "VIDEO_NOT_FOUND")
        assert not path.exists()


def test_tus_options_advertise_the_extensions(server):
    r = httpx.options(server.api_url + "/uploads")
    assert r.status_code == 204
    assert r.headers["tus-version"] == "1.0.0" and r.headers["tus-resumable"] == "1.0.0"
    assert set(r.headers["tus-extension"].split(",")) == {
        "creation", "creation-with-upload", "checksum", "termination", "expiration"}
    assert set(r.headers["tus-checksum-algorithm"].split(",")) == {"crc32", "sha1", "sha256"}
    assert int(r.headers["tus-max-size"]) > 0


def test_tus_upload_in_chunks_with_checksums_then_finish(server, sample_video):
    data = sample_video.read_bytes()
    half = len(data) // 2
    with client(server) as c:
        url = create_upload(c, len(data), filename=sample_video.name)
        head = c.head(url, headers=TUS)
        assert head.headers["upload-offset"] == "0" and head.headers["upload-length"] == str(len(data))
        assert head.headers["cache-control"] == "no-store" and head.headers["upload-expires"]
        assert "filename" in head.headers["upload-metadata"]
        first = patch(c, url, 0, data[:half], **{"Upload-Checksum": "sha1 " + b64(hashlib.sha1(data[:half]).digest())})
        assert first.status_code == 204 and first.headers["upload-offset"] == str(half)
        second = patch(c, url, half, data[half:],
                       **{"Upload-Checksum": "sha256 " + b64(hashlib.sha256(data[half:]).digest())})
        assert second.status_code == 204 and second.headers["upload-offset"] == str(len(data))
        sid = new_session(c, server.username)
        r = c.post(f"/sessions/{sid}/videos", json={"upload_id": url, "user_id": server.username})
        assert r.status_code == 201, r.text
        video = r.json()
        assert video["sha256"] == hashlib.sha256(data).hexdigest() and video["filename"] == sample_video.name
        assert stored_file(server, video["video_id"]).read_bytes() == data
        # finishing again gives the same video, not a second copy
        again = c.post(f"/sessions/{sid}/videos", json={"upload_id": url, "user_id": server.username})
        assert again.status_code == 201 and again.json()["video_id"] == video["video_id"]
        assert wait_processed(c, video["video_id"])["status"] == "processed"


def test_rejected_chunk_leaves_no_trace_in_the_stored_sha256(server, sample_video):
    """The upload's sha256 is computed behind the PATCHes (it may lag into the next one):
    a chunk refused for its checksum must not be part of it, nor of the file."""
    data = sample_video.read_bytes()
    third = len(data) // 3
    sha1 = lambda b: "sha1 " + b64(hashlib.sha1(b).digest())  # noqa: E731
    with client(server) as c:
        url = create_upload(c, len(data), filename=sample_video.name)
        assert patch(c, url, 0, data[:third], **{"Upload-Checksum": sha1(data[:third])}).status_code == 204
        garbled = bytes(len(data) - third)  # what a corrupted chunk might carry
        bad = patch(c, url, third, garbled, **{"Upload-Checksum": sha1(data[third:])})
        assert_error(bad, 460, "CHECKSUM_MISMATCH")
        for start, end in ((third, 2 * third), (2 * third, len(data))):
            ok = patch(c, url, start, data[start:end], **{"Upload-Checksum": sha1(data[start:end])})
            assert ok.status_code == 204 and ok.headers["upload-offset"] == str(end)
        sid = new_session(c, server.username)
        r = c.post(f"/sessions/{sid}/videos", json={"upload_id": url, "user_id": server.username})
        assert r.status_code == 201, r.text
        assert r.json()["sha256"] == hashlib.sha256(data).hexdigest()
        assert stored_file(server, r.json()["video_id"]).read_bytes() == data


def test_crc32_chunk_checksum_is_checked(server):
    """crc32 (4-byte big-endian CRC, base64) is the cheap per-chunk check our client prefers."""
    import zlib

    data = bytes(range(256)) * 4096
    crc = lambda b: "crc32 " + b64(zlib.crc32(b).to_bytes(4, "big"))  # noqa: E731
    with client(server) as c:
        url = create_upload(c, len(data))
        damaged = data[:1000] + b"\x00" + data[1001:]
        assert_error(patch(c, url, 0, damaged, **{"Upload-Checksum": crc(data)}), 460, "CHECKSUM_MISMATCH")
        assert c.head(url, headers=TUS).headers["upload-offset"] == "0"
        ok = patch(c, url, 0, data, **{"Upload-Checksum": crc(data)})
        assert ok.status_code == 204 and ok.headers["upload-offset"] == str(len(data))


def test_creation_with_upload_and_whole_body_checksum(server):
    with client(server) as c:
        r = c.post("/uploads", content=b"hello", headers={
            **TUS, "Upload-Length": "8", "Content-Type": "application/offset+octet-stream",
            "Upload-Checksum": "sha256 " + b64(hashlib.sha256(b"hello").digest())})
        assert r.status_code == 201 and r.headers["upload-offset"] == "5"
        assert patch(c, r.headers["location"], 5, b"!!!").headers["upload-offset"] == "8"
        sid = new_session(c, server.username)
        video = c.post(f"/sessions/{sid}/videos", json={"upload_id": r.headers["location"],
                                                        "user_id": server.username}).json()
        assert video["sha256"] == hashlib.sha256(b"hello!!!").hexdigest()


def test_termination(server):
    with client(server) as c:
        url = create_upload(c, 10)
        assert patch(c, url, 0, b"01234").status_code == 204
        assert c.delete(url, headers=TUS).status_code == 204
        assert_error(patch(c, url, 5, b"56789"), 404, "UPLOAD_NOT_FOUND")
        assert not list((server.data_dir / "uploads").iterdir())


def test_dropped_patch_keeps_received_bytes_and_resumes(server, sample_video):
    data = sample_video.read_bytes()
    with client(server) as c:
        url = create_upload(c, len(data), filename="clip.mp4")
        server.inject_fault("PATCH", "/uploads/*", drop_after_bytes=10_000)
        with pytest.raises(httpx.TransportError):
            patch(c, url, 0, data)
        offset = int(c.head(url, headers=TUS).headers["upload-offset"])
        assert offset == 10_000
        assert patch(c, url, offset, data[offset:]).status_code == 204
        sid = new_session(c, server.username)
        video = c.post(f"/sessions/{sid}/videos", json={"upload_id": url, "user_id": server.username}).json()
        assert video["sha256"] == hashlib.sha256(data).hexdigest()


def test_finish_after_restart_hashes_the_stored_file(tmp_path, sample_video):
    data = sample_video.read_bytes()
    with start_embedded_server(tmp_path) as srv, client(srv) as c:
        url = create_upload(c, len(data))
        assert patch(c, url, 0, data).status_code == 204
        sid = new_session(c, srv.username)
    with start_embedded_server(tmp_path) as srv, client(srv) as c:
        url = url.replace(url.split("/api/")[0], srv.url)
        assert c.head(url, headers=TUS).headers["upload-offset"] == str(len(data))
        video = c.post(f"/sessions/{sid}/videos", json={"upload_id": url, "user_id": srv.username}).json()
        assert video["sha256"] == hashlib.sha256(data).hexdigest()


# ------------------------------------------------------------------ idempotency


def test_idempotent_session_creation_replays(server):
    with client(server) as c:
        key = {"Idempotency-Key": "6a1d3c1e-0000-4000-8000-000000000001"}
        first = c.post("/sessions", json={"user_id": server.username, "title": "t"}, headers=key)
        second = c.post("/sessions", content=b'{ "title": "t", "user_id": "%s" }' % server.username.encode(),
                        headers={**key, "Content-Type": "application/json"})
        assert first.status_code == second.status_code == 201
        assert first.json() == second.json() and second.headers["idempotent-replayed"] == "true"


def test_idempotent_multipart_upload_is_stored_once(server, sample_video):
    with client(server) as c:
        sid = new_session(c, server.username)
        key = {"Idempotency-Key": "6a1d3c1e-0000-4000-8000-000000000002"}
        with open(sample_video, "rb") as fh:
            a = c.post(f"/sessions/{sid}/videos", files={"video": (sample_video.name, fh)},
                       data={"user_id": server.username}, headers=key)
        with open(sample_video, "rb") as fh:  # a new boundary, same content: still a repeat
            b = c.post(f"/sessions/{sid}/videos", files={"video": (sample_video.name, fh)},
                       data={"user_id": server.username}, headers=key)
        assert a.status_code == b.status_code == 201 and a.json()["video_id"] == b.json()["video_id"]
        assert len(c.get(f"/sessions/{sid}").json()["videos"]) == 1
        c2 = c.post(f"/sessions/{sid}/videos", files={"video": ("other.mp4", b"different bytes")},
                    data={"user_id": server.username}, headers=key)
        assert_error(c2, 422, "INVALID_REQUEST")


def test_idempotency_survives_a_restart(tmp_path):
    key = {"Idempotency-Key": "6a1d3c1e-0000-4000-8000-000000000003"}
    with start_embedded_server(tmp_path) as srv, client(srv) as c:
        first = c.post("/sessions", json={"user_id": srv.username}, headers=key).json()
    with start_embedded_server(tmp_path) as srv, client(srv) as c:
        again = c.post("/sessions", json={"user_id": srv.username}, headers=key)
    assert again.status_code == 201 and again.json()["session_id"] == first["session_id"]


def test_idempotent_tus_creation(server):
    with client(server) as c:
        key = {"Idempotency-Key": "6a1d3c1e-0000-4000-8000-000000000004"}
        assert create_upload(c, 10, **key) == create_upload(c, 10, **key)


class SlowBody:
    """A request body that sends a first piece, then waits until released."""

    def __init__(self, head: bytes, tail: bytes) -> None:
        self.head, self.tail = head, tail
        self.release = threading.Event()

    def __iter__(self):
        yield self.head
        assert self.release.wait(30)
        yield self.tail


def wait_inflight(srv, n: int) -> None:
    deadline = time.monotonic() + 10
    while httpx.get(srv.api_url + "/health").json()["uploads_in_flight"] != n:
        assert time.monotonic() < deadline, "upload never started"
        time.sleep(0.02)


def test_request_in_progress_then_overload(server_factory, sample_video):
    srv = server_factory(max_inflight=1)
    with client(srv) as c:
        sid = new_session(c, srv.username)
        boundary = "SLOWB"
        head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"user_id\"\r\n\r\n{srv.username}\r\n"
                f"--{boundary}\r\nContent-Disposition: form-data; name=\"video\"; filename=\"a.mp4\"\r\n\r\n").encode()
        body = SlowBody(head, sample_video.read_bytes() + f"\r\n--{boundary}--\r\n".encode())
        key = {"Idempotency-Key": "6a1d3c1e-0000-4000-8000-000000000005"}
        result: dict = {}
        worker = threading.Thread(target=lambda: result.update(r=c.post(
            f"/sessions/{sid}/videos", content=body,
            headers={**key, "Content-Type": f"multipart/form-data; boundary={boundary}"})))
        worker.start()
        try:
            wait_inflight(srv, 1)
            with client(srv) as other:
                busy = other.post(f"/sessions/{sid}/videos", files={"video": ("b.mp4", b"x")},
                                  data={"user_id": srv.username}, headers=key)
                assert_error(busy, 409, "REQUEST_IN_PROGRESS")
                full = other.post(f"/sessions/{sid}/videos", files={"video": ("b.mp4", b"x")},
                                  data={"user_id": srv.username})
                assert_error(full, 503, "SERVICE_UNAVAILABLE")
                assert int(full.headers["retry-after"]) >= 1
                tus_full = patch(other, create_upload(other, 3), 0, b"abc")
                assert_error(tus_full, 503, "SERVICE_UNAVAILABLE")
        finally:
            body.release.set()
            worker.join(30)
        assert result["r"].status_code == 201
        assert result["r"].json()["sha256"] == sha256_of(sample_video)


def test_stalled_patch_is_cut_off_when_the_client_resumes(server):
    """A PATCH whose client vanished without a reset holds the upload; a new PATCH
    from the resuming client makes the server abort the old connection after a grace
    period, keep its bytes, and carry on."""
    data = bytes(range(256)) * 64  # 16 KiB
    with client(server) as c:
        url = create_upload(c, len(data))
        stalled = SlowBody(data[:1000], data[1000:])
        errors: list[BaseException] = []

        def old_client() -> None:
            try:
                patch(c, url, 0, stalled)  # type: ignore[arg-type]
            except httpx.TransportError as exc:
                errors.append(exc)

        worker = threading.Thread(target=old_client)
        worker.start()
        try:
            wait_inflight(server, 1)
            with client(server) as resumed:
                r = patch(resumed, url, 1000, data[1000:])
                assert r.status_code == 204, r.text
                assert r.headers["upload-offset"] == str(len(data))
        finally:
            stalled.release.set()
            worker.join(30)
        assert errors, "the stalled request should have been cut off"
        sid = new_session(c, server.username)
        video = c.post(f"/sessions/{sid}/videos", json={"upload_id": url, "user_id": server.username}).json()
        assert video["sha256"] == hashlib.sha256(data).hexdigest()
