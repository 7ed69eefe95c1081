"""Duplicates by checksum (issue 16): bytes on the wire for a copy the server already has.

    .venv/bin/python tests/benchmarks/bench_duplicates.py [--size-mb 40]

Makes a clip of about SIZE (tus: several chunks), uploads it through the real pipeline to
the embedded reference backend, then the same bytes under another name. Every byte the
client sends passes through the test suite's loopback fault proxy (``bytes_up``); the
server counts upload body bytes itself (``uploader_upload_bytes_total`` in /metrics).
Prints both for each copy. Target: 0 body bytes for the second copy.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def body_bytes(server) -> int:
    import httpx

    text = httpx.get(server.api_url + "/metrics", timeout=10).text
    return int(re.search(r"^uploader_upload_bytes_total (\d+)$", text, re.M).group(1))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mb", type=float, default=40)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-dup-"))
    import os

    for name in ("XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        (tmp / name.lower()).mkdir()
        os.environ[name] = str(tmp / name.lower())
    os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"

    from desktop_app.jobs.model import JobState
    from desktop_app.server.embedded import start_embedded_server
    from desktop_app.session import Options, connect, job_store
    from desktop_app.settings import Settings
    from tests.fixtures.netfault import FaultProxy
    from tests.fixtures.videos import make_video

    seconds = max(1.0, args.size_mb / 13.0)  # noise at 640x480, crf 1: about 13 MB a second
    first = make_video(tmp / "take1.mp4", seconds=seconds, size=(640, 480), noise=True)
    second = tmp / "take1 (copy).mp4"
    shutil.copyfile(first, second)
    server = start_embedded_server(tmp / "server", chunk_size=8 * 1024 * 1024)
    proxy = FaultProxy(server.url).start()
    server.set_public_url(proxy.url)
    session = connect(Settings(), Options(server=proxy.url, username=server.username,
                                          password=server.password))
    try:
        manager = session.open_manager(interactive=False, store=job_store(tmp / "jobs.db"))
        manager.start()
        size = first.stat().st_size
        print(f"file: {size} bytes ({size / 2**20:.1f} MiB)")
        for label, path in (("first upload", first), ("same bytes, another name", second)):
            wire, body = proxy.bytes_up, body_bytes(server)
            started = time.monotonic()
            [job] = manager.add_files([str(path)])
            manager.wait_idle([job.job_id], timeout=600)
            job = manager.get(job.job_id)
            assert job is not None and job.state is JobState.DONE, job
            print(f"{label}: {body_bytes(server) - body} upload body bytes (server), "
                  f"{proxy.bytes_up - wire} bytes on the wire in all (proxy), "
                  f"{time.monotonic() - started:.2f} s, already_on_server="
                  f"{job.already_on_server}, video {job.video_id}")
    finally:
        session.close()
        proxy.stop()
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
