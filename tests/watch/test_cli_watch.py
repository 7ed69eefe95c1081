"""``upload --watch DIR``: the CLI queues what appears, until interrupted (a real process)."""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.jobs.helpers import server_videos

ROOT = Path(__file__).resolve().parents[2]


class Watching:
    """The CLI process with its stdout lines (JSON records) and stderr lines in queues."""

    def __init__(self, server, folder: Path) -> None:
        env = dict(os.environ, PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring")
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "main.py"), "upload", "--watch", str(folder),
             "--settle", "1", "--json", "--server", server.url, "--username", server.username,
             "--password-stdin"], cwd=ROOT, env=env, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.proc.stdin.write(server.password + "\n")
        self.proc.stdin.close()
        self.out: queue.Queue[str] = queue.Queue()
        self.err: queue.Queue[str] = queue.Queue()
        for stream, q in ((self.proc.stdout, self.out), (self.proc.stderr, self.err)):
            threading.Thread(target=lambda s=stream, q=q: [q.put(line) for line in s],
                             daemon=True).start()

    def line(self, q: queue.Queue[str], starts: str, timeout: float = 60.0) -> str:
        while True:
            try:
                line = q.get(timeout=timeout)
            except queue.Empty:
                pytest.fail(f"no line starting {starts!r} within {timeout} s")
            if line.startswith(starts):
                return line

    def record(self) -> dict:
        return json.loads(self.line(self.out, "{"))

    def interrupt(self) -> int:
        self.proc.send_signal(signal.SIGINT)
        return self.proc.wait(30)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.mark.slow
def test_upload_watch_queues_new_files_until_interrupted(server, video_factory, tmp_path):
    folder = tmp_path / "drop here"
    folder.mkdir()
    clip = video_factory("watched.mp4", seconds=0.4, size=(160, 120))
    watching = Watching(server, folder)
    try:
        watching.line(watching.err, "Watching")
        shutil.copyfile(clip, folder / "take1.mp4")
        first = watching.record()
        assert first["ok"] and first["file"] == str(folder / "take1.mp4")
        assert not first["already_on_server"]
        (folder / "day2").mkdir()
        shutil.copyfile(clip, folder / "day2" / "take1 again.mp4")  # the same bytes
        second = watching.record()
        assert second["ok"] and second["already_on_server"]
        assert second["video_id"] == first["video_id"]
        assert watching.interrupt() == 0
    finally:
        watching.kill()
    assert len(server_videos(server)) == 1
    assert "Traceback" not in "".join(watching.err.queue)
