"""A server restart is a pause, not a failure: `serve` killed with SIGKILL and started again
3 s later on the same data dir, while a 4-file CLI upload runs (issue 13, item 1).

On main this ended with the CLI exiting 1 about 5 s after the kill, three of the four
files CIRCUIT_OPEN: the breaker that opened during the restart was taken as final."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pytest

from tests.faults.helpers import ServeProcess, records, start_cli, upload_cmd

pytestmark = pytest.mark.slow
CHUNK = 1024 * 1024  # several PATCHes per file: the kill lands mid-upload


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _wait_for_bytes(uploads: Path, deadline_s: float) -> None:
    """Until the server has some upload bytes on disk (it runs in another process: its
    disk is what we can observe)."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if any(p.stat().st_size > 0 for p in uploads.glob("*") if p.is_file()):
            return
        time.sleep(0.05)
    raise AssertionError("no upload reached the server")


@pytest.mark.timeout(400)
def test_server_killed_and_restarted_3s_later_every_file_is_stored(tmp_path, four_clips):
    data = tmp_path / "server"
    srv = ServeProcess(data, options=("--chunk-size", str(CHUNK)))
    cli = None
    try:
        srv.start()
        cli = start_cli(upload_cmd(srv.url, four_clips, "--limit-kbps", "8192"), tmp_path)
        _wait_for_bytes(data / "uploads", 120)
        srv.kill()
        killed_at = time.monotonic()
        time.sleep(3.0)  # the outage itself: 3 s without a server
        srv.start()
        out, err = cli.communicate(timeout=300)
        took = time.monotonic() - killed_at
    finally:
        if cli is not None and cli.poll() is None:
            cli.kill()
            cli.wait(30)
        srv.stop()
    assert cli.returncode == 0, out + err
    assert "Traceback" not in err
    lines = records(out)
    assert [r["file"] for r in lines] == [str(f) for f in four_clips]
    assert all(r["ok"] and r["status"] == "done" for r in lines), lines
    stored = srv.videos()
    assert sorted(v["sha256"] for v in stored) == sorted(sha256(f) for f in four_clips)
    for video in stored:  # bytes stored equal the files
        assert sha256(Path(video["path"])) == video["sha256"]
    print(f"restart healed: all 4 files done {took:.0f} s after the kill")
