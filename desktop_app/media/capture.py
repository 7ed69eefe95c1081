"""OpenCV set-up shared by validation and analysis: quiet logs, capped decoder threads.

Every caller gets its own ``cv2.VideoCapture`` (they are not thread-safe), opened
with an explicit decoder thread count (``CAP_PROP_N_THREADS``, an open parameter
of the FFmpeg backend that sets ``AVCodecContext.thread_count``). Without it each
capture starts one decoder thread per core, so four parallel analyses on two
cores would run eight busy threads. The count is the machine's cores shared
between the captures open right now; ``OPENCV_FFMPEG_THREADS`` overrides it.
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager

# FFmpeg's own messages ("[h264 @ 0x...] error while decoding") would land on the
# CLI's stdout/stderr; OpenCV reads this variable at every open. -8 is AV_LOG_QUIET.
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")

import cv2  # noqa: E402

if "OPENCV_LOG_LEVEL" not in os.environ:
    # We report every failure ourselves, as a catalogue error.
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)

_MAX_THREADS = 16  # FFmpeg warns above this
_lock = threading.Lock()
_open_captures = 0

_CODEC_NAMES = {
    "H.264": {"h264", "avc1", "avc3", "x264", "davc"},
    "H.265/HEVC": {"hevc", "hvc1", "hev1", "h265", "x265"},
    "H.266/VVC": {"vvc1", "vvi1", "h266"},
    "AV1": {"av01", "av1 "},
    "VP9": {"vp90", "vp09"},
    "VP8": {"vp80", "vp08"},
    "Motion JPEG": {"mjpg", "jpeg", "mjpa", "mjpb", "avrn", "dmb1"},
    "Apple ProRes": {"apch", "apcn", "apcs", "apco", "ap4h", "ap4x", "aprn"},
    "MPEG-4 Part 2": {"fmp4", "mp4v", "xvid", "divx", "dx50"},
    "MPEG-1/2": {"mpg1", "mpg2", "mp2v", "mpeg", "hdv1", "hdv2", "hdv3", "xdv7", "xdvd"},
    "Theora": {"theo"},
    "FFV1": {"ffv1"},
    "VC-1/WMV": {"wmv1", "wmv2", "wmv3", "wvc1"},
    "DV": {"dvsd", "dv25", "dv50", "dvh5", "dvhp", "dvcp", "dvc "},
    "Avid DNxHD": {"avdn", "avdh", "dnxhd"},
    "GoPro CineForm": {"cfhd"},
    "APV": {"apv1"},
}
_BY_TAG = {tag: name for name, tags in _CODEC_NAMES.items() for tag in tags}


def codec_name(fourcc: str) -> str:
    """A name people know ("H.264", "AV1") for a FOURCC or sample-entry code."""
    tag = fourcc.strip("\x00").lower()
    if tag in _BY_TAG:
        return _BY_TAG[tag]
    if tag.strip():
        return f"'{fourcc.strip()}'"
    return "an unknown codec"


def fourcc_text(value: float) -> str:
    code = int(value) & 0xFFFFFFFF
    raw = code.to_bytes(4, "little")
    if not code or not all(32 <= b < 127 for b in raw):
        return ""
    return raw.decode("ascii")


def decoder_threads(active: int) -> int:
    """Decoder threads for one capture when ``active`` captures are open."""
    override = os.environ.get("OPENCV_FFMPEG_THREADS", "").strip()
    if override.isdigit() and int(override) > 0:
        return int(override)
    cores = min(os.cpu_count() or 1, _MAX_THREADS)
    return max(1, cores // max(1, active))


@contextmanager
def _utf8_path(path: str) -> Iterator[str]:
    """A name OpenCV can take. cv2 crashes (segfault) on a str that is not valid
    UTF-8, as Linux file names with legacy-encoded bytes decode to; such a file is
    reached through a symlink with a plain name instead."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        pass
    else:
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="video-uploader-") as tmp:
        link = os.path.join(tmp, "video" + os.path.splitext(path)[1].encode("ascii", "replace").decode())
        os.symlink(os.fsencode(os.path.abspath(path)), os.fsencode(link))
        yield link


@contextmanager
def open_capture(path: str | os.PathLike[str]) -> Iterator[cv2.VideoCapture]:
    """One FFmpeg capture for the calling thread, released on exit."""
    global _open_captures
    with _lock:
        _open_captures += 1
        threads = decoder_threads(_open_captures)
    cap = None
    try:
        with _utf8_path(os.fsdecode(os.fspath(path))) as name:
            cap = cv2.VideoCapture(name, cv2.CAP_FFMPEG, [cv2.CAP_PROP_N_THREADS, threads])
            yield cap
    finally:
        if cap is not None:
            cap.release()
        with _lock:
            _open_captures -= 1
