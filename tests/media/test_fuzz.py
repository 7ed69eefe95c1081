"""Damaged files of any shape end in a catalogue code, never an exception or a crash."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop_app.errors import AppError
from desktop_app.media.validate import validate_file

VALIDATION_CODES = {"VIDEO_CORRUPTED", "INVALID_FILE_TYPE", "VIDEO_UNPROCESSABLE",
                    "VIDEO_UNSUPPORTED_CODEC", "DECRYPTION_FAILED"}


@pytest.fixture(scope="session")
def small_clips(video_factory):
    return {
        "moov_last": video_factory("fuzz.mp4", seconds=0.5, size=(96, 64)).read_bytes(),
        "moov_first": video_factory("fuzz_fs.mp4", seconds=0.5, size=(96, 64), faststart=True).read_bytes(),
    }


@pytest.fixture(scope="session")
def scratch(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz") / "clip.mp4"


@settings(max_examples=40, deadline=None)
@given(layout=st.sampled_from(["moov_last", "moov_first"]), fraction=st.floats(0.0, 0.995))
def test_any_truncation_is_reported_as_corrupted(small_clips, scratch, layout, fraction):
    data = small_clips[layout]
    cut = max(1, int(len(data) * fraction))
    scratch.write_bytes(data[:cut])
    with pytest.raises(AppError) as info:
        validate_file(scratch)
    expected = {"VIDEO_CORRUPTED"} if cut >= 8 else {"INVALID_FILE_TYPE"}
    assert info.value.code in expected, (cut, info.value)


@settings(max_examples=40, deadline=None)
@given(layout=st.sampled_from(["moov_last", "moov_first"]),
       edits=st.lists(st.tuples(st.floats(0.0, 0.999), st.integers(0, 255)), min_size=1, max_size=40))
def test_random_damage_never_escapes_the_catalogue(small_clips, scratch, layout, edits):
    data = bytearray(small_clips[layout])
    for where, value in edits:
        data[int(where * len(data))] = value
    scratch.write_bytes(bytes(data))
    try:
        info = validate_file(scratch)
    except AppError as exc:
        assert exc.code in VALIDATION_CODES, exc
    else:
        assert info.frame_count > 0
