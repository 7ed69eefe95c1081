"""Benchmark: bytes on the wire for a duplicate of a large file, its sha256 later than the
first byte (the late duplicate check, ``jobs/beside.SideWork._late_check``).

    .venv/bin/python tests/benchmarks/bench_late_duplicates.py [--size-mb 200] [--kbps 10240]
                                                               [--cap 30] [--compare REV]

For each file, the server already has its bytes (a processed video of the user with its
sha256, put into the reference server's store: the first upload is not what is measured),
then the file goes through ``JobManager`` over a bandwidth-limited link (``--kbps``), with
the first byte's wait for the sha256 (``duplicate_check_wait_s``) at 0 and at the default.
Files:

* SIZE MB: a clip followed by a ``free`` box of random bytes (its sha256: a fraction of a
  second, so at the default wait it is known before the first byte);
* 3 GiB: the clip followed by a sparse ``free`` box (no disk space; its sha256 takes
  longer than the default wait, as a camera's 10 GB file's does).

Printed per run: upload body bytes the server received (``uploader_upload_bytes_total``),
seconds from the drop to the end, and how it ended: DONE "already on the server", DONE as
uploaded, or still sending after ``--cap`` seconds (then stopped: the rest of a file that
size would go out too). ``--compare REV`` runs the same with the ``desktop_app`` of a git
revision (e.g. the branch point: "before"), unpacked with ``git archive``; a version
without the setting gets its wait through ``stages.HASH_GRACE_S``. Each run is a fresh
process (its own imports, server and job store).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CACHE = Path(tempfile.gettempdir()) / "bench_late_duplicates"
HUGE = 3 * 1024**3


def make_files(size_mb: float) -> list[tuple[str, Path]]:
    sys.path.insert(0, str(ROOT))
    from tests.fixtures.videos import make_video

    CACHE.mkdir(exist_ok=True)
    clip = CACHE / "clip.mp4"
    if not clip.exists():
        make_video(clip, seconds=2, size=(640, 480))
    large = CACHE / f"large-{size_mb:g}mb.mp4"
    if not large.exists():
        pad = int(size_mb * 1e6) - clip.stat().st_size
        shutil.copy(clip, large)
        with open(large, "ab") as fh:
            fh.write(pad.to_bytes(4, "big") + b"free")
            left = pad - 8
            while left > 0:
                fh.write(os.urandom(min(left, 1 << 24)))
                left -= 1 << 24
    huge = CACHE / "huge-sparse.mp4"
    if not huge.exists():
        shutil.copy(clip, huge)
        with open(huge, "ab") as fh:
            fh.write((1).to_bytes(4, "big") + b"free" + HUGE.to_bytes(8, "big"))
            fh.truncate(clip.stat().st_size + HUGE)
    return [(f"{large.stat().st_size / 1e6:.0f} MB", large), ("3 GiB sparse", huge)]


# ---- one run, in a process of its own (``--run``) ------------------------------------------


def _run(code: Path, path: Path, wait: float, kbps: int, cap: float) -> dict:
    sys.path.insert(0, str(code))
    work = Path(tempfile.mkdtemp(prefix="bench-late-dup-"))
    for name in ("XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        (work / name.lower()).mkdir()
        os.environ[name] = str(work / name.lower())
    os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
    import desktop_app
    from desktop_app.files import sha256_of
    from desktop_app.jobs import stages
    from desktop_app.jobs.model import JobChanged
    from desktop_app.server.embedded import start_embedded_server
    from desktop_app.session import Options, connect, job_store
    from desktop_app.settings import Settings

    assert Path(desktop_app.__file__).resolve().is_relative_to(code.resolve()), desktop_app.__file__
    with open(path, "rb") as fh:
        digest = sha256_of(fh)
    finished = threading.Event()

    def on_event(event: object) -> None:
        if isinstance(event, JobChanged) and event.job.state.finished:
            finished.set()

    overrides: dict = {}
    if hasattr(stages, "HASH_GRACE_S"):  # a version without the setting
        stages.HASH_GRACE_S = wait  # type: ignore[attr-defined]
    else:
        overrides["duplicate_check_wait_s"] = wait
    try:
        with start_embedded_server(work / "server") as server:
            session = connect(Settings(), Options(server=server.url, username=server.username,
                                                  password=server.password, limit_kbps=kbps))
            existing = _already_stored(server, session.backend.user_id(), path, digest)
            manager = session.open_manager(on_event=on_event, interactive=False,
                                           store=job_store(work / "jobs.db"), **overrides)
            manager.start()
            try:
                started = time.perf_counter()
                [job] = manager.add_files([str(path)])
                ended = finished.wait(cap)
                elapsed = time.perf_counter() - started
                sent = _body_bytes(server)
                job = manager.get(job.job_id)
            finally:
                manager.shutdown()
                session.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    outcome = ("still sending" if not ended else "already on the server"
               if job.already_on_server and job.video_id == existing else
               f"{job.state.value} as uploaded")
    return {"sent": sent, "seconds": elapsed, "outcome": outcome}


def _already_stored(server, user_id: str, path: Path, digest: str) -> str:
    video_id = uuid.uuid4().hex
    server.ctx.store.add_video({
        "video_id": video_id, "session_id": uuid.uuid4().hex, "user_id": user_id,
        "filename": path.name, "bytes": path.stat().st_size, "sha256": digest,
        "status": "processed", "error_code": None, "error": None, "analysis": None,
        "recorded_at": None, "created_at": "2024-01-01T00:00:00Z",
        "processed_at": "2024-01-01T00:00:01Z", "path": str(path)})
    return video_id


def _body_bytes(server) -> int:
    import re

    import httpx

    text = httpx.get(server.api_url + "/metrics", timeout=10).text
    return int(re.search(r"^uploader_upload_bytes_total (\d+)$", text, re.M).group(1))


# ---- the runs ------------------------------------------------------------------------------


def _checkout(rev: str) -> Path:
    target = Path(tempfile.mkdtemp(prefix="bench-late-dup-code-"))
    archive = subprocess.run(["git", "archive", rev, "desktop_app"], cwd=ROOT, check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mb", type=float, default=200)
    parser.add_argument("--kbps", type=int, default=10240, help="the link, KiB/s")
    parser.add_argument("--cap", type=float, default=30, help="seconds a run may take")
    parser.add_argument("--compare", metavar="REV", help="a git revision to run too")
    parser.add_argument("--run", nargs=5, metavar=("CODE", "FILE", "WAIT", "KBPS", "CAP"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        code, path, wait, kbps, cap = args.run
        print(json.dumps(_run(Path(code), Path(path), float(wait), int(kbps), float(cap))))
        return 0

    sys.path.insert(0, str(ROOT))
    from desktop_app.settings import DUPLICATE_CHECK_WAIT_S

    files = make_files(args.size_mb)
    codes = [("this", ROOT)] + ([(args.compare, _checkout(args.compare))] if args.compare
                                else [])
    print(f"link {args.kbps} KiB/s ({args.kbps * 1024 / 1e6:.1f} MB/s), cap {args.cap:g} s; "
          f"{os.cpu_count()} cores", flush=True)
    try:
        for label, path in files:
            for wait in (0.0, DUPLICATE_CHECK_WAIT_S):
                for name, code in codes:
                    out = subprocess.run([sys.executable, __file__, "--run", str(code),
                                          str(path), str(wait), str(args.kbps), str(args.cap)],
                                         capture_output=True, text=True, cwd=ROOT,
                                         timeout=args.cap + 600)
                    if out.returncode != 0:
                        print(out.stdout, out.stderr[-4000:], file=sys.stderr)
                        return 1
                    r = json.loads(out.stdout.strip().splitlines()[-1])
                    print(f"{label} duplicate, wait {wait:g} s [{name}]: {r['sent']} body bytes "
                          f"({r['sent'] / 1e6:.1f} MB) sent, {r['seconds']:.2f} s, "
                          f"{r['outcome']}", flush=True)
    finally:
        for _name, code in codes[1:]:
            shutil.rmtree(code, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
