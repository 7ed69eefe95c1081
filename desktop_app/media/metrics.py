"""Quality metrics from a few sampled frames per second, computed on small copies.

Decoding is the expensive part of analysis; metrics must not add to it. So the
decode pass hands over only ~4 frames a second, each is shrunk to 320 pixels wide
before anything is measured (bilinear: a tenth of the cost of INTER_AREA at
1080p; the aliasing it leaves does not matter for these measures), and consecutive
samples are compared. Where two samples disagree, ``boundaries`` looks at the frames
between them, measured the same way (``look``), with the same thresholds.
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
FROZEN_DIFF = 0.6  # mean absolute luma change below which nothing moved
CUT_DISTANCE = 0.35  # Bhattacharyya distance between luma histograms that marks a cut...
CUT_DIFF = 10.0  # ...when the pixels change this much too (mean absolute luma change)


@dataclass(frozen=True)
class Look:
    """One frame as the metrics see it: 8-bit luma at ``SAMPLE_WIDTH`` wide."""

    gray: np.ndarray
    hist: np.ndarray  # 32-bin luma histogram, sums to 1
    brightness: float
    contrast: float

    @property
    def black(self) -> bool:
        return self.brightness < BLACK_BRIGHTNESS and self.contrast < BLACK_CONTRAST


def shrink(frame: np.ndarray) -> np.ndarray:
    height, width = frame.shape[:2]
    if width <= SAMPLE_WIDTH:
        return frame
    scale = SAMPLE_WIDTH / width
    return cv2.resize(frame, (SAMPLE_WIDTH, max(1, round(height * scale))), interpolation=cv2.INTER_LINEAR)


def look(small: np.ndarray) -> Look:
    """Measure a frame already ``shrink``-ed."""
    gray = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY) if small.ndim == 3 else small
    mean, std = cv2.meanStdDev(gray)
    hist = cv2.calcHist([gray], [0], None, [32], [0, 256])
    cv2.normalize(hist, hist, 1.0, 0.0, cv2.NORM_L1)
    return Look(gray, hist, float(mean[0, 0]), float(std[0, 0]))


def pixel_change(a: Look, b: Look) -> float:
    """Mean absolute luma difference (0-255); infinite for frames of different sizes."""
    return float(cv2.absdiff(a.gray, b.gray).mean()) if a.gray.shape == b.gray.shape else float("inf")


def histogram_change(a: Look, b: Look) -> float:
    return float(cv2.compareHist(a.hist, b.hist, cv2.HISTCMP_BHATTACHARYYA))


@dataclass
class Sample:
    index: int  # frame number, from 0
    t: float  # seconds
    brightness: float
    contrast: float
    sharpness: float
    diff: float | None  # pixel change from the previous sample
    cut_distance: float | None  # histogram change from the previous sample

    @property
    def black(self) -> bool:
        return self.brightness < BLACK_BRIGHTNESS and self.contrast < BLACK_CONTRAST


@dataclass
class Summary:
    brightness: float
    contrast: float
    sharpness: float
    timeline: list[dict[str, float]] = field(default_factory=list)
    samples: int = 0
    thumbnail_jpeg: bytes = b""
    thumbnail_time_s: float = 0.0


class Sampler:
    """Collects metrics for the frames the decode pass chooses to retrieve."""

    def __init__(self, fps: float) -> None:
        self.every = max(1, round(fps / SAMPLES_PER_SECOND)) if fps > 0 else 8
        self.samples: list[Sample] = []
        self._prev: Look | None = None
        self._thumb: np.ndarray | None = None
        self._thumb_score = -1.0
        self._thumb_t = 0.0

    def wants(self, index: int) -> bool:
        return index % self.every == 0

    def add(self, frame: np.ndarray, index: int, t: float) -> None:
        small = shrink(frame)
        seen = look(small)
        sharpness = float(cv2.Laplacian(seen.gray, cv2.CV_32F).var())
        diff = cut = None
        if self._prev is not None and self._prev.gray.shape == seen.gray.shape:
            diff, cut = pixel_change(self._prev, seen), histogram_change(self._prev, seen)
        self._prev = seen
        self.samples.append(Sample(index, t, seen.brightness, seen.contrast, sharpness, diff, cut))
        # Thumbnail: the sharpest well-exposed sample; the first sample if none is.
        exposed = 40 < seen.brightness < 215 and seen.contrast > 20
        score = sharpness if exposed else -0.5
        if self._thumb is None or score > self._thumb_score:
            self._thumb, self._thumb_score, self._thumb_t = small.copy(), score, t

    def summary(self) -> Summary:
        s = self.samples
        if not s:
            return Summary(0.0, 0.0, 0.0)
        thumb = b""
        if self._thumb is not None:
            ok, buf = cv2.imencode(".jpg", self._thumb, [cv2.IMWRITE_JPEG_QUALITY, 85])
            thumb = buf.tobytes() if ok else b""
        return Summary(
            brightness=round(float(np.mean([x.brightness for x in s])), 2),
            contrast=round(float(np.mean([x.contrast for x in s])), 2),
            sharpness=round(float(np.median([x.sharpness for x in s])), 2),
            timeline=_timeline(s),
            samples=len(s),
            thumbnail_jpeg=thumb,
            thumbnail_time_s=round(self._thumb_t, 3),
        )


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
