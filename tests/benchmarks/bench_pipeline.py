"""Benchmark: 20 clips of 1080p H.264, 10 s each, through the whole pipeline.

    .venv/bin/python tests/benchmarks/bench_pipeline.py [--clips 20] [--seconds 10]

Prints  wall time / max(sum of grab()-only decode times / cores, curl upload time)
(target <= 1.5: the stages overlap, so the pipeline is bounded by its slowest
resource, not the sum of them).

* decode bound: each clip decoded with ``grab()`` only, one decoder thread,
  one after another; the sum divided by the cores is what perfect parallel
  decoding would take.
* upload bound: ``curl`` PATCHing every clip to the same server's tus endpoint in
  one request each (sum of curl's own transfer times).
* pipeline: JobManager with the default pools (analysis = cores, uploads = 2)
  against the embedded reference backend, from add_files() to every job DONE
  (validated, analysed, uploaded, sha256 verified, processed by the server).

The reference backend processes each stored video on the same two cores, with
an ingest-style spot check (``media/spotcheck.py``: sample tables and NAL framing
read, about a dozen frames decoded; it used to decode every frame again, which
doubled the decode work). A second run stubs the server's check out, so the
difference between the two figures is what server processing costs the pipeline;
both figures are printed.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.fixtures.videos import make_video, run_ffmpeg  # noqa: E402

CACHE = Path(tempfile.gettempdir()) / "bench_pipeline_clips"


def make_clips(count: int, seconds: float) -> list[Path]:
    """One encoded 1080p clip, remuxed ``count`` times with a distinct tag: the same
    decode cost each, but distinct bytes (distinct sha256) per file."""
    CACHE.mkdir(exist_ok=True)
    master = CACHE / f"master-{seconds:g}s.mp4"
    if not master.exists():
        make_video(master, seconds=seconds, size=(1920, 1080), fps=30)
    clips = []
    for i in range(count):
        clip = CACHE / f"clip-{seconds:g}s-{i:02d}.mp4"
        if not clip.exists():
            run_ffmpeg("-i", master, "-c", "copy", "-metadata", f"comment=clip {i}", clip)
        clips.append(clip)
    return clips


def grab_seconds(path: Path) -> float:
    import cv2

    cap = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG, [cv2.CAP_PROP_N_THREADS, 1])
    started = time.perf_counter()
    frames = 0
    while cap.grab():
        frames += 1
    elapsed = time.perf_counter() - started
    cap.release()
    assert frames > 0, path
    return elapsed


def analysis_only_seconds(clips: list[Path], workers: int) -> float:
    """The analysis stage alone, ``workers`` clips at a time (what the pipeline's
    analysis pool does, without uploads): separates the analyser's own cost from
    the pipeline's."""
    from concurrent.futures import ThreadPoolExecutor

    from desktop_app.media.analyse import analyse

    started = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(lambda c: analyse(str(c)), clips))
    return time.perf_counter() - started


def curl_seconds(server, clips: list[Path]) -> float:
    import httpx

    token = httpx.post(server.api_url + "/auth/token", json={
        "username": server.username, "password": server.password}).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}", "Tus-Resumable": "1.0.0"}
    total = 0.0
    for clip in clips:
        size = clip.stat().st_size
        created = httpx.post(server.api_url + "/uploads", headers={
            **auth, "Upload-Length": str(size)})
        url = httpx.URL(server.url).join(created.headers["location"])
        out = subprocess.run(
            ["curl", "-sS", "-o", "/dev/null", "-w", "%{time_total} %{http_code}", "-X", "PATCH",
             "-H", f"Authorization: {auth['Authorization']}", "-H", "Tus-Resumable: 1.0.0",
             "-H", "Upload-Offset: 0", "-H", "Content-Type: application/offset+octet-stream",
             "-H", "Expect:", "--data-binary", f"@{clip}", str(url)],
            capture_output=True, text=True, check=True).stdout.split()
        assert out[1] == "204", out
        total += float(out[0])
    return total


