"""Failures a user can cause or meet: a file changing mid-upload, a proxy's HTML error page,
a chunk damaged in transit, a stored file that does not match."""

from __future__ import annotations

import hashlib
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from desktop_app.errors import AppError
from desktop_app.transfer.client import BackendClient
from desktop_app.transfer.retry import RetryPolicy
from tests.transfer.conftest import random_file
from tests.transfer.test_client_backend import connect, upload

MiB = 1024 * 1024


class _HtmlGateway(BaseHTTPRequestHandler):
    """What a misconfigured reverse proxy answers: an HTML 502 page."""

    def _answer(self) -> None:
        body = b"<html><body><h1>502 Bad Gateway</h1>nginx</body></html>"
        self.send_response(502)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args) -> None:
        pass


def test_a_proxy_html_502_maps_by_status_and_is_retried():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _HtmlGateway)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        client = BackendClient(f"http://127.0.0.1:{httpd.server_port}",
                               policy=RetryPolicy(max_attempts=3, base_delay=0.01))
        attempts = []
        with pytest.raises(AppError) as info:
            client._call("GET", "/health", auth=False, on_attempt=attempts.append)
        err = info.value
        assert err.code == "BAD_GATEWAY" and err.status == 502
        assert "<html" not in str(err) and err.message.startswith("The server could not be reached")
        assert [a.error_code for a in attempts] == ["BAD_GATEWAY"] * 3
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_a_file_modified_during_upload_fails_with_file_changed(server, tmp_path):
    client = connect(server)
    local = random_file(tmp_path / "growing.mp4", 20 * MiB)
    touched = []

    def progress(sent: int, total: int) -> None:
        if sent > 9 * MiB and not touched:
            touched.append(sent)
            with open(local, "ab") as fh:  # the camera app is still writing it
                fh.write(b"more")

    with pytest.raises(AppError) as info:
        upload(client, local, progress=progress)
    assert info.value.code == "FILE_CHANGED" and "growing.mp4" in info.value.detail
    assert info.value.file == str(local)


def test_a_chunk_damaged_in_transit_is_resent(server, tmp_path):
    client = connect(server)
    local = random_file(tmp_path / "v.mp4", 10 * MiB)
    server.inject_fault("PATCH", "/uploads/*", status=460, error_code="CHECKSUM_MISMATCH", count=1)
    attempts = []
    video = upload(client, local, on_attempt=attempts.append)
    assert [a.error_code for a in attempts] == ["CHECKSUM_MISMATCH"]
    assert video.sha256 == hashlib.sha256(local.read_bytes()).hexdigest()


def test_a_stored_file_that_differs_from_the_local_one_is_reported(server, tmp_path):
    client = connect(server)
    local = random_file(tmp_path / "v.mp4", 300_000)
    wrong = "0" * 64  # what the pipeline hashed earlier no longer matches what was sent
    with pytest.raises(AppError) as info:
        upload(client, local, local_sha256=wrong)
    err = info.value
    assert err.code == "CHECKSUM_MISMATCH" and err.extra["video_id"]
    assert err.extra["local_sha256"] == wrong


def test_a_known_sha256_saves_hashing_but_a_stale_one_is_caught(server, tmp_path):
    client = connect(server)
    local = random_file(tmp_path / "v.mp4", 9 * MiB)
    digest = hashlib.sha256(local.read_bytes()).hexdigest()
    video = upload(client, local, local_sha256=digest)
    assert video.sha256 == digest == video.local_sha256
    tokens = client.auth.tokens
    session = client.create_session(tokens.user_id)
    with open(local, "ab") as fh:
        fh.write(b"x")
    with pytest.raises(AppError) as info:
        client.upload_video(session.session_id, str(local), user_id=tokens.user_id,
                            idempotency_key=str(uuid.uuid4()), local_sha256=digest,
                            progress=lambda s, t: None)
    # Grew by a byte since it was hashed: the server's sha256 exposes the stale digest.
    assert info.value.code == "CHECKSUM_MISMATCH"


def test_crc32_checksum_matches_the_standard_check_value():
    """The client's crc32 Upload-Checksum is the CRC-32 every tool computes (zip, gzip):
    the check value of b"123456789" is 0xCBF43926, fed in pieces or at once."""
    from desktop_app.checksum import new_checksum

    whole, pieces = new_checksum("crc32"), new_checksum("crc32")
    whole.update(b"123456789")
    for piece in (b"1234", b"5", b"6789"):
        pieces.update(piece)
    assert whole.digest() == pieces.digest() == bytes.fromhex("cbf43926")
    assert pieces.copy().digest() == whole.digest()
