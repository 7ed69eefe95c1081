"""Every kind of bad file fails with its exact catalogue code and a message naming the cause."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_app.errors import AppError
from desktop_app.media.validate import validate_file
from tests.fixtures.videos import UNKNOWN_CODEC_TAG

ROOT = Path(__file__).resolve().parents[2]

# fixture key -> (code, words the friendly message must contain)
EXPECTED = {
    "truncated_with_index": ("VIDEO_CORRUPTED", ["cut short", "missing"]),
    "truncated_without_index": ("VIDEO_CORRUPTED", ["index is missing", "cut short"]),
    "truncated_webm": ("VIDEO_CORRUPTED", ["cut short", "of its 60 frames"]),
    "text": ("INVALID_FILE_TYPE", ["not a video", "plain text"]),
    "pdf": ("INVALID_FILE_TYPE", ["not a video", "a PDF document"]),
    "png": ("INVALID_FILE_TYPE", ["not a video", "a PNG image"]),
    "empty": ("INVALID_FILE_TYPE", ["empty", "0 bytes"]),
    "random": ("INVALID_FILE_TYPE", ["not a video", "unrecognised binary data"]),
    "audio_only": ("VIDEO_UNPROCESSABLE", ["no video track", "only audio (AAC)"]),
    "cenc_encrypted": ("DECRYPTION_FAILED", ["encrypted", "cenc"]),
    "openssl_encrypted": ("DECRYPTION_FAILED", ["encrypted", "OpenSSL"]),
    "unknown_codec": ("VIDEO_UNSUPPORTED_CODEC", [UNKNOWN_CODEC_TAG, "cannot decode"]),
    "directory": ("NOT_A_FILE", ["folder"]),
    "dangling_link": ("FILE_NOT_FOUND", ["link", "does not exist", "clip.mp4"]),
}


def _fail(path, **kwargs) -> AppError:
    with pytest.raises(AppError) as info:
        validate_file(path, **kwargs)
    return info.value


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_bad_file_gets_exact_code_and_specific_message(broken, kind):
    code, words = EXPECTED[kind]
    err = _fail(broken[kind])
    assert err.code == code, err
    for word in words:
        assert word in err.message, (word, err.message)
    assert err.file == str(broken[kind]) and err.stage == "validate"
    assert err.detail and err.hint  # technical finding for support, and what to do


@pytest.mark.parametrize("kind", ["truncated_with_index", "truncated_without_index", "truncated_webm"])
def test_truncation_is_found_even_by_the_server_without_extension_check(broken, kind):
    assert _fail(broken[kind], check_extension=False).code == "VIDEO_CORRUPTED"


def test_truncated_mkv_found_by_decoding_not_structure(video_factory, tmp_path):
    whole = video_factory("whole.mkv", seconds=2.0, size=(160, 120))
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size * 2 // 3])
    assert validate_file(cut, deep=False).header_frame_count == 60  # header still promises 2 s
    err = _fail(cut)
    assert err.code == "VIDEO_CORRUPTED" and "of its 60 frames" in err.message


def test_corrupt_and_not_a_video_fixtures(corrupt_video, not_a_video):
    assert _fail(corrupt_video).code == "VIDEO_CORRUPTED"
    err = _fail(not_a_video)
    assert err.code == "INVALID_FILE_TYPE" and "PDF" in err.message


def test_missing_file(tmp_path):
    err = _fail(tmp_path / "holiday.mp4")
    assert err.code == "FILE_NOT_FOUND" and "holiday.mp4" in err.message and "does not exist" in err.message


def test_link_loop(tmp_path):
    os.symlink(tmp_path / "b.mp4", tmp_path / "a.mp4")
    os.symlink(tmp_path / "a.mp4", tmp_path / "b.mp4")
    err = _fail(tmp_path / "a.mp4")
    assert err.code == "FILE_NOT_FOUND" and "loop" in err.message


def test_extension_not_allowed_even_for_real_video(sample_video, tmp_path):
    renamed = tmp_path / "clip.txt"
    shutil.copy(sample_video, renamed)
    err = _fail(renamed)
    assert err.code == "INVALID_FILE_TYPE" and "\u201c.txt\u201d" in err.message
    err = _fail(tmp_path / "clip.txt", allowed_extensions={".mov"})
    assert err.code == "INVALID_FILE_TYPE"
    noext = tmp_path / "clip"
    shutil.copy(sample_video, noext)
    assert "no extension" in _fail(noext).message


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_named_pipe_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "stream.mp4"
    os.mkfifo(fifo)
    err = _fail(fifo)  # opening a FIFO for reading would block forever
    assert err.code == "NOT_A_FILE" and "named pipe" in err.message


@pytest.mark.skipif(not os.path.exists("/proc/self/mem"), reason="needs Linux /proc")
def test_read_error_is_unreadable():
    """/proc/self/mem is a regular file whose first page cannot be read (EIO)."""
    err = _fail("/proc/self/mem", check_extension=False)
    assert err.code == "FILE_UNREADABLE" and "could not be read" in err.message


def test_permission_denied_is_unreadable(sample_video, tmp_path):
    locked = tmp_path / "locked.mp4"
    shutil.copy(sample_video, locked)
    locked.chmod(0)
    if os.name == "nt" or os.geteuid() != 0:
        err = _fail(locked)
        assert err.code == "FILE_UNREADABLE" and "not allowed" in err.message
        return
    # Root reads any file through CAP_DAC_OVERRIDE: check in a child that has lost it.
    code = ("import json, sys\nfrom desktop_app.errors import AppError\n"
            "from desktop_app.media.validate import validate_file\n"
            "try:\n    validate_file(sys.argv[1])\nexcept AppError as e:\n"
            "    print(json.dumps([e.code, e.message]))\n")
    setpriv = shutil.which("setpriv")
    assert setpriv, "setpriv (util-linux) is needed to drop root's read-anything capability"
    proc = subprocess.run([setpriv, "--bounding-set=-dac_override,-dac_read_search",
                           sys.executable, "-c", code, str(locked)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    code_seen, message = json.loads(proc.stdout)
    assert code_seen == "FILE_UNREADABLE" and "not allowed" in message


@pytest.mark.parametrize(("head", "looks_like"), [
    (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "a JPEG image"),
    (b"GIF89a\x01\x00", "a GIF image"),
    (b"PK\x03\x04\x14\x00\x06\x00", "a ZIP archive"),
    (b"ID3\x04\x00\x00\x00\x00", "an MP3 audio file"),
    (b"RIFF\x24\x00\x00\x00WAVEfmt ", "a WAV audio file"),
    (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00", "an HEIF/AVIF photo"),
    (b"<!DOCTYPE html><html><body>", "a web page (HTML)"),
    (b"\x7fELF\x02\x01\x01\x00", "a program"),
])
def test_sniffed_content_is_named(tmp_path, head, looks_like):
    path = tmp_path / "clip.mp4"
    path.write_bytes(head + b"\n" * 200)
    err = _fail(path)
    assert err.code == "INVALID_FILE_TYPE" and looks_like in err.message
