"""Analysis: one pass, real metrics on real clips, thread-safe, cancellable."""

from __future__ import annotations

import hashlib
import json
import threading
from concurrent.futures import ThreadPoolExecutor

import cv2
import numpy as np
import pytest

from desktop_app.errors import AppError
from desktop_app.media.analyse import Analysis, analyse
from desktop_app.media.capture import decoder_threads, open_capture


def test_black_frozen_and_cuts_are_found_where_they_are(scenes_video):
    """Black frames 0-29, moving 30-59, a still 60-104, a fractal 105-134: to the frame."""
    a = analyse(scenes_video)
    assert a.frame_count == 135 and a.duration_s == pytest.approx(4.5, abs=0.05)
    assert [(s.start_frame, s.end_frame, s.start_s, s.end_s) for s in a.black_segments] == [(0, 30, 0.0, 1.0)]
    assert [(s.start_frame, s.end_frame, s.start_s, s.end_s) for s in a.frozen_segments] == [(60, 105, 2.0, 3.5)]
    assert a.scene_cut_frames == [30, 60, 105] and a.scene_cuts == [1.0, 2.0, 3.5]


def test_plain_clip_has_no_false_alarms(sample_video):
    a = analyse(sample_video)
    assert a.black_segments == [] and a.frozen_segments == [] and a.scene_cuts == []
    assert 40 < a.brightness < 215 and a.contrast > 20 and a.sharpness > 50


def test_identity_hash_thumbnail_and_json(sample_video):
    a = analyse(sample_video)
    assert a.sha256 == hashlib.sha256(sample_video.read_bytes()).hexdigest()
    assert (a.codec, a.width, a.height, a.fps, a.frame_count) == ("H.264", 320, 240, 30.0, 60)
    assert a.size == sample_video.stat().st_size
    thumb = cv2.imdecode(np.frombuffer(a.thumbnail_jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert thumb is not None and thumb.shape == (240, 320, 3) and thumb.mean() > 40
    data = a.to_dict()
    assert "thumbnail_jpeg" not in data
    assert json.loads(json.dumps(data))["sha256"] == a.sha256
    assert data["timeline"] and set(data["timeline"][0]) == {"t", "brightness", "sharpness"}
    assert Analysis.from_dict(data, a.thumbnail_jpeg) == a


def test_rotated_clip_is_analysed_upright(video_factory):
    a = analyse(video_factory("rotated.mp4", seconds=1.0, size=(256, 144), rotate=90))
    assert (a.width, a.height) == (144, 256)
    thumb = cv2.imdecode(np.frombuffer(a.thumbnail_jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert thumb.shape[0] > thumb.shape[1]


def test_progress_is_monotonic_and_ends_complete(long_video):
    seen: list[tuple[int, int]] = []
    a = analyse(long_video, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (a.frame_count, a.frame_count) == (360, 360)
    assert all(d1 <= d2 for (d1, _), (d2, _) in zip(seen, seen[1:], strict=False))


def test_cancel_mid_way_stops_at_once_and_leaves_no_thread(long_video):
    cancel = threading.Event()
    seen: list[int] = []

    def progress(done: int, total: int) -> None:
        seen.append(done)
        cancel.set()  # cancel at the first report, some frames in

    before = {t.name for t in threading.enumerate()}
    with pytest.raises(AppError) as info:
        analyse(long_video, progress=progress, cancel=cancel)
    assert info.value.code == "CANCELLED" and info.value.stage == "analyse"
    assert seen == seen[:1] and seen[0] < 360  # no frame was decoded after the cancel was seen
    assert {t.name for t in threading.enumerate()} <= before


def test_cancel_before_start(sample_video):
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(AppError) as info:
        analyse(sample_video, cancel=cancel)
    assert info.value.code == "CANCELLED"


def test_parallel_analyses_match_sequential(sample_video, scenes_video, video_factory):
    files = [sample_video, scenes_video, video_factory("hevc.mp4", seconds=1.0, codec="libx265")] * 2
    sequential = [analyse(f) for f in files[:3]] * 2
    with ThreadPoolExecutor(max_workers=4) as pool:
        parallel = list(pool.map(analyse, files))
    for s, p in zip(sequential, parallel, strict=True):
        assert (p.sha256, p.frame_count, p.scene_cut_frames, p.black_segments, p.frozen_segments) == \
               (s.sha256, s.frame_count, s.scene_cut_frames, s.black_segments, s.frozen_segments)


@pytest.mark.parametrize(("kind", "code"), [
    ("truncated_without_index", "VIDEO_CORRUPTED"),
    ("truncated_webm", "VIDEO_CORRUPTED"),
    ("pdf", "INVALID_FILE_TYPE"),
    ("audio_only", "VIDEO_UNPROCESSABLE"),
    ("unknown_codec", "VIDEO_UNSUPPORTED_CODEC"),
    ("cenc_encrypted", "DECRYPTION_FAILED"),
    ("directory", "NOT_A_FILE"),
])
def test_analysis_raises_the_validation_codes(broken, kind, code):
    with pytest.raises(AppError) as info:
        analyse(broken[kind])
    assert info.value.code == code


def test_av1_is_analysed_or_named_unsupported_whatever_the_decoder_build(video_factory):
    """Whether OpenCV's FFmpeg decodes AV1 depends on the build (5.x does): either the
    clip is analysed, or it fails with the codec named, never anything else."""
    clip = video_factory("av1.mp4", seconds=0.5, size=(160, 120), fps=15, codec="libaom-av1")
    with open_capture(clip) as cap:
        decodes = cap.grab() and cap.retrieve()[0]
    if decodes:
        assert analyse(clip).frame_count > 0
    else:
        with pytest.raises(AppError) as info:
            analyse(clip)
        assert info.value.code == "VIDEO_UNSUPPORTED_CODEC" and "AV1" in info.value.message


def test_decoder_threads_share_the_cores(monkeypatch):
    monkeypatch.delenv("OPENCV_FFMPEG_THREADS", raising=False)
    monkeypatch.setattr("os.cpu_count", lambda: 4)
    assert [decoder_threads(n) for n in (1, 2, 3, 4, 8)] == [4, 2, 1, 1, 1]
    monkeypatch.setenv("OPENCV_FFMPEG_THREADS", "3")
    assert decoder_threads(5) == 3


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_decoder_really_runs_the_capped_number_of_threads(sample_video, monkeypatch, threads):
    """The cap reaches FFmpeg: a capture adds exactly that many decoder threads (none for 1)."""
    psutil = pytest.importorskip("psutil")

    monkeypatch.setenv("OPENCV_FFMPEG_THREADS", str(threads))
    proc = psutil.Process()
    before = {t.id for t in proc.threads()}
    with open_capture(sample_video) as cap:
        assert cap.grab() and cap.grab()
        added = {t.id for t in proc.threads()} - before  # threads ending elsewhere do not count
    assert len(added) == (0 if threads == 1 else threads)
