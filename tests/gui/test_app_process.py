"""`python main.py FILE...` as a user runs it: embedded backend, shared job store, one window."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _main(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True,
                          text=True, timeout=timeout, env=dict(os.environ), cwd=ROOT)


def _jobs() -> dict[str, str]:
    out = _main("jobs", "--json")
    assert out.returncode == 0, out.stderr
    return {Path(r["file"]).name: r["status"] for r in map(json.loads, out.stdout.splitlines())}


def _poll(cond, timeout: float) -> bool:
    # Another process's store has no signal to wait on: poll the CLI, as a user would.
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.5)
    return False


@pytest.mark.slow
def test_window_process_uploads_shares_its_store_and_takes_handed_files(tmp_path, sample_video):
    first, second = tmp_path / "first take.mp4", tmp_path / "second take.mp4"
    shutil.copy(sample_video, first)
    shutil.copy(sample_video, second)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    app = subprocess.Popen([sys.executable, str(ROOT / "main.py"), str(first)], env=env,
                           cwd=tmp_path, text=True, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
    try:
        # No server configured: the embedded backend and its local user take the upload.
        assert _poll(lambda: _jobs().get(first.name) == "done", 120), _jobs()
        handed = _main(str(second))
        assert handed.returncode == 0 and "Handed 1 file to the open window" in handed.stdout
        assert _poll(lambda: _jobs() == {first.name: "done", second.name: "done"}, 120), _jobs()
    finally:
        app.send_signal(signal.SIGTERM)
        out, err = app.communicate(timeout=60)
    assert app.returncode == 0, err
    assert "Traceback" not in err
