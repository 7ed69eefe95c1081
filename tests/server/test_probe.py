"""The server's spot check of stored videos (media/spotcheck.py), end to end and by counting.

The reference backend no longer decodes every frame of each stored video: it checks
the MP4/MOV sample tables against the file and decodes a bounded set of frames. These
tests pin what that probe still catches, that it decodes the frames it claims (the
same pixels as a full decode), and that the number it decodes does not grow with the
video's length.
"""

from __future__ import annotations

import struct
from pathlib import Path

import cv2
import numpy as np
import pytest

from desktop_app.errors import AppError
from desktop_app.media import isobmff
from desktop_app.media.keyframes import keyframe_mp4
from desktop_app.media.nalcheck import first_malformed, nal_format
from desktop_app.media.sampletable import read_samples
from desktop_app.media.spotcheck import KEYFRAMES, TAIL, pick_samples, spot_check
from tests.fixtures.videos import make_video, run_ffmpeg, truncate
from tests.server.helpers import client, new_session, upload_multipart, wait_processed

# Never more, however long the video: the first frame, the KEYFRAMES - 2 keyframes spread
# between the first and the last one, and the TAIL run that starts at the last keyframe.
BOUND = 1 + (KEYFRAMES - 2) + TAIL
MANY = BOUND  # what a clip with many keyframes reaches


@pytest.fixture(scope="module")
def many_keyframes(tmp_path_factory) -> Path:
    """12 s at 30 fps with a keyframe every 15 frames (24 keyframes), B-frames on."""
    path = tmp_path_factory.mktemp("probe") / "many_keyframes.mp4"
    run_ffmpeg("-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30:duration=12", "-c:v", "libx264",
               "-preset", "veryfast", "-pix_fmt", "yuv420p", "-g", "15", "-keyint_min", "15",
               "-sc_threshold", "0", "-bf", "2", path)
    return path


def _mdat_to_end_of_file(src: Path, dst: Path, fraction: float) -> Path:
    """A faststart MP4 cut short whose 'mdat' says "extends to the end of the file"
    (size 0, as some recorders write it): the box walk sees nothing wrong."""
    data = bytearray(src.read_bytes())
    at = data.find(b"mdat") - 4
    assert at > 0 and data.find(b"moov") < at  # index first
    if struct.unpack(">I", data[at:at + 4])[0] == 1:  # 64-bit size: keep the header length
        data[at + 8:at + 16] = bytes(8)
    data[at:at + 4] = bytes(4)
    dst.write_bytes(bytes(data[: int(len(data) * fraction)]))
    return dst


def _sequential_frames(path: Path) -> list[np.ndarray]:
    cap = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    frames = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        frames.append(frame)
    cap.release()
    return frames


# ---------------------------------------------------------------- through the server


def test_valid_clip_is_processed_by_the_keyframe_probe(server, many_keyframes, caplog):
    caplog.set_level("INFO", logger="desktop_app.server.processing")
    with client(server) as c:
        sid = new_session(c, server.username)
        r = upload_multipart(c, sid, many_keyframes, server.username)
        assert r.status_code == 201, r.text
        video = wait_processed(c, r.json()["video_id"])
    assert video["status"] == "processed" and video["processed_at"], video
    assert video.get("error_code") is None
    checked = [rec.getMessage() for rec in caplog.records if "checked by" in rec.getMessage()]
    assert any(f"by keyframes: {MANY} of 360 frames decoded" in m for m in checked), checked


@pytest.mark.parametrize("index_first", [True, False])
def test_truncated_mp4_fails_on_the_server_with_video_corrupted(server, video_factory, tmp_path,
                                                                index_first):
    whole = video_factory("probe-whole.mp4", seconds=3.0, faststart=index_first)
    cut = truncate(whole, tmp_path / "cut.mp4", 0.6)
    with client(server) as c:
        sid = new_session(c, server.username)
        video = wait_processed(c, upload_multipart(c, sid, cut, server.username).json()["video_id"])
    assert video["status"] == "failed" and video["error_code"] == "VIDEO_CORRUPTED", video
    assert "cut short" in video["error"] or "index is missing" in video["error"]


