"""Decode a few short stretches of a clip again, by frame index, after the main pass.

The main pass retrieves only a few frames a second. Where two samples disagree (a
cut, the edge of a black or frozen segment) the frames between them are needed to
place the boundary on its frame, so they are decoded again here, with a capture of
this module's own, stretch by stretch in file order. For each stretch it either
grabs forward from where it is, or seeks; a seek starts decoding at the keyframe
before the target (OpenCV aims 16 frames early), so it costs up to a GOP. Whichever
decodes fewer frames is chosen, from the keyframes the main pass saw; going forward
only would cost one more decode of the clip, so that is the bound.

Frames are identified by the timestamps the main pass recorded, never by OpenCV's
frame counter after a seek (it is derived from the frame rate). Every grab is
checked against them; when they cannot tell frames apart (missing or repeated
timestamps) or a seek lands wrong, the capture is reopened and frames are counted
from the first, exactly as the main pass counted them.
"""

from __future__ import annotations

import bisect
import math
import threading
from array import array
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

import cv2
import numpy as np

from desktop_app.errors import AppError
from desktop_app.media.capture import open_capture

SEEK_LEAD = 16  # frames OpenCV's seek aims before its target
UNKNOWN_GOP = 250  # assumed seek cost when the decoder reports no frame types (x264's default GOP)
_FRAME_TYPE = getattr(cv2, "CAP_PROP_FRAME_TYPE", None)  # OpenCV >= 4.8: 'I', 'P', 'B'


@dataclass
class FrameClock:
    """Per-frame facts from the main pass: each frame's timestamp and the keyframes."""

    times_ms: array = field(default_factory=lambda: array("d"))
    keyframes: list[int] = field(default_factory=list)  # indices of I-frames, ascending
    _usable: bool | None = None

    def record(self, cap: cv2.VideoCapture) -> float:
        """Note the frame ``cap`` has just grabbed; returns its timestamp (ms)."""
        ms = cap.get(cv2.CAP_PROP_POS_MSEC)
        self.add(ms, cap.get(_FRAME_TYPE) if _FRAME_TYPE is not None else 0.0)
        return ms

    def add(self, ms: float, frame_type: float) -> None:
        if frame_type == ord("I"):
            self.keyframes.append(len(self.times_ms))
        self.times_ms.append(ms)
        self._usable = None

    @property
    def frames(self) -> int:
        return len(self.times_ms)

    @property
    def usable(self) -> bool:
        """Timestamps identify frames: finite and strictly increasing."""
        if self._usable is None:
            t = self.times_ms
            self._usable = all(math.isfinite(x) for x in t) and \
                all(b > a for a, b in zip(t, t[1:], strict=False))
        return self._usable

    def index_of(self, ms: float) -> int | None:
        i = bisect.bisect_left(self.times_ms, ms - 1e-3)
        return i if i < len(self.times_ms) and abs(self.times_ms[i] - ms) <= 1e-3 else None

    def keyframe_before(self, target: int) -> int | None:
        """The keyframe a seek to ``target`` starts decoding from (None: not known)."""
        if not self.keyframes:
            return None
        k = bisect.bisect_right(self.keyframes, max(0, target - SEEK_LEAD)) - 1
        return self.keyframes[k] if k >= 0 else 0

    def seek_cost(self, target: int) -> int:
        """Frames a seek to ``target`` decodes before reaching it."""
        key = self.keyframe_before(target)
        return min(target, UNKNOWN_GOP) if key is None else target - key


def _forward(target: int, here: int) -> int:
    """Frames grabbed to reach ``target`` without seeking (from the start if past it)."""
    return target - here if here <= target else target


class _Lost(Exception):
    """The capture is not where the clock says it should be."""


