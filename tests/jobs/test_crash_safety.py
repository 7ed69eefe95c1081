"""SIGKILL the CLI upload at each dangerous point, run it again: nothing lost, nothing twice.

The process is parked at each point by a test-only hook (VIDEO_UPLOADER_TEST_HOOK):
it prints ``TEST-HOOK <point>`` to stderr and blocks, so the test kills a process
that is provably there, with no sleeps guessing the timing. Bytes are counted at a
loopback proxy between the CLI and the real backend.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from desktop_app import paths
from desktop_app.jobs.store import JobStore
from tests.fixtures.videos import make_video
from tests.jobs.helpers import server_videos, sha256

ROOT = Path(__file__).resolve().parents[2]
CHUNK = 256 * 1024
HEADERS_SLACK = 64 * 1024  # request lines and headers of every request in the rerun


def _env(hook: str | None) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"  # never the real keyring
    env.pop("VIDEO_UPLOADER_TEST_HOOK", None)
    if hook:
        env["VIDEO_UPLOADER_TEST_HOOK"] = hook
    return env


def _args(url: str, username: str, files: list[Path], *extra: str) -> list[str]:
    return [sys.executable, str(ROOT / "main.py"), "upload", "--json", "--server", url,
            "--username", username, "--password-stdin", "--session-title", "crash test",
            *extra, *map(str, files)]


def _run_until_hook_then_kill(cmd: list[str], password: str, point: str) -> str:
    proc = subprocess.Popen(cmd, cwd=ROOT, env=_env(point), stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    watchdog = threading.Timer(120, proc.kill)  # a hook never reached fails, not hangs
    watchdog.start()
    try:
        proc.stdin.write(password + "\n")
        proc.stdin.close()
        for line in proc.stderr:
            if line.startswith(f"TEST-HOOK {point}"):
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                return line
        proc.wait()
        pytest.fail(f"never reached {point}; exit {proc.returncode}: {proc.stdout.read()}")
    finally:
        watchdog.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    raise AssertionError("unreachable")


@pytest.fixture(scope="module")
def crash_files(tmp_path_factory, video_factory):
    root = tmp_path_factory.mktemp("crash")
    big = make_video(root / "big.mp4", seconds=1.0, size=(320, 240), noise=True)  # many chunks
    small = make_video(root / "small.mp4", seconds=1.0, size=(160, 120))  # one multipart POST
    # Seconds of decoding: its upload (at LONG_LIMIT) and its analysis run side by side.
    long = video_factory("overlap-720p.mp4", seconds=15, size=(1280, 720))
    return [big, small, long]


LONG_LIMIT = ["--limit-kbps", "2048"]


@pytest.mark.slow
@pytest.mark.parametrize(("point", "which"), [
    ("queued", "both"), ("analysing", "both"), ("mid_upload", "tus"),
    ("after_finish", "tus"), ("after_finish", "multipart"), ("both_running", "long")])
def test_killed_upload_reruns_to_every_file_stored_exactly_once(
        point, which, server_factory, fault_proxy, crash_files):
    crash_files = {"both": crash_files[:2], "tus": crash_files[:1],
                   "multipart": crash_files[1:2], "long": crash_files[2:]}[which]
    srv = server_factory(chunk_size=CHUNK)
    proxy = fault_proxy(srv.url)
    srv.set_public_url(proxy.url)  # the server is reached through the proxy, as behind any proxy
    cmd = _args(proxy.url, srv.username, crash_files, *(LONG_LIMIT if which == "long" else []))
    marker = _run_until_hook_then_kill(cmd, srv.password, point)
    store = JobStore(paths.job_db_path())
    before = {j.path: j for j in store.jobs()}
    assert set(before) == {str(f) for f in crash_files}  # queued jobs survived the kill
    bytes_before = proxy.bytes_up

    rerun = subprocess.run(cmd, cwd=ROOT, env=_env(None), input=srv.password + "\n",
                           capture_output=True, text=True, timeout=180)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    records = [json.loads(line) for line in rerun.stdout.splitlines()]
    for record, file in zip(records, crash_files, strict=True):
        assert record["ok"] and record["sha256"] == sha256(file)
        assert record["job_id"] == before[str(file)].job_id  # the same job, resumed
        assert record.get("resumed") or record.get("already_stored")

    stored = server_videos(srv)
    assert sorted(v["sha256"] for v in stored) == sorted(sha256(f) for f in crash_files)
    for video in stored:
        assert sha256(video["path"]) == video["sha256"]
    assert len(store.jobs()) == len(crash_files)

    if point == "both_running":  # killed with both half-way: both went on to the end
        (video,) = stored
        assert json.loads(video["analysis"])["frame_count"] == 450
        assert len(srv.ctx.store.all("SELECT * FROM uploads")) == 1  # resumed, not re-created
        assert before[str(crash_files[0])].analysis is None  # the analysis was cut short
    if point in ("mid_upload", "both_running"):
        sent_first = bytes_before
        resent = sent_first + (proxy.bytes_up - bytes_before) - sum(
            f.stat().st_size for f in crash_files)
        assert resent <= CHUNK + HEADERS_SLACK, (marker, resent)
        print(f"mid-upload kill: {resent} bytes re-sent (chunk {CHUNK})")


@pytest.mark.slow
def test_what_a_killed_run_delivered_is_not_sent_again(server_factory, fault_proxy,
                                                       tmp_path):
    """Issue 13, item 2: on main the killed run's PATCH carried a checksum of its whole
    chunk, so the server threw the part it had received away and the rerun sent it again
    (43.6 MB of 160 MB lost that way). Now the server keeps what arrived: the rerun sends
    at most what was in flight, whatever the chunk size."""
    clip = make_video(tmp_path / "long.mp4", seconds=1.5, size=(480, 360), noise=True)
    chunk = 8 * 1024 * 1024  # ~12 MB: the kill (at half the file) lands inside the first PATCH
    assert chunk < clip.stat().st_size < 2 * chunk * 0.9
    srv = server_factory(chunk_size=chunk)
    proxy = fault_proxy(srv.url)
    srv.set_public_url(proxy.url)
    cmd = _args(proxy.url, srv.username, [clip])
    marker = _run_until_hook_then_kill(cmd, srv.password, "mid_upload")
    delivered = proxy.bytes_up
    rerun = subprocess.run(cmd, cwd=ROOT, env=_env(None), input=srv.password + "\n",
                           capture_output=True, text=True, timeout=180)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    (record,) = [json.loads(line) for line in rerun.stdout.splitlines()]
    assert record["ok"] and record["resumed"] and record["sha256"] == sha256(clip)
    resent = proxy.bytes_up - clip.stat().st_size  # both runs: all beyond one copy
    assert delivered > 1024 * 1024, marker  # the killed run had sent a good part
    assert resent <= 1024 * 1024 + HEADERS_SLACK, (marker, resent)
    print(f"kill -9 mid-upload: killed run delivered {delivered} bytes, "
          f"{resent} bytes sent beyond one copy in all (chunk {chunk})")