def test_mdat_to_end_of_file_cut_short_is_found_by_the_sample_tables(server, video_factory, tmp_path):
    whole = video_factory("probe-faststart.mp4", seconds=4.0, faststart=True)
    cut = _mdat_to_end_of_file(whole, tmp_path / "cut_mdat0.mp4", 0.5)
    layout = isobmff.read_layout(open(cut, "rb"), cut.stat().st_size)
    assert layout.truncated_box is None and layout.has_moov  # the box structure looks whole
    with pytest.raises(AppError) as info:
        spot_check(cut)
    err = info.value
    assert err.code == "VIDEO_CORRUPTED"
    assert "cut short" in err.message and "of 4.0 s on are missing" in err.message, err.message
    assert "past the end of the file" in err.detail
    with client(server) as c:
        sid = new_session(c, server.username)
        video = wait_processed(c, upload_multipart(c, sid, cut, server.username).json()["video_id"])
    assert video["status"] == "failed" and video["error_code"] == "VIDEO_CORRUPTED"
    assert video["error"] == err.message


def test_webm_keeps_the_full_decode_and_still_finds_truncation(video_factory, tmp_path):
    whole = video_factory("probe.webm", codec="libvpx-vp9", seconds=2.0, size=(160, 120))
    result = spot_check(whole)
    assert result.method == "full-decode" and result.frames_decoded == 60
    with pytest.raises(AppError) as info:
        spot_check(truncate(whole, tmp_path / "cut.webm", 0.5))
    assert info.value.code == "VIDEO_CORRUPTED" and "of its 60 frames" in info.value.message


# ---------------------------------------------------------------- counting the decodes


def test_probe_decodes_a_bounded_number_of_frames_whatever_the_length(many_keyframes, video_factory):
    long = spot_check(many_keyframes)
    assert long.method == "keyframes" and long.frames_total == 360
    assert long.frames_decoded == MANY <= BOUND  # 13 of 360 frames, not all of them
    short = spot_check(video_factory("probe-short.mp4", seconds=1.0))
    assert short.method == "keyframes" and short.frames_decoded <= BOUND


def test_keyframe_copy_holds_only_the_picks_and_they_span_the_video(many_keyframes):
    with open(many_keyframes, "rb") as fh:
        layout = isobmff.read_layout(fh, many_keyframes.stat().st_size)
        track = layout.video_tracks[0]
        table = read_samples(track, str(many_keyframes))
        picks = pick_samples(table)
        copy = many_keyframes.parent / "copy.mp4"
        copy.write_bytes(keyframe_mp4(fh, track, table, picks, "isom", str(many_keyframes)))
    assert table.count == 360 and table.sync.tolist() == list(range(0, 360, 15))
    assert len(picks) == MANY - 1  # the first keyframe was decoded from the file itself
    assert picks[0] <= 90 and picks[-1] == 345 + TAIL - 1  # early in the video .. past the last keyframe
    # Decoded by plain OpenCV, the copy yields exactly one frame per pick ...
    decoded = _sequential_frames(copy)
    assert len(decoded) == len(picks)
    # ... and they are the very frames a full decode shows at those keyframes (IDR
    # frames are shown at their decode position, so sample index = frame index).
    full = _sequential_frames(many_keyframes)
    for frame, index in zip(decoded, picks, strict=True):
        if index in set(table.sync.tolist()):
            assert np.array_equal(frame, full[index]), index
    assert copy.stat().st_size < many_keyframes.stat().st_size // 3


def _damaged_copy(src: Path, dst: Path, sample: int, keep_prefix: bool) -> Path:
    """``src`` with one video sample's bytes zeroed (its 4-byte NAL length kept or not)."""
    with open(src, "rb") as fh:
        table = read_samples(isobmff.read_layout(fh, src.stat().st_size).video_tracks[0], str(src))
    data = bytearray(src.read_bytes())
    at, size = int(table.offsets[sample]), int(table.sizes[sample])
    skip = 4 if keep_prefix else 0
    data[at + skip:at + size] = bytes(size - skip)
    dst.write_bytes(bytes(data))
    return dst


