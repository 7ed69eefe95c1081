"""Analysis: one decode pass per file, safe in worker threads.

The pass ``grab()``s every frame (the decoder's own cost, which also proves the
file complete) and ``retrieve()``s only the few frames a second the metrics
sample, so analysis costs little more than decoding. Where two samples disagree
(a cut, a black or frozen edge), ``boundaries`` has the short stretch between them
decoded again to put the edge on its frame (``redecode``: a GOP or so per edge).
The sha256 of the file is computed on a second thread meanwhile (hashlib releases
the GIL), unless the caller hashes it itself (``hash_file=False``: the job pipeline
hashes in its own pass, ahead of the upload). Each call owns its captures, one at a
time; decoder threads are capped in ``capture.open_capture``. No state outside the
call: analyses run side by side.

``progress(done, total)`` counts the frames both passes decode: the decode pass's
(the header's count) and the boundary pass's (its plan, ``boundaries.planned``:
extrapolated from the samples seen so far while the decode pass runs, exact once it
ends). So the figure does not sit at 100 % while edges are still being placed, and it
never goes back (a plan that grows holds it until the frames catch up).

    analysis = analyse(path, progress=lambda done, total: ..., cancel=event)
    analysis.to_dict()          # JSON for the upload, without the thumbnail
    analysis.thumbnail_jpeg     # bytes
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import cv2

from desktop_app.errors import AppError
from desktop_app.files import sha256_of
from desktop_app.media import boundaries
from desktop_app.media.boundaries import Segment
from desktop_app.media.metrics import Sampler
from desktop_app.media.probe import check_complete, decode_pass, open_video
from desktop_app.media.redecode import FrameClock, Redecoder
from desktop_app.media.validate import inspect_file

STAGE = "analyse"


@dataclass
class Analysis:
    file: str
    size: int
    sha256: str
    container: str
    codec: str
    fourcc: str
    width: int
    height: int
    fps: float
    frame_count: int  # frames decoded
    duration_s: float
    rotation: int
    has_audio: bool | None
    brightness: float  # mean luma 0-255
    contrast: float  # mean luma standard deviation
    sharpness: float  # median variance of the Laplacian at 320 px wide
    black_segments: list[Segment] = field(default_factory=list)
    frozen_segments: list[Segment] = field(default_factory=list)
    scene_cuts: list[float] = field(default_factory=list)  # seconds, of the frames below
    scene_cut_frames: list[int] = field(default_factory=list)  # first frame of each new shot, from 0
    timeline: list[dict[str, float]] = field(default_factory=list)  # t, brightness, sharpness
    samples: int = 0
    redecoded_frames: int = 0  # decoded again to place cuts and segment edges
    thumbnail_time_s: float = 0.0
    analysis_seconds: float = 0.0
    thumbnail_jpeg: bytes = field(default=b"", repr=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, without the thumbnail bytes."""
        data = asdict(self)
        data.pop("thumbnail_jpeg")
        data["black_segments"] = [s.to_dict() for s in self.black_segments]
        data["frozen_segments"] = [s.to_dict() for s in self.frozen_segments]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any], thumbnail_jpeg: bytes = b"") -> Analysis:
        """Rebuild from ``to_dict()`` output (e.g. a stored job); unknown keys are ignored."""
        known = {f for f in cls.__dataclass_fields__ if f != "thumbnail_jpeg"}
        kwargs = {k: v for k, v in data.items() if k in known}
        for key in ("black_segments", "frozen_segments"):
            kwargs[key] = [Segment(float(s["start_s"]), float(s["end_s"]), s.get("start_frame"),
                                   s.get("end_frame")) for s in data.get(key, [])]
        return cls(**kwargs, thumbnail_jpeg=thumbnail_jpeg)


class _Hasher(threading.Thread):
    """sha256 of the file, read alongside the decode pass."""

    def __init__(self, path: str, cancel: threading.Event | None) -> None:
        super().__init__(name="sha256", daemon=True)
        self.path = path
        self.stop = threading.Event()
        self.cancel = cancel
        self.digest = ""
        self.error: OSError | None = None

    def run(self) -> None:
        cancel = self.cancel
        try:
            with open(self.path, "rb") as fh:
                self.digest = sha256_of(fh, stopped=lambda: self.stop.is_set() or (
                    cancel is not None and cancel.is_set())) or ""
        except OSError as exc:
            self.error = exc


def _check_cancel(cancel: threading.Event | None, path: str) -> None:
    if cancel is not None and cancel.is_set():
        raise AppError("CANCELLED", "analysis cancelled", file=path, stage=STAGE)


