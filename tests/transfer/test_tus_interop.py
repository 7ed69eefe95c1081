"""The tus client against a third-party server (@tus/server run by node), through real
sockets, with network faults injected by the TCP proxy."""

from __future__ import annotations

import hashlib
import json
import logging
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest

from desktop_app.errors import AppError
from desktop_app.transfer.cancel import CancelToken
from desktop_app.transfer.retry import RetryPolicy
from desktop_app.transfer.tus import TusUploader
from tests.transfer.conftest import random_file, stored_file

pytestmark = pytest.mark.interop
MiB = 1024 * 1024
ROOT = Path(__file__).resolve().parents[2]
FAST = RetryPolicy(max_attempts=5, base_delay=0.2, max_delay=1.0, jitter=False)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_cli_upload_to_tus_server_stores_byte_identical_files(tus_node_server, tmp_path):
    endpoint, store = tus_node_server
    big = random_file(tmp_path / "clip one.mp4", 9 * MiB + 17)
    small = random_file(tmp_path / "short.mp4", 1000)
    proc = subprocess.run(
        [sys.executable, "main.py", "upload", "--tus", endpoint, "--header", "X-Test=1",
         "--chunk-size", str(4 * MiB), "--json", str(big), str(small), str(tmp_path / "gone.mp4")],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert proc.returncode == 1, proc.stderr  # one file is missing
    assert [r["ok"] for r in lines] == [True, True, False]
    for record, local in zip(lines[:2], (big, small), strict=True):
        assert set(record) == {"file", "ok", "url", "bytes", "attempts", "error_code", "error"}
        assert record["bytes"] == local.stat().st_size and record["attempts"] == 1
        assert stored_file(store, record["url"]).read_bytes() == local.read_bytes()
    assert lines[2]["error_code"] == "FILE_NOT_FOUND" and "gone.mp4" in lines[2]["error"]
    assert "Traceback" not in proc.stderr


def test_plain_tus_server_without_config_takes_any_file_type(tus_node_server, tmp_path):
    # No GET /config there: the server's accepted types are unknown, nothing is refused.
    endpoint, store = tus_node_server
    clip = random_file(tmp_path / "stream.ts", 2000)
    proc = subprocess.run([sys.executable, "main.py", "upload", "--tus", endpoint, "--json",
                           str(clip)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    (record,) = [json.loads(line) for line in proc.stdout.splitlines()]
    assert proc.returncode == 0 and record["ok"], proc.stderr
    assert stored_file(store, record["url"]).read_bytes() == clip.read_bytes()


def test_reset_at_half_keeps_what_the_server_stored(tus_node_server, fault_proxy, tmp_path):
    # @tus/server, like tusd, keeps the bytes of a PATCH cut off mid-body: the client goes
    # on from there (no retry spent) and sends again only what was in flight.
    endpoint, store = tus_node_server
    proxy = fault_proxy(endpoint)
    local = random_file(tmp_path / "fifty.bin", 50 * MiB)
    chunk = 8 * MiB
    attempts = []
    proxy.reset_after(25 * MiB)
    with httpx.Client() as http:
        up = TusUploader(http, proxy.wrap(endpoint), policy=FAST, chunk_size=chunk,
                         on_attempt=attempts.append)
        result = up.upload(str(local))
    assert proxy.reset_done.is_set() and proxy.resets == 1
    assert [a.error_code for a in attempts] in ([], ["CONNECTION_RESET"])  # see the other
    resent = proxy.bytes_up - local.stat().st_size
    assert 0 < resent <= 1 * MiB + 64 * 1024  # what was in flight, plus request headers
    # the client also counts what died in the socket buffers with the reset
    assert result.bytes_sent - local.stat().st_size <= chunk
    assert sha256(stored_file(store, result.url)) == sha256(local) == result.sha256


def test_refused_connections_heal_within_the_attempt_limit(tus_node_server, fault_proxy, tmp_path):
    endpoint, store = tus_node_server
    proxy = fault_proxy(endpoint)
    local = random_file(tmp_path / "a.bin", 3 * MiB)
    attempts = []
    proxy.refuse_for(0.5)
    with httpx.Client() as http:
        up = TusUploader(http, proxy.wrap(endpoint), policy=FAST, on_attempt=attempts.append)
        result = up.upload(str(local))
    assert attempts and {a.error_code for a in attempts} == {"CONNECTION_REFUSED"}
    assert result.attempts == len(attempts) + 1 <= 5
    assert stored_file(store, result.url).read_bytes() == local.read_bytes()


def test_stalled_connection_times_out_and_resumes(tus_node_server, fault_proxy, tmp_path,
                                                  caplog):
    caplog.set_level(logging.INFO, logger="desktop_app.transfer")
    endpoint, store = tus_node_server
    proxy = fault_proxy(endpoint)
    local = random_file(tmp_path / "b.bin", 6 * MiB)
    attempts = []
    proxy.stall_after(3 * MiB)
    with httpx.Client() as http:
        up = TusUploader(http, proxy.wrap(endpoint), policy=FAST, chunk_size=2 * MiB,
                         timeout=httpx.Timeout(5.0, read=1.0, write=1.0),
                         on_attempt=attempts.append)
        result = up.upload(str(local))
    assert proxy.stall_hit.is_set()
    # The stall ends in a timeout: a failed attempt, or, when the server had already stored
    # part of the stalled PATCH, a cut that kept bytes (the upload goes on from there).
    noticed = [a.error_code for a in attempts] + [
        r.getMessage() for r in caplog.records if "cut off" in r.getMessage()]
    assert len(noticed) == 1 and "NETWORK_TIMEOUT" in noticed[0], noticed
    assert stored_file(store, result.url).read_bytes() == local.read_bytes()


def _pause_after(token: CancelToken, nbytes: int):
    def progress(sent: int, total: int) -> None:
        if sent >= nbytes:
            token.cancel("pause")
    return progress


def test_pause_then_resume_from_the_persisted_url(tus_node_server, tmp_path):
    endpoint, store = tus_node_server
    local = random_file(tmp_path / "c.bin", 20 * MiB)
    saved: list[str] = []
    token = CancelToken()
    with httpx.Client() as http:
        first = TusUploader(http, endpoint, chunk_size=4 * MiB)
        with pytest.raises(AppError) as info:
            first.upload(str(local), on_upload_url=saved.append,
                         progress=_pause_after(token, 9 * MiB), cancel=token)
        assert info.value.code == "CANCELLED" and info.value.extra["reason"] == "pause"
        assert len(saved) == 1

        seen: list[int] = []
        second = TusUploader(http, endpoint, chunk_size=4 * MiB)
        result = second.upload(str(local), upload_url=saved[0],
                               progress=lambda sent, total: seen.append(sent))
    resumed_at = seen[0]  # the offset HEAD reported before anything was sent
    assert 8 * MiB <= resumed_at < 20 * MiB
    assert result.url == saved[0] and result.restarts == 0
    assert result.bytes_sent == 20 * MiB - resumed_at  # only what the server lacked
    assert stored_file(store, result.url).read_bytes() == local.read_bytes()
    assert result.sha256 == sha256(local)


def test_upload_gone_from_server_restarts_from_zero(tus_node_server, tmp_path):
    endpoint, store = tus_node_server
    local = random_file(tmp_path / "d.bin", 10 * MiB)
    saved: list[str] = []
    token = CancelToken()
    with httpx.Client() as http:
        with pytest.raises(AppError):
            TusUploader(http, endpoint, chunk_size=4 * MiB).upload(
                str(local), on_upload_url=saved.append, progress=_pause_after(token, 5 * MiB),
                cancel=token)
        # The server forgets it (tus termination), as an expired upload would be.
        assert http.delete(saved[0], headers={"Tus-Resumable": "1.0.0"}).status_code == 204
        result = TusUploader(http, endpoint, chunk_size=4 * MiB).upload(
            str(local), upload_url=saved[0], on_upload_url=saved.append)
    assert result.restarts == 1 and result.url == saved[1] != saved[0]
    assert stored_file(store, result.url).read_bytes() == local.read_bytes()


def test_cancel_mid_chunk_stops_a_throttled_upload(tus_node_server, tmp_path):
    from desktop_app.transfer.limiter import BandwidthLimiter

    endpoint, _ = tus_node_server
    local = random_file(tmp_path / "e.bin", 9 * MiB)
    token = CancelToken()
    started = threading.Event()

    def progress(sent: int, total: int) -> None:
        if sent > 0:
            started.set()

    outcome: list[BaseException] = []

    def run() -> None:
        with httpx.Client() as http:
            up = TusUploader(http, endpoint, limiter=BandwidthLimiter(1 * MiB))
            try:
                up.upload(str(local), progress=progress, cancel=token)
            except AppError as err:
                outcome.append(err)

    worker = threading.Thread(target=run)
    worker.start()
    assert started.wait(10)
    token.cancel("cancel")
    worker.join(2)  # the 9 MiB chunk would need ~9 s at 1 MiB/s
    assert not worker.is_alive()
    assert outcome and outcome[0].code == "CANCELLED"


@pytest.mark.parametrize("swallow", [False, True], ids=["write-blocked", "no-response"])
def test_pause_on_a_stalled_network_takes_effect_at_once(tus_node_server, fault_proxy, tmp_path,
                                                         swallow):
    from desktop_app.transfer.client import DEFAULT_TIMEOUTS
    from desktop_app.transfer.transport import make_http_client

    endpoint, _ = tus_node_server
    proxy = fault_proxy(endpoint)
    chunk = 16 * MiB
    local = random_file(tmp_path / "f.bin", 24 * MiB)
    proxy.stall_after(2 * MiB, swallow=swallow)
    token, outcome, sent = CancelToken(), [], [0]
    whole_chunk_sent = threading.Event()

    def progress(done: int, total: int) -> None:
        sent[0] = done
        if done >= chunk:
            whole_chunk_sent.set()  # from here the client waits for the response

    def run() -> None:
        # Default timeouts: 30 s write, 120 s read; the stall would hold the socket that long.
        with make_http_client(DEFAULT_TIMEOUTS) as http:
            try:
                TusUploader(http, proxy.wrap(endpoint), chunk_size=chunk,
                            timeout=DEFAULT_TIMEOUTS).upload(str(local), cancel=token,
                                                             progress=progress)
            except AppError as err:
                outcome.append(err)

    worker = threading.Thread(target=run)
    worker.start()
    assert proxy.stall_hit.wait(10)
    if swallow:
        assert whole_chunk_sent.wait(10)
    else:
        # No event says "the socket buffers are full": wait until progress stops moving.
        last = -1
        while sent[0] != last:
            last = sent[0]
            token.wait(0.5)
        assert sent[0] < chunk  # blocked inside the chunk, not between chunks
    token.cancel("pause")
    worker.join(1.0)
    assert not worker.is_alive()
    assert outcome[0].code == "CANCELLED" and outcome[0].extra["reason"] == "pause"


def test_cli_reports_an_unreachable_server_after_its_attempts(tmp_path):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    local = random_file(tmp_path / "a.mp4", 1000)
    proc = subprocess.run(
        [sys.executable, "main.py", "upload", "--tus", f"http://127.0.0.1:{port}/files",
         "--attempts", "3", "--json", str(local)],
        cwd=ROOT, capture_output=True, text=True, timeout=60)
    (record,) = [json.loads(line) for line in proc.stdout.splitlines()]
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert (record["ok"], record["error_code"], record["attempts"]) == \
        (False, "CONNECTION_REFUSED", 3)
    assert record["error"].startswith("The server refused the connection")
