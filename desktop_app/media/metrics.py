"""Quality metrics from a few sampled frames per second, computed on small copies.

Decoding is the expensive part of analysis; metrics must not add to it. So the
decode pass hands over only ~4 frames a second, each is shrunk to 320 pixels wide
before anything is measured (bilinear: a tenth of the cost of INTER_AREA at
1080p; the aliasing it leaves does not matter for these measures), and segments / cuts are found by comparing
consecutive samples.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

SAMPLES_PER_SECOND = 4
SAMPLE_WIDTH = 320
TIMELINE_POINTS = 200  # at most this many points for the GUI's timeline strip

BLACK_BRIGHTNESS = 20.0  # mean luma (0-255) below which a frame counts as black...
BLACK_CONTRAST = 12.0  # ...if it is also this flat
FROZEN_DIFF = 0.6  # mean absolute luma change between samples below which nothing moved
CUT_DISTANCE = 0.35  # Bhattacharyya distance between luma histograms that marks a cut
MIN_SEGMENT_S = 1.0  # shorter black / frozen runs are not reported
MIN_CUT_GAP_S = 0.5


@dataclass(frozen=True)
class Segment:
    start_s: float
    end_s: float

    def to_dict(self) -> dict[str, float]:
        return {"start_s": round(self.start_s, 3), "end_s": round(self.end_s, 3)}


@dataclass
class Sample:
    t: float
    brightness: float
    contrast: float
    sharpness: float
    diff: float | None  # vs the previous sample
    cut_distance: float | None


@dataclass
class Summary:
    brightness: float
    contrast: float
    sharpness: float
    black_segments: list[Segment] = field(default_factory=list)
    frozen_segments: list[Segment] = field(default_factory=list)
    scene_cuts: list[float] = field(default_factory=list)
    timeline: list[dict[str, float]] = field(default_factory=list)
    samples: int = 0
    thumbnail_jpeg: bytes = b""
    thumbnail_time_s: float = 0.0


class Sampler:
    """Collects metrics for the frames the decode pass chooses to retrieve."""

    def __init__(self, fps: float) -> None:
        self.every = max(1, round(fps / SAMPLES_PER_SECOND)) if fps > 0 else 8
        self.step_s = self.every / fps if fps > 0 else 1.0 / SAMPLES_PER_SECOND
        self.samples: list[Sample] = []
        self._prev_gray: np.ndarray | None = None
        self._prev_hist: np.ndarray | None = None
        self._thumb: np.ndarray | None = None
        self._thumb_score = -1.0
        self._thumb_t = 0.0

    def wants(self, index: int) -> bool:
        return index % self.every == 0

    def add(self, frame: np.ndarray, t: float) -> None:
        height, width = frame.shape[:2]
        scale = SAMPLE_WIDTH / width if width > SAMPLE_WIDTH else 1.0
        small = cv2.resize(frame, (max(1, round(width * scale)), max(1, round(height * scale))),
                           interpolation=cv2.INTER_LINEAR) if scale < 1.0 else frame
        gray = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY) if small.ndim == 3 else small
        mean, std = cv2.meanStdDev(gray)
        brightness, contrast = float(mean[0, 0]), float(std[0, 0])
        sharpness = float(cv2.Laplacian(gray, cv2.CV_32F).var())
        hist = cv2.calcHist([gray], [0], None, [32], [0, 256])
        cv2.normalize(hist, hist, 1.0, 0.0, cv2.NORM_L1)
        diff = cut = None
        prev_gray, prev_hist = self._prev_gray, self._prev_hist
        if prev_gray is not None and prev_hist is not None and prev_gray.shape == gray.shape:
            diff = float(cv2.absdiff(gray, prev_gray).mean())
            cut = float(cv2.compareHist(prev_hist, hist, cv2.HISTCMP_BHATTACHARYYA))
        self._prev_gray, self._prev_hist = gray, hist
        self.samples.append(Sample(t, brightness, contrast, sharpness, diff, cut))
        # Thumbnail: the sharpest well-exposed sample; the first sample if none is.
        exposed = 40 < brightness < 215 and contrast > 20
        score = sharpness if exposed else -0.5
        if self._thumb is None or score > self._thumb_score:
            self._thumb, self._thumb_score, self._thumb_t = small.copy(), score, t

    def summary(self, end_s: float) -> Summary:
        s = self.samples
        if not s:
            return Summary(0.0, 0.0, 0.0)
        times = [x.t for x in s]
        black = [_is_black(x) for x in s]
        frozen = [x.diff is not None and x.diff < FROZEN_DIFF and not b for x, b in zip(s, black, strict=True)]
        thumb = b""
        if self._thumb is not None:
            ok, buf = cv2.imencode(".jpg", self._thumb, [cv2.IMWRITE_JPEG_QUALITY, 85])
            thumb = buf.tobytes() if ok else b""
        return Summary(
            brightness=round(float(np.mean([x.brightness for x in s])), 2),
            contrast=round(float(np.mean([x.contrast for x in s])), 2),
            sharpness=round(float(np.median([x.sharpness for x in s])), 2),
            black_segments=_runs(times, black, self.step_s, end_s, pair=False),
            frozen_segments=_runs(times, frozen, self.step_s, end_s, pair=True),
            scene_cuts=self._cuts(black),
            timeline=_timeline(s),
            samples=len(s),
            thumbnail_jpeg=thumb,
            thumbnail_time_s=round(self._thumb_t, 3),
        )

    def _cuts(self, black: list[bool]) -> list[float]:
        cuts: list[float] = []
        s = self.samples
        for i in range(1, len(s)):
            dist, diff = s[i].cut_distance, s[i].diff
            if dist is None or diff is None or (black[i] and black[i - 1]):
                continue
            if dist > CUT_DISTANCE and diff > 10.0:
                at = (s[i - 1].t + s[i].t) / 2
                if not cuts or at - cuts[-1] >= MIN_CUT_GAP_S:
                    cuts.append(round(at, 3))
        return cuts


def _is_black(sample: Sample) -> bool:
    return sample.brightness < BLACK_BRIGHTNESS and sample.contrast < BLACK_CONTRAST


def _runs(times: list[float], flags: list[bool], step: float, end_s: float, *, pair: bool) -> list[Segment]:
    """Runs of flagged samples as time segments. A flagged sample covers one sample
    step; with ``pair`` a flag means "same as the previous sample", so the run starts
    at that previous sample."""
    segments: list[Segment] = []
    i = 0
    while i < len(flags):
        if not flags[i]:
            i += 1
            continue
        j = i
        while j + 1 < len(flags) and flags[j + 1]:
            j += 1
        start = times[i - 1] if pair and i > 0 else times[i]
        end = min(times[j] + step, end_s) if end_s > 0 else times[j] + step
        if end - start >= MIN_SEGMENT_S - 1e-6:
            segments.append(Segment(start, end))
        i = j + 1
    return segments


def _timeline(samples: list[Sample]) -> list[dict[str, float]]:
    per_point = max(1, -(-len(samples) // TIMELINE_POINTS))
    points = []
    for k in range(0, len(samples), per_point):
        chunk = samples[k:k + per_point]
        points.append({
            "t": round(chunk[0].t, 3),
            "brightness": round(sum(x.brightness for x in chunk) / len(chunk), 1),
            "sharpness": round(sum(x.sharpness for x in chunk) / len(chunk), 1),
        })
    return points
