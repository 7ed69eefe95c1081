"""Tokens off the command line: ``$VIDEO_UPLOADER_TOKEN`` or ``--token-stdin`` instead of
``--token T``, which any user can read in the process list while the run lasts."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import psutil

from desktop_app import paths
from desktop_app.cli import main
from desktop_app.jobs.log import LOG_NAME
from tests.jobs.helpers import server_videos, sha256

ROOT = Path(__file__).resolve().parents[2]


def _token(server) -> tuple[str, str]:
    resp = httpx.post(server.api_url + "/auth/token", timeout=10,
                      json={"username": server.username, "password": server.password})
    resp.raise_for_status()
    return resp.json()["access_token"], resp.json()["user_id"]


def _command_lines(root: psutil.Process) -> list[str]:
    """The argv of every process on the machine we may read, and of root's children."""
    lines = []
    for proc in [*psutil.process_iter(), *root.children(recursive=True)]:
        try:
            lines.append(" ".join(proc.cmdline()))
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return lines


def test_token_from_the_environment_is_used_and_never_in_any_argv_or_the_log(
        server, sample_video):
    token, user_id = _token(server)
    cmd = [sys.executable, str(ROOT / "main.py"), "upload", "--json", "--server", server.url,
           "--user-id", user_id, str(sample_video)]
    env = {**os.environ, "VIDEO_UPLOADER_TOKEN": token,
           "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"}
    # Parked (test hook) once its job is committed: look at every process meanwhile.
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**env, "VIDEO_UPLOADER_TEST_HOOK": "queued"},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    watchdog = threading.Timer(120, proc.kill)
    watchdog.start()
    try:
        for line in proc.stderr:
            if line.startswith("TEST-HOOK queued"):
                break
        else:
            raise AssertionError(f"never reached the hook: {proc.stdout.read()}")
        lines = _command_lines(psutil.Process(proc.pid))
        assert any(str(sample_video) in line for line in lines)  # we did see the CLI
        assert not [line for line in lines if token in line]
    finally:
        watchdog.cancel()
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    (record,) = [json.loads(line) for line in done.stdout.splitlines()]
    assert record["ok"] and record["sha256"] == sha256(sample_video)
    assert [v["sha256"] for v in server_videos(server)] == [sha256(sample_video)]
    log_text = (paths.log_dir() / LOG_NAME).read_text(encoding="utf-8")
    assert str(sample_video) in log_text  # the run did log
    assert token not in log_text + done.stdout + done.stderr


def test_token_from_stdin_is_used(server, sample_video, monkeypatch, capsys):
    token, user_id = _token(server)
    monkeypatch.setattr("sys.stdin", io.StringIO(token + "\n"))
    code = main(["upload", "--json", "--server", server.url, "--user-id", user_id,
                 "--token-stdin", str(sample_video)])
    (record,) = [json.loads(x) for x in capsys.readouterr().out.splitlines() if x.startswith("{")]
    assert code == 0 and record["ok"] and record["sha256"] == sha256(sample_video)


def test_help_recommends_the_environment_or_stdin_over_token(capsys):
    for command in ("upload", "retry"):
        try:
            main([command, "--help"])
        except SystemExit:
            pass
        text = " ".join(capsys.readouterr().out.split())
        assert "--token-stdin" in text and "$VIDEO_UPLOADER_TOKEN" in text
        assert "prefer --token-stdin or $VIDEO_UPLOADER_TOKEN" in text
