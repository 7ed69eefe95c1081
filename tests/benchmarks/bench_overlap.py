"""Benchmark: one large clip through the real pipeline, its upload beside its analysis.

    .venv/bin/python tests/benchmarks/bench_overlap.py [--seconds 60] [--rounds 3]
                                                       [--compare OTHER_CHECKOUT]

A 1920x1080 H.264 clip (``--seconds`` long: 8-15 s of analysis on two cores) goes
through ``JobManager`` against the embedded reference backend, with the bandwidth limit
set so that the upload alone takes about as long as the analysis alone (each run sets it
from its own analysis-alone time: the machine is shared and its load drifts). Printed
per run:

* analysis alone: ``analyse(clip)`` on its own, on a thread with the CPU priority that
  code's pipeline gives it (``beside.background_priority`` where there is one), before
  and after the other runs (their mean: the load drifts);
* upload alone: the same job with its analysis and sha256 already stored (as a resumed
  job), from ``start()`` to DONE: upload, finish, server processing;
* pipeline: from the drop (``add_files``) to DONE (with when its analysis and its last
  byte were done), then
  drop-to-done / max(analysis alone, upload alone)   target <= 1.15
  (analysis then upload, as before, is about their sum over the larger: near 2);
* first byte: from the drop to the first bytes of the file handed to the socket (the
  upload's first progress past 0), for this clip and for one of 3 GiB (the clip with a
  sparse ``free`` box after it: its sha256 alone takes seconds)   target <= 2 s.

``--compare DIR`` runs every measurement also with the ``desktop_app`` of another
checkout (e.g. the branch point, ``git archive <commit> | tar -x -C DIR``), alternating
with this one round by round, so both see the same machine load. Each run is a fresh
process (its own imports, server and job store).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CACHE = Path(tempfile.gettempdir()) / "bench_overlap_clips"
HUGE = 3 * 1024**3


def make_clip(seconds: float) -> Path:
    sys.path.insert(0, str(ROOT))
    from tests.fixtures.videos import make_video

    CACHE.mkdir(exist_ok=True)
    clip = CACHE / f"large-1080p-{seconds:g}s.mp4"
    if not clip.exists():
        make_video(clip, seconds=seconds, size=(1920, 1080), fps=30)
    return clip


def make_huge(clip: Path) -> Path:
    """The clip followed by a sparse ``free`` box: a valid video of 3 GiB that takes no
    disk space, so only hashing it is slow."""
    huge = CACHE / f"huge-{clip.name}"
    if not huge.exists():
        shutil.copy(clip, huge)
        with open(huge, "ab") as fh:
            fh.write((1).to_bytes(4, "big") + b"free" + HUGE.to_bytes(8, "big"))
            fh.truncate(clip.stat().st_size + HUGE)
    return huge


# ---- one run, in a process of its own (``--run``) ------------------------------------------


def _run(code: Path, clip: Path, huge: Path) -> dict:
    sys.path.insert(0, str(code))
    os.environ.pop("OPENCV_FFMPEG_THREADS", None)  # the pipeline picks its own threads
    work = Path(tempfile.mkdtemp(prefix="bench-overlap-"))
    os.environ["XDG_DATA_HOME"] = str(work / "data")
    os.environ["XDG_STATE_HOME"] = str(work / "state")
    os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
    import desktop_app
    from desktop_app.media.analyse import analyse
    from desktop_app.server.embedded import start_embedded_server

    assert Path(desktop_app.__file__).resolve().is_relative_to(code.resolve()), desktop_app.__file__
    try:
        before, analysis = _analysis_alone(analyse, clip)
        kbps = max(1, int(clip.stat().st_size / before / 1024))
        with start_embedded_server(work / "server-u") as server:
            upload_alone = _upload_alone(server, clip, analysis, kbps, work / "u")
        with start_embedded_server(work / "server-p") as server:
            run = _pipeline(server, clip, kbps, work / "p", finish=True)
        after, _ = _analysis_alone(analyse, clip)
        with start_embedded_server(work / "server-h") as server:
            huge = _pipeline(server, huge, kbps, work / "h", finish=False)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {"kbps": kbps, "analysis_before": before, "analysis_after": after,
            "analysis_alone": (before + after) / 2, "upload_alone": upload_alone,
            **{k: v for k, v in asdict(run).items() if k != "done"}, "drop_to_done": run.done,
            "huge_first_byte": huge.first_byte}


def _analysis_alone(analyse, clip: Path):  # noqa: ANN001, ANN202 - that code's analyse()
    try:
        from desktop_app.jobs.beside import background_priority
    except ImportError:  # a version whose pipeline analyses at normal priority
        def background_priority() -> None:
            pass
    out: list = []

    def run() -> None:
        background_priority()
        started = time.perf_counter()
        result = analyse(str(clip))
        out.append((time.perf_counter() - started, result))

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return out[0]


def _manager(server, kbps: int, store_path: Path, on_event):
    from desktop_app.session import Options, connect, job_store
    from desktop_app.settings import Settings

    session = connect(Settings(), Options(server=server.url, username=server.username,
                                          password=server.password, limit_kbps=kbps))
    return session.open_manager(on_event=on_event, interactive=True,
                                store=job_store(store_path))


class _Watch:
    """The events a run waits for: the first upload bytes and DONE (or a failure); when
    the analysis and the last byte were done."""

    def __init__(self) -> None:
        self.first_byte: float | None = None
        self.done: float | None = None
        self.analysed: float | None = None
        self.sent: float | None = None
        self.failure: object = None
        self.cond = threading.Condition()

    def __call__(self, event: object) -> None:
        from desktop_app.jobs.model import JobChanged, JobProgress, JobState, Stage

        with self.cond:
            if isinstance(event, JobProgress) and event.stage is Stage.UPLOAD and event.done > 0:
                self.first_byte = self.first_byte or time.perf_counter()
                if event.done >= event.total:
                    self.sent = self.sent or time.perf_counter()
            elif isinstance(event, JobProgress) and event.done >= event.total:
                self.analysed = time.perf_counter()
            elif isinstance(event, JobChanged) and event.job.state.finished:
                self.done = time.perf_counter()
                if event.job.state is not JobState.DONE:
                    self.failure = event.job.failure
            self.cond.notify_all()

    def wait(self, what: str, timeout: float = 900) -> float:
        with self.cond:
            self.cond.wait_for(lambda: getattr(self, what) is not None or self.done is not None,
                               timeout)
        assert self.failure is None, self.failure
        value = getattr(self, what)
        assert value is not None, f"no {what} within {timeout} s"
        return value


def _upload_alone(server, clip: Path, analysis, kbps: int, work: Path) -> float:
    from desktop_app.jobs.model import Job, Stage
    from desktop_app.jobs.store import JobStore

    store = JobStore(work / "jobs.db")
    data = analysis.to_dict()
    stat = clip.stat()
    store.add(Job(job_id="", path=str(clip), size=stat.st_size, mtime_ns=stat.st_mtime_ns,
                  server_url=server.url, session_title="bench", stage=Stage.UPLOAD,
                  analysis=data, sha256=data["sha256"]))
    store.close()
    watch = _Watch()
    manager = _manager(server, kbps, work / "jobs.db", watch)
    started = time.perf_counter()
    manager.start()  # resumes the stored job: upload, finish, processing
    try:
        return watch.wait("done") - started
    finally:
        manager.shutdown()


@dataclass
class _Marks:  # seconds from the drop
    first_byte: float
    done: float | None = None
    analysed: float | None = None
    sent: float | None = None


def _pipeline(server, clip: Path, kbps: int, work: Path, *, finish: bool) -> _Marks:
    watch = _Watch()
    manager = _manager(server, kbps, work / "jobs.db", watch)
    manager.start()
    try:
        dropped = time.perf_counter()
        manager.add_files([str(clip)], session_title="bench")
        marks = _Marks(watch.wait("first_byte") - dropped)
        if finish:
            marks.done = watch.wait("done") - dropped
            marks.analysed = (watch.analysed or dropped) - dropped  # the old: before upload
            marks.sent = (watch.sent or dropped) - dropped
        return marks
    finally:
        manager.shutdown()


# ---- the rounds --------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--compare", type=Path, help="another checkout to alternate with")
    parser.add_argument("--run", nargs=3, metavar=("CODE", "CLIP", "HUGE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        code, clip, huge = args.run
        print(json.dumps(_run(Path(code), Path(clip), Path(huge))))
        return 0

    clip = make_clip(args.seconds)
    huge = make_huge(clip)
    size = clip.stat().st_size
    print(f"clip: {clip.name}, {size / 1e6:.1f} MB, 1920x1080 H.264, {args.seconds:g} s; "
          f"{os.cpu_count()} cores")
    codes = [("this", ROOT)] + ([("other", args.compare)] if args.compare else [])
    results: dict[str, list[dict]] = {name: [] for name, _ in codes}
    for round_no in range(1, args.rounds + 1):
        for name, code in codes:
            out = subprocess.run([sys.executable, __file__, "--run", str(code), str(clip),
                                  str(huge)], capture_output=True, text=True, cwd=ROOT,
                                 timeout=3600)
            if out.returncode != 0:
                print(out.stdout, out.stderr[-4000:], file=sys.stderr)
                return 1
            r = json.loads(out.stdout.strip().splitlines()[-1])
            r["ratio"] = r["drop_to_done"] / max(r["analysis_alone"], r["upload_alone"])
            results[name].append(r)
            print(f"round {round_no} [{name} {code}]: limit {r['kbps']} KiB/s, analysis alone "
                  f"{r['analysis_alone']:.2f} s ({r['analysis_before']:.2f}, "
                  f"{r['analysis_after']:.2f}), upload alone {r['upload_alone']:.2f} s, "
                  f"drop-to-done {r['drop_to_done']:.2f} s (analysed at {r['analysed']:.2f}, "
                  f"last byte at {r['sent']:.2f}) -> ratio {r['ratio']:.2f} (target <= 1.15); "
                  f"first byte {r['first_byte']:.2f} s, 3 GiB file {r['huge_first_byte']:.2f} s "
                  "(target <= 2 s)", flush=True)
    for name, code in codes:
        rs = results[name]
        print(f"[{name} {code}] median of {len(rs)}: ratio "
              f"{statistics.median(r['ratio'] for r in rs):.2f}, first byte "
              f"{statistics.median(r['first_byte'] for r in rs):.2f} s, 3 GiB file "
              f"{statistics.median(r['huge_first_byte'] for r in rs):.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
