"""Broken and unusual files for the media tests, generated once per session."""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.fixtures.videos import PDF_BYTES, make_video, run_ffmpeg, truncate, with_unknown_codec


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def broken(media_dir, video_factory) -> dict[str, Path]:
    """name -> a file that must fail validation (see test_validate_bad for the codes)."""
    d = media_dir / "broken"
    d.mkdir()
    files: dict[str, Path] = {}
    faststart = video_factory("faststart.mp4", faststart=True)
    files["truncated_with_index"] = truncate(faststart, d / "cut_with_index.mp4")
    files["truncated_without_index"] = truncate(video_factory("moov_at_end.mp4"), d / "cut_no_index.mp4")
    files["truncated_webm"] = truncate(video_factory("whole.webm", codec="libvpx-vp9"), d / "cut.webm")
    (d / "notes.mp4").write_text("Shot list for Tuesday:\n1. beach\n2. interview\n", encoding="utf-8")
    files["text"] = d / "notes.mp4"
    (d / "report.mp4").write_bytes(PDF_BYTES)
    files["pdf"] = d / "report.mp4"
    ok, png = cv2.imencode(".png", np.full((32, 48, 3), 200, np.uint8))
    assert ok
    (d / "photo.mp4").write_bytes(png.tobytes())
    files["png"] = d / "photo.mp4"
    (d / "empty.mp4").write_bytes(b"")
    files["empty"] = d / "empty.mp4"
    (d / "random.mp4").write_bytes(np.random.default_rng(7).integers(0, 256, 20000, np.uint8).tobytes())
    files["random"] = d / "random.mp4"
    (d / "salted.mp4").write_bytes(b"Salted__" + bytes(range(256)) * 8)
    files["openssl_encrypted"] = d / "salted.mp4"
    run_ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-c:a", "aac", "-f", "mp4",
               d / "voice_memo.mp4")
    files["audio_only"] = d / "voice_memo.mp4"
    run_ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x120:rate=15:duration=1", "-c:v", "libx264",
               "-encryption_scheme", "cenc-aes-ctr",
               "-encryption_key", "76a6c65c5ea762046bd749a2e632ccbb",
               "-encryption_kid", "a7e61c373e219033c21091fa607bf3b8", d / "protected.mp4")
    files["cenc_encrypted"] = d / "protected.mp4"
    small = make_video(d / "small.mp4", seconds=0.5, size=(160, 120), fps=15)
    files["unknown_codec"] = with_unknown_codec(small, d / "unknown_codec.mp4")
    (d / "folder.mp4").mkdir()
    files["directory"] = d / "folder.mp4"
    os.symlink(d / "gone" / "clip.mp4", d / "dangling.mp4")
    files["dangling_link"] = d / "dangling.mp4"
    return files


@pytest.fixture(scope="session")
def scenes_video(media_dir) -> Path:
    """4.5 s: black 0-1 s, moving pattern 1-2 s, a frozen still 2-3.5 s, fractal 3.5-4.5 s.
    So: one black segment, one frozen segment, cuts near 1.0, 2.0 and 3.5 s."""
    path = media_dir / "scenes.mp4"
    run_ffmpeg(
        "-f", "lavfi", "-i", "color=black:s=320x240:r=30:d=1",
        "-f", "lavfi", "-i", "testsrc2=s=320x240:r=30:d=1",
        "-f", "lavfi", "-i", "testsrc=s=320x240:r=30:d=1.5,trim=end_frame=1,loop=loop=44:size=1:start=0,"
                             "setpts=N/30/TB",
        "-f", "lavfi", "-i", "mandelbrot=s=320x240:r=30,trim=duration=1",
        "-filter_complex", "[0][1][2][3]concat=n=4:v=1:a=0,format=yuv420p",
        "-c:v", "libx264", "-preset", "veryfast", path,
    )
    return path


@pytest.fixture(scope="session")
def long_video(video_factory) -> Path:
    """Long enough that cancelling lands mid-way."""
    return video_factory("long.mp4", seconds=12.0, size=(480, 270))
