"""A 1 GiB upload, by multipart and by tus, keeps the server's peak RSS under 150 MB.

The server runs as `python main.py serve` in its own process; its RSS is sampled
with psutil while the upload runs and until the video is processed (and, on Linux,
the kernel's own high-water mark VmHWM is checked as well).
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import psutil
import pytest

ROOT = Path(__file__).resolve().parents[2]
GIB = 1024**3
LIMIT = 150 * 1024 * 1024
BLOCK = 1024 * 1024

pytestmark = pytest.mark.slow


def make_big_file(path: Path) -> str:
    """1 GiB: random 1 MiB blocks at every 64th MiB, sparse zeros between (fast to make)."""
    digest = hashlib.sha256()
    zeros = bytes(BLOCK)
    with open(path, "wb") as fh:
        for i in range(GIB // BLOCK):
            if i % 64 == 0:
                block = hashlib.sha256(str(i).encode()).digest() * (BLOCK // 32)
                fh.write(block)
            else:
                block = zeros
                fh.seek(BLOCK, 1)
            digest.update(block)
        fh.truncate(GIB)
    return digest.hexdigest()


class RssWatch:
    def __init__(self, pid: int) -> None:
        self.proc = psutil.Process(pid)
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self.proc.memory_info().rss)

    def hwm(self) -> int | None:
        status = Path(f"/proc/{self.proc.pid}/status")
        if status.exists():
            m = re.search(r"VmHWM:\s+(\d+) kB", status.read_text())
            return int(m.group(1)) * 1024 if m else None
        return None

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


@pytest.fixture(scope="module")
def big_file(tmp_path_factory) -> tuple[Path, str]:
    path = tmp_path_factory.mktemp("big") / "big.mp4"
    return path, make_big_file(path)


@pytest.fixture
def served(tmp_path):
    proc = subprocess.Popen([sys.executable, "main.py", "serve", "--port", "0", "--data-dir", str(tmp_path / "srv"),
                             "--user", "mem:mem-password"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    for line in proc.stdout:
        if m := re.search(r"at (http://\S+) ", line):
            break
    api = m.group(1) + "/api/v1"
    token = httpx.post(api + "/auth/token", json={"username": "mem", "password": "mem-password"}).json()
    c = httpx.Client(base_url=api, headers={"Authorization": f"Bearer {token['access_token']}"}, timeout=600)
    sid = c.post("/sessions", json={"user_id": "mem"}).json()["session_id"]
    watch = RssWatch(proc.pid)
    yield c, sid, watch
    watch.stop()
    c.close()
    proc.terminate()
    proc.wait(30)


def chunks(path: Path):
    with open(path, "rb") as fh:
        while block := fh.read(BLOCK):
            yield block


def wait_done(c: httpx.Client, video_id: str) -> None:
    import time

    deadline = time.monotonic() + 120
    while c.get(f"/videos/{video_id}").json()["status"] == "processing" and time.monotonic() < deadline:
        time.sleep(0.2)


def check_peak(watch: RssWatch) -> None:
    peak = watch.stop()
    hwm = watch.hwm()
    print(f"server peak RSS: sampled {peak / 1e6:.1f} MB, VmHWM {hwm / 1e6 if hwm else float('nan'):.1f} MB")
    assert peak < LIMIT, f"peak RSS {peak / 1e6:.0f} MB"
    assert hwm is None or hwm < LIMIT, f"VmHWM {hwm / 1e6:.0f} MB"


def test_one_gib_multipart_upload_stays_under_150_mb(served, big_file):
    c, sid, watch = served
    path, sha = big_file
    with open(path, "rb") as fh:
        r = c.post(f"/sessions/{sid}/videos", files={"video": (path.name, fh)}, data={"user_id": "mem"})
    assert r.status_code == 201, r.text
    assert r.json()["sha256"] == sha and r.json()["bytes"] == GIB
    wait_done(c, r.json()["video_id"])
    check_peak(watch)


def test_one_gib_tus_upload_stays_under_150_mb(served, big_file):
    c, sid, watch = served
    path, sha = big_file
    r = c.post("/uploads", headers={"Tus-Resumable": "1.0.0", "Upload-Length": str(GIB),
                                    "Upload-Metadata": "filename YmlnLm1wNA=="})
    url = r.headers["location"]
    r = c.patch(url, content=chunks(path), headers={"Tus-Resumable": "1.0.0", "Upload-Offset": "0",
                                                    "Content-Type": "application/offset+octet-stream"})
    assert r.status_code == 204 and r.headers["upload-offset"] == str(GIB)
    video = c.post(f"/sessions/{sid}/videos", json={"upload_id": url, "user_id": "mem"}).json()
    assert video["sha256"] == sha
    wait_done(c, video["video_id"])
    check_peak(watch)
