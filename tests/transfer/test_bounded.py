"""Every request is bounded in time and in memory (issue 13, item 5), against stub servers
that lie the way real ones do: one answers at 1 byte/s (httpx's read timeout restarts with
every byte: on main the request never ended), one answers 503 with a 100 MB body (on main
read whole: 740 MB RSS). The client runs in its own process so its RSS is its own."""

from __future__ import annotations

import json
import socket
import socketserver
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MiB = 1024 * 1024
CONNECT_S, READ_S = 2.0, 3.0  # the client's timeouts here: its deadline is their sum


class _Stub(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, mode: str) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.mode = mode
        self.requests = 0
        self.lock = threading.Lock()


class _Handler(socketserver.BaseRequestHandler):
    server: _Stub

    def handle(self) -> None:
        sock: socket.socket = self.request
        while True:
            head = b""
            while b"\r\n\r\n" not in head:
                data = sock.recv(65536)
                if not data:
                    return
                head += data
            with self.server.lock:
                self.server.requests += 1
                n = self.server.requests
            try:
                if self.server.mode == "trickle":
                    self._trickle(sock)
                    return
                self._big_503(sock) if n <= 2 else self._ok(sock)
            except OSError:  # the client hung up: what a bounded client does
                return

    def _trickle(self, sock: socket.socket) -> None:
        answer = b'HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n' \
                 b'Content-Length: 2000\r\n\r\n{"session_id": "' + b"x" * 1980 + b'"}'
        for i in range(len(answer)):
            sock.sendall(answer[i:i + 1])
            time.sleep(1.0)  # the fault under test: one byte a second, for half an hour

    def _big_503(self, sock: socket.socket) -> None:
        size = 100 * MiB
        sock.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
                     b"Retry-After: 0\r\nContent-Length: " + str(size).encode() + b"\r\n\r\n")
        body = b'{"error_code": "SERVICE_UNAVAILABLE", "error": "' + b"x" * (size - 70)
        body += b'"}'.rjust(size - len(body), b" ")
        view = memoryview(body)
        while view:
            view = view[sock.send(view[:MiB]):]

    def _ok(self, sock: socket.socket) -> None:
        body = json.dumps({"session_id": "s1", "user_id": "alice"}).encode()
        sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                     + str(len(body)).encode() + b"\r\n\r\n" + body)


@pytest.fixture
def stub() -> Iterator[callable]:
    servers: list[_Stub] = []

    def start(mode: str) -> str:
        srv = _Stub(mode)
        servers.append(srv)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{srv.server_address[1]}"

    yield start
    for srv in servers:
        srv.shutdown()
        srv.server_close()


CLIENT = f"""
import json, sys, time
import httpx, psutil
from desktop_app.errors import AppError
from desktop_app.transfer.auth import AuthSession
from desktop_app.transfer.cancel import CancelToken
from desktop_app.transfer.client import BackendClient
from desktop_app.transfer.retry import RetryPolicy

mode, url = sys.argv[1], sys.argv[2]
timeouts = httpx.Timeout(connect={CONNECT_S}, read={READ_S}, write={READ_S}, pool={READ_S})
client = BackendClient(url, auth=AuthSession(), timeouts=timeouts,
                       policy=RetryPolicy(max_attempts=3, base_delay=0.1, max_delay=0.2))
client.auth.use_token("t" * 40, user_id="alice")
token, started, ends = CancelToken(), time.monotonic(), []

def on_attempt(info):
    ends.append((time.monotonic() - started, info.error_code))
    if mode == "trickle":
        token.cancel()  # one attempt is what is measured

outcome = "ok"
try:
    client.create_session("alice", cancel=token, on_attempt=on_attempt)
except AppError as err:
    outcome = err.code
# the peak of this process's own memory (ru_maxrss would include the parent's, from the fork)
with open("/proc/self/status") as fh:
    hwm_kb = next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:"))
print(json.dumps({{"outcome": outcome, "attempts": ends, "peak_rss_mb": hwm_kb / 1024,
                  "rss_mb": psutil.Process().memory_info().rss / 2**20}}))
"""


def _client(mode: str, url: str, timeout: float) -> dict:
    proc = subprocess.run([sys.executable, "-c", CLIENT, mode, url], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_an_answer_trickling_at_one_byte_a_second_ends_at_the_deadline(stub):
    url = stub("trickle")
    started = time.monotonic()
    result = _client("trickle", url, timeout=60)  # on main: killed here, still reading
    (took, code), = result["attempts"]
    assert code == "NETWORK_TIMEOUT"
    assert took <= CONNECT_S + READ_S + 1.5, result  # the deadline, not 2,000 bytes at 1/s
    assert result["outcome"] == "CANCELLED"
    assert time.monotonic() - started < 30


def test_503_answers_with_100_mb_bodies_are_read_up_to_a_cap(stub):
    url = stub("big503")
    result = _client("big503", url, timeout=120)
    assert [code for _, code in result["attempts"]] == ["SERVICE_UNAVAILABLE"] * 2
    assert result["outcome"] == "ok"  # the third answer is the session
    assert result["peak_rss_mb"] < 150 and result["rss_mb"] < 150, result
    print(f"client peak RSS after two 100 MB error bodies: {result['peak_rss_mb']:.0f} MB")
