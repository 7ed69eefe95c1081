"""Scene cuts, black and frozen segments, each placed on the frame where it happens.

The samples (every ``Sampler.every``-th frame) tell roughly where something changes:
two consecutive samples that differ like a cut, or on either side of which the clip
turns black / freezes / moves again. Only those stretches are decoded again, frame
by frame (``redecode.Redecoder``), and measured as the samples were (``metrics.look``):

- a cut is the frame whose change from the one before is cut-like (histogram and
  pixels both change a lot, the sample-level rule), at least ``CUT_DOMINANCE``
  times the next largest change in the stretch, and most of the change across the
  whole stretch (``CUT_EXPLAINS``): a pan or a dissolve spreads its change over
  every frame (a two-tone picture dissolving can still jump one histogram bin in
  a single frame, but that jump is a fraction of the stretch's), a cut puts it in one;
- a black segment starts after the last frame that is not black before the first
  black sample, and ends at the first frame after the last black sample that is not;
- a frozen segment starts at the first of the frames that do not change
  (``FROZEN_DIFF``) up to its first sample, and ends at the first frame after its
  last sample that does.

Frame numbers count from 0 in display order, as decoded (as PySceneDetect and ffmpeg
count). A segment is ``[start_frame, end_frame)``: ``end_frame`` is the first frame
after it, so ``end_s`` is when it ends. Where a stretch is not decoded again (it
cannot be, or the budget of one more pass is spent), the boundary keeps its
sample-level place, the middle of the stretch, and a cut is kept only if the two
samples alone look like one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from desktop_app.media.metrics import (
    CUT_DIFF,
    CUT_DISTANCE,
    FROZEN_DIFF,
    Look,
    Sample,
    histogram_change,
    look,
    pixel_change,
    shrink,
)

# Sample pairs this different are looked at frame by frame: looser than a cut, so
# the samples' coarser view does not hide a cut that the frames would show.
CANDIDATE_DISTANCE = 0.25
CANDIDATE_DIFF = 8.0
CUT_DOMINANCE = 2.0  # a cut changes at least this much more than any other frame of its stretch
CUT_EXPLAINS = 0.75  # ...and most of the change across its stretch (a dissolve step is not)
# An encoder refines a held picture over its first frames (x264: ~0.8 over 8 frames of
# noisy detail), so a frozen frame is judged against its neighbour, and only loosely
# against the sampled one.
FROZEN_DRIFT = 2 * FROZEN_DIFF
MIN_SEGMENT_S = 1.0  # shorter black / frozen runs are not reported
MIN_CUT_GAP_S = 0.5


@dataclass(frozen=True)
class Segment:
    start_s: float
    end_s: float
    start_frame: int | None = None  # None in records made before frames were counted
    end_frame: int | None = None  # the first frame after the segment

    def to_dict(self) -> dict[str, float | int]:
        data: dict[str, float | int] = {"start_s": round(self.start_s, 3), "end_s": round(self.end_s, 3)}
        if self.start_frame is not None and self.end_frame is not None:
            data["start_frame"], data["end_frame"] = self.start_frame, self.end_frame
        return data


@dataclass
class Boundaries:
    cut_frames: list[int] = field(default_factory=list)
    cut_times: list[float] = field(default_factory=list)  # seconds, of those frames
    black: list[Segment] = field(default_factory=list)
    frozen: list[Segment] = field(default_factory=list)
    stretches: int = 0  # stretches decoded again
    redecoded: int = 0  # frames that cost, seeks included


class FrameSource(Protocol):
    """What decodes stretches again (``redecode.Redecoder``)."""

    decoded: int

    def cost(self, first: int, here: int) -> float: ...

    def frames(self, first: int, last: int) -> Iterator[tuple[int, np.ndarray]]: ...


@dataclass
class _Edge:
    """A boundary that lies in frames ``first+1..last`` (both ends get decoded)."""

    kind: str  # cut | black_in | black_out | frozen_in | frozen_out
    first: int
    last: int
    samples_say_cut: bool = False
    frame: int | None = None  # where it is; for a cut None means "none here"
    decided: bool = False

    def settle(self) -> int | None:
        if not self.decided:
            if self.kind == "cut":
                self.frame = (self.first + self.last + 1) // 2 if self.samples_say_cut else None
            else:
                self.frame = (self.first + self.last + 1) // 2
        return self.frame


@dataclass
class _Run:
    """Samples showing black (or frozen) pictures: the frames the run may cover at
    most, ``[lo, hi)``, and its way in and out (None: from the first / to the last frame)."""

    lo: int
    hi: int
    way_in: _Edge | None
    way_out: _Edge | None


def find(samples: list[Sample], frames: int, time: Callable[[int], float],
         source: FrameSource | None) -> Boundaries:
    """Cuts and segments of a clip of ``frames`` frames; ``time(frame)`` in seconds
    (``time(frames)`` is the clip's end); ``source`` decodes stretches again."""
    edges, cuts, black, frozen = _candidates(samples, frames, time)
    out = Boundaries()
    if source is not None:
        out.stretches, out.redecoded = _decide_all(edges, frames, source)
    for t in sorted(f for e in cuts if (f := e.settle()) is not None):
        if not out.cut_frames or time(t) - time(out.cut_frames[-1]) >= MIN_CUT_GAP_S - 1e-6:
            out.cut_frames.append(t)
    out.cut_times = [round(time(f), 3) for f in out.cut_frames]
    out.black = _segments(black, time)
    out.frozen = _segments(frozen, time)
    return out


def planned(samples: list[Sample], frames: int, time: Callable[[int], float],
            source: FrameSource, budget: int | None = None) -> int:
    """Frames ``find`` would decode again for these samples, its budget of one more
    pass (``budget`` frames, default ``frames``) included: the boundary pass's cost,
    known before it runs (the analysis counts it in its progress)."""
    edges = _candidates(samples, frames, time)[0]
    limit = frames if budget is None else budget
    here, spent = 0, float(source.decoded)
    for first, last, _members in _spans(edges):
        step = source.cost(first, here) + (last - first + 1)
        if spent + step > limit:
            break
        spent, here = spent + step, last + 1
    return int(spent - source.decoded)


def _candidates(samples: list[Sample], frames: int, time: Callable[[int], float]
                ) -> tuple[list[_Edge], list[_Edge], list[_Run], list[_Run]]:
    """Every edge to look at, then the cut candidates, black runs and frozen runs the
    samples show."""
    cuts = _cut_candidates(samples)
    black = _runs(samples, [s.black for s in samples], "black", frames, pairs=False)
    frozen = _runs(samples, [k > 0 and s.diff is not None and s.diff < FROZEN_DIFF and not s.black
                             for k, s in enumerate(samples)], "frozen", frames, pairs=True)
    # Runs that cannot last MIN_SEGMENT_S even at their widest are not worth a look.
    black = [r for r in black if time(r.hi) - time(r.lo) >= MIN_SEGMENT_S - 1e-6]
    frozen = [r for r in frozen if time(r.hi) - time(r.lo) >= MIN_SEGMENT_S - 1e-6]
    edges = cuts + [e for r in black + frozen for e in (r.way_in, r.way_out) if e is not None]
    return edges, cuts, black, frozen


def _cut_candidates(samples: list[Sample]) -> list[_Edge]:
    edges = []
    for prev, s in zip(samples, samples[1:], strict=False):
        dist, diff = s.cut_distance, s.diff
        if dist is None or diff is None or (s.black and prev.black):
            continue
        if dist > CANDIDATE_DISTANCE and diff > CANDIDATE_DIFF:
            edges.append(_Edge("cut", prev.index, s.index,
                               samples_say_cut=dist > CUT_DISTANCE and diff > CUT_DIFF))
    return edges


def _runs(samples: list[Sample], flags: list[bool], kind: str, frames: int, *, pairs: bool) -> list[_Run]:
    """Runs of flagged samples. With ``pairs`` a flag means "same picture as the
    previous sample", so a run also covers the sample before its first flag."""
    at = [s.index for s in samples]
    out = []
    k = 0
    while k < len(flags):
        if not flags[k]:
            k += 1
            continue
        j = k
        while j + 1 < len(flags) and flags[j + 1]:
            j += 1
        p = k - 1 if pairs else k  # first sample showing the run; j is the last
        way_in = _Edge(f"{kind}_in", at[p - 1], at[p]) if p > 0 else None
        tail = at[j + 1] if j + 1 < len(at) else frames - 1
        way_out = _Edge(f"{kind}_out", at[j], tail) if tail > at[j] else None
        out.append(_Run(at[p - 1] + 1 if p > 0 else 0, tail if j + 1 < len(at) else frames, way_in, way_out))
        k = j + 1
    return out


def _decide_all(edges: list[_Edge], frames: int, source: FrameSource) -> tuple[int, int]:
    """Decode each stretch once, in file order, and place the edges in it."""
    here = decoded = 0
    for first, last, members in _spans(edges):
        if source.decoded + source.cost(first, here) + (last - first + 1) > frames:
            break  # never more than one more decode of the clip: the rest stay coarse
        looks: dict[int, Look] = {index: look(shrink(frame)) for index, frame in source.frames(first, last)}
        here = last + 1
        decoded += 1
        for e in members:
            if all(n in looks for n in range(e.first, e.last + 1)):
                e.frame, e.decided = _place(e, looks, frames), True
    return decoded, source.decoded


def _spans(edges: list[_Edge]) -> list[tuple[int, int, list[_Edge]]]:
    """The stretches to decode, in file order: edges that touch (a sample ends one and
    starts the next) are decoded as one."""
    spans: list[tuple[int, int, list[_Edge]]] = []
    for e in sorted(edges, key=lambda e: (e.first, e.last)):
        if spans and e.first <= spans[-1][1]:
            first, last, members = spans[-1]
            spans[-1] = (first, max(last, e.last), [*members, e])
        else:
            spans.append((e.first, e.last, [e]))
    return spans


def _place(e: _Edge, f: dict[int, Look], frames: int) -> int | None:
    first, last = e.first, e.last
    inner = range(first + 1, last + 1)
    at_end = frames if last == frames - 1 else None  # the run may last to the clip's end
    if e.kind == "cut":
        return _cut(f, first, last)
    if e.kind == "black_in":
        lit = [n for n in range(first, last) if not f[n].black]
        return lit[-1] + 1 if lit else first
    if e.kind == "black_out":
        lit = [n for n in inner if not f[n].black]
        return lit[0] if lit else at_end or last
    if e.kind == "frozen_in":
        moved = [n for n in range(first, last) if _moved(f[n], f[n + 1], f[last])]
        return moved[-1] + 1 if moved else first
    if e.kind == "frozen_out":
        moved = [n for n in inner if _moved(f[n], f[n - 1], f[first])]
        return moved[0] if moved else at_end or last
    raise ValueError(e.kind)


def _cut(f: dict[int, Look], first: int, last: int) -> int | None:
    """The frame where the stretch cuts, if it does: the largest histogram change,
    cut-like by itself or carrying a stretch that is cut-like by the samples' rule,
    and concentrated in that frame."""
    inner = [n for n in range(first + 1, last + 1) if not (f[n - 1].black and f[n].black)]
    if not inner:
        return None
    hist = {n: histogram_change(f[n - 1], f[n]) for n in inner}
    pixels = {n: pixel_change(f[n - 1], f[n]) for n in inner}
    best = max(inner, key=lambda n: (hist[n], pixels[n]))
    whole_hist, whole_pixels = histogram_change(f[first], f[last]), pixel_change(f[first], f[last])
    cut_like = hist[best] > CUT_DISTANCE or (whole_hist > CUT_DISTANCE and whole_pixels > CUT_DIFF)
    if not cut_like or pixels[best] <= CUT_DIFF:
        return None
    others = [n for n in inner if n != best]
    if hist[best] < CUT_DOMINANCE * max((hist[n] for n in others), default=0.0):
        return None
    # Most of the stretch's change, or a pixel change that stands out: a dissolve step
    # is neither (its pixels change as much in every frame, and it is one step of many).
    explains = hist[best] >= CUT_EXPLAINS * whole_hist
    stands_out = pixels[best] >= CUT_DOMINANCE * max((pixels[n] for n in others), default=0.0)
    return best if explains or stands_out else None


def _moved(frame: Look, neighbour: Look, sampled: Look) -> bool:
    """Not the frozen picture: it changes from its neighbour, or has drifted from the
    sampled frozen frame by more than an encoder's refinement of a still does."""
    return pixel_change(frame, neighbour) >= FROZEN_DIFF or pixel_change(frame, sampled) >= FROZEN_DRIFT


def _segments(runs: list[_Run], time: Callable[[int], float]) -> list[Segment]:
    out = []
    for run in runs:
        start = run.way_in.settle() if run.way_in is not None else 0
        end = run.way_out.settle() if run.way_out is not None else run.hi
        assert start is not None and end is not None
        start, end = max(start, run.lo), min(end, run.hi)
        if end > start and time(end) - time(start) >= MIN_SEGMENT_S - 1e-6:
            out.append(Segment(time(start), time(end), start, end))
    return out