@pytest.mark.parametrize("sample, keep_prefix", [(135, False), (180, True), (200, False)],
                         ids=["picked-keyframe", "unpicked-keyframe-payload", "unpicked-p-frame"])
def test_damage_mid_file_is_found_and_judged_by_the_full_decode(many_keyframes, tmp_path, sample,
                                                                keep_prefix):
    """Zeroed data anywhere in the video (a keyframe the probe decodes, or frames it
    does not: the NAL framing check reads every sample) sends the file to the full
    decode, whose verdict and message (the client's rule) stand."""
    with open(many_keyframes, "rb") as fh:
        layout = isobmff.read_layout(fh, many_keyframes.stat().st_size)
        table = read_samples(layout.video_tracks[0], str(many_keyframes))
        assert first_malformed(fh, table, nal_format(layout.video_tracks[0])) is None  # the intact file
    assert (sample in pick_samples(table)) == (sample == 135)
    damaged = _damaged_copy(many_keyframes, tmp_path / "damaged.mp4", sample, keep_prefix)
    with open(damaged, "rb") as fh:
        found = first_malformed(fh, table, nal_format(layout.video_tracks[0]))
    assert found == sample
    with pytest.raises(AppError) as info:
        spot_check(damaged)
    assert info.value.code == "VIDEO_CORRUPTED"
    assert "damaged or cut short" in info.value.message and "of its 360 frames" in info.value.message


def test_other_codecs_and_layouts_take_the_keyframe_path(video_factory, tmp_path):
    """HEVC, ProRes in MOV, audio + faststart, a phone's rotation flag: the copy works
    for each, and reports the same picture size as the client's validation."""
    from desktop_app.media.validate import validate_file

    cases = [("probe-hevc.mp4", {"codec": "libx265"}), ("probe-prores", {"codec": "prores_ks"}),
             ("probe-audio.mp4", {"audio": True, "faststart": True}), ("probe-rot.mp4", {"rotate": 90})]
    for name, kwargs in cases:
        path = video_factory(name, seconds=1.0, size=(160, 120), **kwargs)
        result = spot_check(path)
        assert result.method == "keyframes", (name, result.reason)
        assert 2 <= result.frames_decoded <= BOUND
        shallow = validate_file(path, deep=False)
        assert (result.info.width, result.info.height, result.info.codec) == (
            shallow.width, shallow.height, shallow.codec)
    phone = make_video(tmp_path / "phone.mov", seconds=2.0, size=(160, 120), audio=True, rotate=270)
    result = spot_check(phone)
    assert result.method == "keyframes" and (result.info.width, result.info.height) == (120, 160)


def test_a_file_missing_only_its_last_frame_is_judged_as_the_client_judges_it(video_factory, tmp_path):
    """The client's full decode tolerates a couple of missing frames at the end; the
    sample-table check leaves such a file to the full decode, so the server agrees."""
    from desktop_app.media.validate import validate_file

    whole = video_factory("probe-faststart.mp4", seconds=4.0, faststart=True)
    with open(whole, "rb") as fh:
        table = read_samples(isobmff.read_layout(fh, whole.stat().st_size).video_tracks[0], str(whole))
    cut = _mdat_to_end_of_file(whole, tmp_path / "last_frame_cut.mp4", 1.0)
    cut.write_bytes(cut.read_bytes()[: -int(table.sizes[-1]) // 2])
    client_view = validate_file(cut, check_extension=False)  # passes: a few of 120 frames lost
    result = spot_check(cut)
    assert result.method == "full-decode" and "past the end of the file" in result.reason
    assert result.frames_decoded == client_view.frame_count >= 120 - 3  # its B-frames go with it