def analyse(
    path: str | os.PathLike[str],
    *,
    progress: Callable[[int, int], None] | None = None,
    cancel: threading.Event | None = None,
    hash_file: bool = True,
) -> Analysis:
    """Validate and analyse ``path``. Raises ``AppError``: the validation codes for
    bad files, CANCELLED (within a second of ``cancel`` being set). ``progress``: see
    the module's docstring. ``hash_file=False``: no sha256 (``Analysis.sha256`` is "")."""
    started = time.monotonic()
    facts = inspect_file(path, check_extension=False)
    _check_cancel(cancel, facts.path)
    hasher = _Hasher(facts.path, cancel) if hash_file else None
    if hasher is not None:
        hasher.start()
    try:
        with open_video(facts.path, facts.size, facts.sniffed) as opened:
            info = opened.info
            clock = FrameClock()
            clock.record(opened.cap)
            sampler = Sampler(info.fps)
            sampler.add(opened.first_frame, 0, clock.times_ms[0] / 1000.0)
            counted = _Progress(progress, sampler, clock, info.fps, facts.path)

            def on_frame(index: int, cap: cv2.VideoCapture) -> None:
                ms = clock.record(cap)
                if sampler.wants(index):
                    ok, frame = cap.retrieve()
                    if ok and frame is not None and frame.size:
                        sampler.add(frame, index, ms / 1000.0)

            result = decode_pass(opened.cap, total=info.header_frame_count, on_frame=on_frame,
                                 progress=counted.decoding, cancel=cancel, path=facts.path,
                                 stage=STAGE)
            check_complete(info, result)
        frame_s = 1.0 / info.fps if info.fps else 0.0
        duration = info.duration_s or round(result.last_ms / 1000.0 + frame_s, 3)
        time_of = _frame_times(clock, info.fps, duration)
        with Redecoder(facts.path, clock, cancel=cancel, on_grab=counted.redecoding) as source:
            counted.decoded(result.frames, time_of, source)
            found = boundaries.find(sampler.samples, clock.frames, time_of, source)
        counted.finished()
    except BaseException:
        if hasher is not None:
            hasher.stop.set()
            hasher.join()
        raise
    if hasher is not None:
        hasher.join()
    _check_cancel(cancel, facts.path)
    if hasher is not None and hasher.error is not None:
        raise AppError("FILE_UNREADABLE", f"{hasher.error!r}", file=facts.path, stage=STAGE,
                       message=f"The file could not be read ({hasher.error.strerror or hasher.error}).")
    summary = sampler.summary()
    return Analysis(
        file=facts.path, size=facts.size, sha256=hasher.digest if hasher else "", container=info.container,
        codec=info.codec, fourcc=info.fourcc, width=info.width, height=info.height, fps=info.fps,
        frame_count=result.frames, duration_s=duration, rotation=info.rotation,
        has_audio=info.has_audio, brightness=summary.brightness, contrast=summary.contrast,
        sharpness=summary.sharpness, black_segments=found.black, frozen_segments=found.frozen,
        scene_cuts=found.cut_times, scene_cut_frames=found.cut_frames,
        timeline=summary.timeline, samples=summary.samples, redecoded_frames=found.redecoded,
        thumbnail_time_s=summary.thumbnail_time_s,
        analysis_seconds=round(time.monotonic() - started, 3),
        thumbnail_jpeg=summary.thumbnail_jpeg,
    )


class _Progress:
    """``progress(done, total)`` over both passes, in decoded frames, never going back."""

    PLAN_EVERY_S = 0.5  # re-estimating the plan costs a pass over the samples so far

    def __init__(self, report: Callable[[int, int], None] | None, sampler: Sampler,
                 clock: FrameClock, fps: float, path: str) -> None:
        self.report, self.sampler, self.clock, self.fps = report, sampler, clock, fps
        self.estimate = Redecoder(path, clock)  # never opened: only its cost model is used
        self.plan = 0  # frames the boundary pass is expected to decode
        self.planned_at = 0.0
        self.frames = 0  # decoded by the decode pass
        self.source: Redecoder | None = None
        self.shown = 0.0  # the largest fraction reported
        self.next_at = 0.0

    def decoding(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.planned_at >= self.PLAN_EVERY_S:
            self.planned_at = now
            # The edges among the samples so far, extrapolated to the whole clip (at
            # most one more pass, the boundary pass's budget).
            seen = boundaries.planned(self.sampler.samples, done, self._time, self.estimate,
                                      budget=total)
            self.plan = min(total, seen * total // max(1, done))
        self._show(done, total + self.plan)

    def decoded(self, frames: int, time_of: Callable[[int], float], source: Redecoder) -> None:
        """The decode pass is over: the plan is now exact."""
        self.frames, self.source = frames, source
        self.plan = boundaries.planned(self.sampler.samples, frames, time_of, source)
        self._show(frames, frames + self.plan)

    def redecoding(self) -> None:
        now = time.monotonic()
        if self.source is None or now < self.next_at:
            return
        self.next_at = now + 0.1
        total = self.frames + self.plan
        # A capture reopened after a lost seek decodes more than planned: not yet done.
        self._show(min(total - 1, self.frames + self.source.decoded), total)

    def finished(self) -> None:
        total = self.frames + self.plan
        self._show(total, total)

    def _time(self, frame: int) -> float:
        return frame / self.fps if self.fps > 0 else 0.0

    def _show(self, done: int, total: int) -> None:
        if self.report is None or total <= 0:
            return
        fraction = done / total
        if fraction + 1e-9 < self.shown:
            return  # the plan grew: hold the figure until the frames catch up
        self.shown = fraction
        self.report(done, total)


def _frame_times(clock: FrameClock, fps: float, duration: float) -> Callable[[int], float]:
    """Seconds at which a frame is shown: its timestamp, else its number over the rate;
    the frame after the last is the clip's end."""
    times = clock.times_ms if clock.usable else None
    end = max(duration, times[-1] / 1000.0 if times else 0.0)

    def time_of(frame: int) -> float:
        if frame >= clock.frames:
            return end
        if times is not None:
            return times[frame] / 1000.0
        return frame / fps if fps > 0 else 0.0

    return time_of
