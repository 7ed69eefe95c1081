"""The server's spot check judges every bad file as the client's full validation does."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop_app.errors import AppError
from desktop_app.media.spotcheck import spot_check
from desktop_app.media.validate import validate_file

# Extension checks are the client's business (the server stores what it is sent),
# so every other kind of broken file must get the same code and message.
KINDS = ["truncated_with_index", "truncated_without_index", "truncated_webm", "text", "pdf", "png",
         "empty", "random", "audio_only", "cenc_encrypted", "openssl_encrypted", "unknown_codec", "directory",
         "dangling_link"]


@pytest.mark.parametrize("kind", KINDS)
def test_spot_check_gives_the_full_checks_code_and_message(broken, kind):
    with pytest.raises(AppError) as full:
        validate_file(broken[kind], check_extension=False)
    with pytest.raises(AppError) as spot:
        spot_check(broken[kind])
    assert spot.value.code == full.value.code, (spot.value, full.value)
    assert spot.value.message == full.value.message
    assert spot.value.file == str(broken[kind])


def test_expected_422_codes_reach_the_server(broken):
    from desktop_app.server.processing import check_video

    assert check_video(broken["cenc_encrypted"])[:2] == ("failed", "DECRYPTION_FAILED")
    assert check_video(broken["unknown_codec"])[:2] == ("failed", "VIDEO_UNSUPPORTED_CODEC")
    assert check_video(broken["truncated_with_index"])[:2] == ("failed", "VIDEO_CORRUPTED")
    assert check_video(broken["audio_only"])[:2] == ("failed", "VIDEO_UNPROCESSABLE")
    status, code, message = check_video(broken["truncated_webm"])
    assert (status, code) == ("failed", "VIDEO_CORRUPTED") and "of its 60 frames" in message


@pytest.fixture(scope="module")
def index_first(video_factory):
    """A faststart clip with audio (interleaved chunks), and where its index lies."""
    data = video_factory("spot-fuzz.mp4", seconds=1.0, size=(96, 64), faststart=True, audio=True).read_bytes()
    start = data.find(b"moov") - 4
    return data, start, start + int.from_bytes(data[start:start + 4], "big")


@settings(max_examples=60, deadline=None)
@given(edits=st.lists(st.tuples(st.floats(0.0, 0.999), st.integers(0, 255)), min_size=1, max_size=30))
def test_a_damaged_index_never_escapes_the_catalogue(index_first, tmp_path_factory, edits):
    """Hostile sample tables (counts, chunk runs, offsets) end in a catalogue code or a
    verdict, never an exception, a crash or a huge allocation."""
    data, start, end = index_first
    damaged = bytearray(data)
    for where, value in edits:
        damaged[start + int(where * (end - start))] = value
    path = tmp_path_factory.mktemp("spotfuzz") / "clip.mp4"
    path.write_bytes(bytes(damaged))
    try:
        result = spot_check(path)
    except AppError as exc:
        assert exc.code in {"VIDEO_CORRUPTED", "INVALID_FILE_TYPE", "VIDEO_UNPROCESSABLE",
                            "VIDEO_UNSUPPORTED_CODEC", "DECRYPTION_FAILED"}, exc
    else:
        assert result.frames_decoded > 0


@pytest.mark.parametrize("box, field_at", [("stsz", 8), ("stsc", 12), ("stts", 8), ("ctts", 8)],
                         ids=["stsz-sample-count", "stsc-samples-per-chunk", "stts-run-length",
                              "ctts-run-length"])
def test_a_count_of_four_billion_is_not_allocated(index_first, tmp_path, box, field_at):
    """Counts in the index come from the uploaded file: the server must not expand them."""
    import psutil

    data, start, end = index_first
    damaged = bytearray(data)
    at = damaged.find(box.encode(), start, end) + 4  # the first (video) track's box body
    damaged[at + field_at:at + field_at + 4] = b"\xff\xff\xff\xff"
    path = tmp_path / "huge_count.mp4"
    path.write_bytes(bytes(damaged))
    before = psutil.Process().memory_info().rss
    try:
        result = spot_check(path)
    except AppError as exc:
        assert exc.code == "VIDEO_CORRUPTED", exc
    else:
        assert result.frames_decoded > 0
    assert psutil.Process().memory_info().rss - before < 200 * 1024 * 1024
