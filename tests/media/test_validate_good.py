"""Real videos of every common kind pass validation and report what they are."""

from __future__ import annotations

import json
import os
import shutil

import cv2
import pytest

from desktop_app.media.formats import VIDEO_SUFFIXES as ALLOWED_EXTENSIONS
from desktop_app.media.validate import validate_file
from tests.fixtures.videos import run_ffmpeg

# name, make_video kwargs, expected codec, container
KINDS = [
    ("h264.mp4", {"codec": "libx264"}, "H.264", "MP4"),
    ("hevc.mp4", {"codec": "libx265"}, "H.265/HEVC", "MP4"),
    ("vp9.webm", {"codec": "libvpx-vp9"}, "VP9", "Matroska/WebM"),
    ("mjpeg.avi", {"codec": "mjpeg"}, "Motion JPEG", "AVI"),
    ("prores.mov", {"codec": "prores_ks"}, "Apple ProRes", "QuickTime (MOV)"),
    ("h264.mkv", {"codec": "libx264"}, "H.264", "Matroska/WebM"),
]


@pytest.mark.parametrize(("name", "kwargs", "codec", "container"), KINDS, ids=[k[0] for k in KINDS])
def test_each_codec_validates_with_its_properties(video_factory, name, kwargs, codec, container):
    path = video_factory(name, seconds=1.0, size=(192, 144), fps=24, **kwargs)
    info = validate_file(path)
    assert (info.codec, info.container) == (codec, container)
    assert (info.width, info.height) == (192, 144)
    assert info.fps == pytest.approx(24, abs=0.01)
    assert info.frame_count == 24 and info.deep_checked
    assert info.duration_s == pytest.approx(1.0, abs=0.05)
    assert info.size == path.stat().st_size
    json.dumps(info.to_dict())  # JSON-ready


@pytest.mark.parametrize("name", ["with_audio.mp4", "with_audio.webm", "with_audio.mov"])
def test_video_with_audio_is_valid(video_factory, name):
    codec = {"webm": "libvpx-vp9", "mov": "prores_ks"}.get(name.rsplit(".", 1)[1], "libx264")
    info = validate_file(video_factory(name, seconds=1.0, size=(160, 120), codec=codec, audio=True))
    assert info.frame_count == 30
    if name.endswith((".mp4", ".mov")):  # track list known for MP4/MOV
        assert info.has_audio is True


def test_vertical_video_keeps_portrait_size(video_factory):
    info = validate_file(video_factory("portrait.mp4", seconds=1.0, size=(144, 256)))
    assert (info.width, info.height, info.rotation) == (144, 256, 0)


def test_phone_rotation_flag_is_applied_to_size(video_factory):
    """Landscape pixels with a 90-degree display flag show as portrait."""
    info = validate_file(video_factory("rotated.mp4", seconds=1.0, size=(256, 144), rotate=90))
    assert (info.width, info.height) == (144, 256)
    assert info.rotation in (90, 270)


@pytest.mark.parametrize("name", ["vidéo été.mp4", "日本の海.mp4", "видео 01.mov", "emoji 🎬.mp4"])
def test_non_ascii_file_names(video_factory, tmp_path, name):
    path = tmp_path / name
    shutil.copy(video_factory("plain.mp4", seconds=1.0, size=(160, 120)), path)
    info = validate_file(path)
    assert info.path == str(path) and info.frame_count == 30


def test_sample_video_fixture_matches_its_promise(sample_video):
    info = validate_file(sample_video)
    assert (info.codec, info.width, info.height, info.frame_count) == ("H.264", 320, 240, 60)
    assert sample_video.stat().st_size < 300_000


def test_shallow_check_reads_the_header_only(video_factory):
    info = validate_file(video_factory("plain.mp4", seconds=1.0, size=(160, 120)), deep=False)
    assert not info.deep_checked and info.frame_count == info.header_frame_count == 30


def test_extension_check_is_case_insensitive_and_configurable(video_factory, tmp_path):
    upper = tmp_path / "CLIP.MP4"
    shutil.copy(video_factory("plain.mp4", seconds=1.0, size=(160, 120)), upper)
    assert validate_file(upper).codec == "H.264"
    assert ".mp4" in ALLOWED_EXTENSIONS and ".mov" in ALLOWED_EXTENSIONS
    odd = tmp_path / "clip.video"
    shutil.copy(upper, odd)
    assert validate_file(odd, allowed_extensions=["VIDEO"]).codec == "H.264"
    assert validate_file(odd, check_extension=False).codec == "H.264"


def test_file_name_that_is_not_utf8(video_factory, tmp_path):
    """Legacy-encoded names (bytes that are not UTF-8) used to crash OpenCV outright."""
    raw = os.path.join(os.fsencode(tmp_path), b"caf\xe9 latin-1.mp4")
    shutil.copy(video_factory("plain.mp4", seconds=1.0, size=(160, 120)), raw)
    assert validate_file(raw).frame_count == 30
    assert validate_file(os.fsdecode(raw)).frame_count == 30


def test_clip_trimmed_by_an_edit_list_is_not_called_corrupted(video_factory, tmp_path):
    """Editors trim MP4s non-destructively: the media keeps frames the edit list hides.
    Fewer decoded frames than stored samples is then expected, not damage."""
    source = video_factory("gop60.mp4", seconds=4.0, size=(160, 120))
    trimmed = tmp_path / "trimmed.mp4"
    run_ffmpeg("-ss", "1.3", "-i", source, "-c", "copy", trimmed)
    info = validate_file(trimmed)
    assert info.duration_s == pytest.approx(2.7, abs=0.1)
    assert info.frame_count == pytest.approx(81, abs=3)


def test_av1_is_one_more_good_clip_where_the_decoder_has_it(video_factory):
    """Whether AV1 decodes depends on the OpenCV build (5.x does, 4.x wheels did not): a
    clip that decodes validates like any other, one that does not is a clear
    VIDEO_UNSUPPORTED_CODEC naming AV1, never a crash or "corrupted"."""
    path = video_factory("av1.mp4", seconds=0.5, size=(160, 120), fps=15, codec="libaom-av1")
    capture = cv2.VideoCapture(str(path))
    decodes = capture.read()[0]
    capture.release()
    if decodes:
        info = validate_file(path)
        assert (info.codec, info.width, info.frame_count) == ("AV1", 160, 8)
    else:
        from desktop_app.errors import AppError

        with pytest.raises(AppError) as err:
            validate_file(path)
        assert err.value.code == "VIDEO_UNSUPPORTED_CODEC" and "AV1" in err.value.message
