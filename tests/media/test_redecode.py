"""Decoding stretches again: the same pixels as the first pass, or none at all."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from desktop_app.errors import AppError
from desktop_app.media.analyse import analyse
from desktop_app.media.capture import open_capture
from desktop_app.media.redecode import FrameClock, Redecoder


def first_pass(path) -> tuple[FrameClock, list[np.ndarray]]:
    clock, frames = FrameClock(), []
    with open_capture(path) as cap:
        while cap.grab():
            clock.record(cap)
            ok, frame = cap.retrieve()
            assert ok
            frames.append(frame)
    return clock, frames


# Forward, far ahead (a seek), just behind (a seek back or a reopen), adjacent.
STRETCHES = [(3, 9), (150, 158), (159, 163), (40, 44), (200, 205), (12, 12)]


@pytest.mark.parametrize("name", ["long_gop_25", "ntsc_vp9", "vfr"])
def test_frames_come_back_identical_in_any_order(scene_clips, name):
    """A long GOP without keyframes at cuts (MP4), VP9 in Matroska, a variable rate."""
    path, _ = scene_clips[name]
    clock, frames = first_pass(path)
    with Redecoder(str(path), clock) as again:
        for first, last in STRETCHES:
            got = list(again.frames(first, last))
            assert [i for i, _ in got] == list(range(first, last + 1))
            for i, frame in got:
                assert np.array_equal(frame, frames[i]), (name, i)


def test_without_usable_timestamps_frames_are_counted_from_the_start(scene_clips):
    path, _ = scene_clips["odd"]
    clock, frames = first_pass(path)
    blind = FrameClock()
    for _ in range(clock.frames):
        blind.add(0.0, 0.0)  # every timestamp the same, no frame types: nothing to seek by
    assert not blind.usable
    with Redecoder(str(path), blind) as again:
        for first, last in [(100, 104), (20, 22)]:
            got = list(again.frames(first, last))
            assert [i for i, _ in got] == list(range(first, last + 1))
            assert all(np.array_equal(f, frames[i]) for i, f in got)
        assert again.decoded == 105 + 23  # forward to 104, then from the start again to 22


def test_a_frame_the_clock_does_not_know_is_never_passed_off_as_another(scene_clips):
    path, _ = scene_clips["odd"]
    clock, frames = first_pass(path)
    clock.times_ms[103] += 7.0  # as if the file had changed under us at frame 103
    with Redecoder(str(path), clock) as again:
        got = list(again.frames(100, 106))
    assert [i for i, _ in got] == [100, 101, 102]
    assert all(np.array_equal(f, frames[i]) for i, f in got)


def test_cancel_stops_the_redecode_at_the_next_frame(scene_clips):
    path, _ = scene_clips["odd"]
    clock, _ = first_pass(path)
    cancel = threading.Event()
    seen: list[int] = []
    with Redecoder(str(path), clock, cancel=cancel, on_grab=lambda: (seen.append(1), cancel.set())) as again:
        with pytest.raises(AppError) as info:
            list(again.frames(50, 60))
    assert info.value.code == "CANCELLED" and len(seen) == 1


def test_a_seek_leaves_at_most_a_few_frames_to_decode_deaf_to_cancel(scene_clips):
    """OpenCV decodes from the keyframe to the target inside one set() call, where
    cancel is not seen; the seek is aimed just past the keyframe, and the rest of the
    way (up to a GOP: 59 frames here) is grabbed where cancel is checked."""
    path, _ = scene_clips["one_cut"]  # a keyframe every 60 frames
    clock, frames = first_pass(path)
    assert clock.keyframes[:3] == [0, 60, 120]
    cancel = threading.Event()
    with Redecoder(str(path), clock, cancel=cancel, on_grab=cancel.set) as again:
        with pytest.raises(AppError):
            list(again.frames(539, 540))  # the seek starts at keyframe 480
        assert again.decoded <= 16 + 1
    with Redecoder(str(path), clock) as again:
        got = list(again.frames(539, 540))
    assert [i for i, _ in got] == [539, 540] and all(np.array_equal(f, frames[i]) for i, f in got)


def test_cancel_after_the_main_pass_still_cancels(scene_clips):
    """The last progress report comes before the boundaries are placed; cancelling
    then still ends the analysis as CANCELLED, with no thread left behind."""
    path, _ = scene_clips["issue"]
    cancel = threading.Event()

    def progress(done: int, total: int) -> None:
        if done >= total:
            cancel.set()

    before = {t.name for t in threading.enumerate()}
    with pytest.raises(AppError) as info:
        analyse(path, progress=progress, cancel=cancel)
    assert info.value.code == "CANCELLED" and info.value.stage == "analyse"
    assert {t.name for t in threading.enumerate()} <= before
