"""`python main.py serve`: prints its URL, serves, and stops cleanly on Ctrl+C."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]


def serve(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "main.py", "serve", *args], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})


def url_of(proc: subprocess.Popen) -> tuple[str, list[str]]:
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if m := re.search(r"at (http://\S+) ", line):
            return m.group(1), lines
    raise AssertionError(f"no URL printed; stderr: {proc.stderr.read() if proc.stderr else ''}")


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT delivery differs on Windows")
def test_serve_prints_url_serves_and_ctrl_c_exits_0(tmp_path):
    proc = serve("--port", "0", "--data-dir", str(tmp_path), "--user", "alice:s3cret:pw", "--max-inflight", "2")
    try:
        url, _ = url_of(proc)
        assert url.startswith("http://127.0.0.1:")
        r = httpx.post(url + "/api/v1/auth/token", json={"username": "alice", "password": "s3cret:pw"})
        assert r.status_code == 200 and r.json()["is_admin"] is False
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        proc.kill() if proc.poll() is None else None
    assert proc.returncode == 0, err
    assert "Stopped." in out and "Traceback" not in err
    assert "s3cret" not in out + err and r.json()["access_token"] not in out + err


def test_serve_without_users_creates_an_admin_once(tmp_path):
    proc = serve("--port", "0", "--data-dir", str(tmp_path))
    try:
        url, lines = url_of(proc)
        (created,) = [line for line in lines if "Created user 'admin'" in line]
        password = re.search(r"password (\S+) ", created).group(1)
        r = httpx.post(url + "/api/v1/auth/token", json={"username": "admin", "password": password})
        assert r.status_code == 200 and r.json()["is_admin"] is True
    finally:
        proc.terminate()
        proc.communicate(timeout=20)


def test_bad_user_spec_is_a_usage_error(tmp_path):
    proc = serve("--data-dir", str(tmp_path), "--user", "nopassword")
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 2 and "NAME:PASSWORD" in err and "Traceback" not in err


def test_port_in_use_says_so(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        proc = serve("--data-dir", str(tmp_path), "--port", str(port))
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 1 and "--port" in err and "Traceback" not in err


def test_serve_limit_options_reach_the_server(tmp_path):
    token_file = tmp_path / "metrics.token"
    token_file.write_text("scrape-me\n")
    proc = serve("--port", "0", "--data-dir", str(tmp_path / "d"), "--user", "alice:pw-alice",
                 "--public-url", "http://uploads.test:9999", "--header-timeout", "1",
                 "--metrics-token-file", str(token_file))
    try:
        url, _ = url_of(proc)
        token = httpx.post(url + "/api/v1/auth/token", json={"username": "alice", "password": "pw-alice"},
                           headers={"Host": "uploads.test:9999"}).json()["access_token"]
        r = httpx.post(url + "/api/v1/uploads", headers={
            "Host": "uploads.test:9999", "Authorization": f"Bearer {token}", "Tus-Resumable": "1.0.0",
            "Upload-Length": "3"})
        assert r.status_code == 201 and r.headers["location"].startswith("http://uploads.test:9999/api/v1/uploads/")
        assert httpx.get(url + "/metrics").status_code == 401
        assert httpx.get(url + "/metrics", headers={"Authorization": "Bearer scrape-me"}).status_code == 200
        with socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1])), timeout=5) as sock:
            sock.sendall(b"GET /api/v1/hea")
            assert sock.recv(100) == b""  # closed after the 1 s header timeout, well before 5 s
    finally:
        proc.terminate()
        proc.communicate(timeout=20)


@pytest.mark.parametrize("option", [("--public-url", "ftp://x"), ("--header-timeout", "0"),
                                    ("--max-connections", "none")])
def test_bad_limit_options_are_usage_errors(tmp_path, option):
    proc = serve("--data-dir", str(tmp_path), *option)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 2 and option[0] in err and "Traceback" not in err