class Redecoder:
    """Yields frames ``first..last`` of the clip again (``frames``); calls in ascending
    order are cheapest. ``on_grab`` runs for every frame grabbed (progress);
    ``cancel`` is checked at each."""

    def __init__(self, path: str, clock: FrameClock, *, cancel: threading.Event | None = None,
                 on_grab: Callable[[], None] | None = None) -> None:
        self.path = path
        self.clock = clock
        self.cancel = cancel
        self.on_grab = on_grab
        self.decoded = 0  # frames decoded here; a seek counts what it is expected to decode
        self._opened: AbstractContextManager[cv2.VideoCapture] | None = None
        self._cap: cv2.VideoCapture | None = None
        self._next = 0  # the index the next grab() returns
        self._held = False  # a seek's landing frame is grabbed already and is frame _next
        self._seek_ok = True

    def __enter__(self) -> Redecoder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._opened is not None:
            self._opened.__exit__(None, None, None)
        self._opened = self._cap = None
        self._held = False

    def cost(self, first: int, here: int) -> float:
        """Frames decoded to reach ``first`` from position ``here``, the cheaper way."""
        return min(_forward(first, here), self._seek_cost(first))

    def frames(self, first: int, last: int) -> Iterator[tuple[int, np.ndarray]]:
        """(index, BGR frame) for each frame from ``first`` to ``last``; stops early
        when the decoder cannot reach them (the caller keeps its coarse answer)."""
        want = first
        for _attempt in range(2):  # a lost position reopens the capture once
            try:
                self._reach(want)
                while want <= last:
                    cap = self._grab(want)
                    ok, frame = cap.retrieve()
                    if not ok or frame is None or not frame.size:
                        return
                    yield want, frame
                    want += 1
                return
            except (_Lost, cv2.error):  # cv2.error: a decoder complaint; the edge stays coarse
                self.close()

    def _seek_cost(self, target: int) -> float:
        return self.clock.seek_cost(target) if self.clock.usable and self._seek_ok else math.inf

    def _open(self) -> None:
        self.close()
        self._opened = open_capture(self.path)
        self._cap = self._opened.__enter__()
        self._next = 0
        if not self._cap.isOpened():
            raise _Lost

    def _reach(self, target: int) -> None:
        """Position the capture so that the next frame it gives is frame ``target``."""
        if self._cap is None:
            self._open()
        if self._seek_cost(target) < _forward(target, self._next):
            self._seek(target)
        elif self._next > target:
            self._open()
        while self._next < target:
            self._grab(self._next)

    def _seek(self, target: int) -> None:
        """Seek, then learn where it landed from the next frame's timestamp. OpenCV
        decodes from the keyframe to its target inside ``set()``, deaf to ``cancel``:
        so it is aimed just past the keyframe, and the rest is grabbed here."""
        cap = self._cap
        assert cap is not None
        self._check_cancel()
        key = self.clock.keyframe_before(target)
        aim = target if key is None else min(target, key + SEEK_LEAD)
        self.decoded += self.clock.seek_cost(target) - (target - aim)
        if not cap.set(cv2.CAP_PROP_POS_FRAMES, aim):
            self._open()
            return
        landed = self.clock.index_of(cap.get(cv2.CAP_PROP_POS_MSEC)) if cap.grab() else None
        if landed is None or landed > aim:
            self._seek_ok = False  # this file does not seek true: count from the start instead
            raise _Lost
        self._next, self._held = landed, True

    def _grab(self, index: int) -> cv2.VideoCapture:
        """Grab frame ``index`` (the next one), checking it is the one expected."""
        self._check_cancel()
        cap = self._cap
        if cap is None or index != self._next:
            raise _Lost
        if self._held:
            self._held = False
        else:
            if not cap.grab():
                raise _Lost
            if self.clock.usable and index < self.clock.frames \
                    and abs(cap.get(cv2.CAP_PROP_POS_MSEC) - self.clock.times_ms[index]) > 1e-3:
                raise _Lost
            self.decoded += 1
        self._next = index + 1
        if self.on_grab is not None:
            self.on_grab()
        return cap

    def _check_cancel(self) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise AppError("CANCELLED", "analysis cancelled", file=self.path, stage="analyse")