def run_pipeline(server, clips: list[Path], workdir: Path) -> tuple[float, float]:
    """(seconds until every clip is uploaded and verified, seconds until DONE)."""
    from desktop_app.jobs.model import JobChanged, JobState, Stage
    from desktop_app.session import Options, connect, job_store
    from desktop_app.settings import Settings

    session = connect(Settings(), Options(server=server.url, username=server.username,
                                          password=server.password))
    uploaded: set[str] = set()
    done: set[str] = set()
    marks: dict[str, float] = {}
    cond = threading.Condition()

    def on_event(event: object) -> None:
        if isinstance(event, JobChanged):
            with cond:
                job = event.job
                if job.stage in (Stage.PROCESS, Stage.DONE):
                    uploaded.add(job.job_id)
                    if len(uploaded) == len(clips):
                        marks.setdefault("uploaded", time.perf_counter())
                if job.state.finished:
                    assert job.state is JobState.DONE, job.failure
                    done.add(job.job_id)
                cond.notify_all()

    manager = session.open_manager(on_event=on_event, interactive=True,
                                   store=job_store(workdir / "jobs.db"))
    manager.start()
    started = time.perf_counter()
    manager.add_files([str(c) for c in clips], session_title="bench")
    with cond:
        cond.wait_for(lambda: len(done) == len(clips), timeout=1800)
    finished = time.perf_counter()
    manager.shutdown()
    jobs = manager.jobs()
    for job in jobs:  # the benchmark only counts if the result is right
        assert job.server_sha256 == hashlib.sha256(Path(job.path).read_bytes()).hexdigest()
    return marks["uploaded"] - started, finished - started


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clips", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--variant", choices=("both", "real", "stubbed"), default="both")
    args = parser.parse_args()
    os.environ.pop("OPENCV_FFMPEG_THREADS", None)  # the pipeline picks its own threads

    from desktop_app.server.embedded import start_embedded_server

    cores = os.cpu_count() or 1
    clips = make_clips(args.clips, args.seconds)
    total_bytes = sum(c.stat().st_size for c in clips)
    print(f"{len(clips)} clips, 1920x1080 H.264, {args.seconds:g} s each, "
          f"{total_bytes / 1e6:.1f} MB; {cores} cores")

    variants = [("real server processing", False), ("server decode stubbed", True)]
    variants = [v for v in variants if args.variant == "both"
                or (args.variant == "stubbed") == v[1]]
    for label, stub in variants:
        # Measured again right before each run: the machine is shared and its load drifts.
        decode_sum = sum(grab_seconds(c) for c in clips)
        decode_bound = decode_sum / cores
        print(f"[{label}] grab()-only decode: sum {decode_sum:.2f} s, / {cores} cores = "
              f"{decode_bound:.2f} s")
        analysis_only = analysis_only_seconds(clips, cores)
        print(f"[{label}] analysis stage alone ({cores} at a time): {analysis_only:.2f} s = "
              f"{analysis_only / decode_bound:.2f} x the decode bound")
        work = Path(tempfile.mkdtemp(prefix="bench-pipeline-"))
        os.environ["XDG_DATA_HOME"] = str(work / "data")
        os.environ["XDG_STATE_HOME"] = str(work / "state")
        import desktop_app.server.processing as processing

        original = processing.check_video
        if stub:
            processing.check_video = lambda path: ("processed", None, None)
        try:
            with start_embedded_server(work / "server") as server:
                curl = curl_seconds(server, clips)
                up, wall = run_pipeline(server, clips, work)
        finally:
            processing.check_video = original
            shutil.rmtree(work, ignore_errors=True)
        bound = max(decode_bound, curl)
        print(f"[{label}] curl upload of all bytes {curl:.2f} s "
              f"({total_bytes / curl / 1e6:.0f} MB/s); pipeline: all uploaded+verified "
              f"{up:.2f} s, all done {wall:.2f} s")
        print(f"[{label}] ratio wall / max(decode/cores, curl) = {wall:.2f} / {bound:.2f} = "
              f"{wall / bound:.2f}  (target <= 1.5)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
