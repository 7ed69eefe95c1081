"""Open a video for decoding and check its content: structure, codec, completeness.

``open_video`` is shared by validation and analysis, so a file is judged the same
way in both, and the decode pass that proves a file complete is the same pass
that analysis samples frames from (one decode per file, not two).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any

import cv2
import numpy as np

from desktop_app.errors import AppError
from desktop_app.media import isobmff
from desktop_app.media.capture import codec_name, fourcc_text, open_capture
from desktop_app.media.sniff import MP4, QUICKTIME, Sniffed

STAGE = "validate"
# Codecs the bundled FFmpeg decodes (checked against the locked opencv-python-headless,
# requirements/lock.txt): if one of these fails on its first frame the data is damaged;
# any other codec that fails is reported as unsupported.
_DECODABLE = {"AV1", "H.264", "H.265/HEVC", "H.266/VVC", "VP9", "VP8", "Motion JPEG", "Apple ProRes",
              "MPEG-4 Part 2", "MPEG-1/2", "Theora", "FFV1", "APV", "DV"}
_AUDIO_NAMES = {"mp4a": "AAC", "ac-3": "Dolby Digital", "ec-3": "Dolby Digital Plus",
                "opus": "Opus", "alac": "Apple Lossless", "fLaC": "FLAC", ".mp3": "MP3",
                "lpcm": "PCM", "sowt": "PCM", "twos": "PCM", "samr": "AMR"}


@dataclass(frozen=True)
class MediaInfo:
    """What validation learnt about a video; JSON-ready through ``to_dict``."""

    path: str
    size: int
    container: str
    codec: str  # "H.264"
    fourcc: str  # "avc1" / "h264" as the container or decoder reports it
    width: int  # as displayed (rotation applied)
    height: int
    fps: float
    frame_count: int  # frames decoded when deep-checked, else the header's count
    duration_s: float
    rotation: int  # degrees clockwise the player applies
    has_audio: bool | None  # None when the container was not inspected (non-MP4)
    header_frame_count: int = 0
    deep_checked: bool = False

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["file"] = data.pop("path")
        return data


@dataclass
class Opened:
    info: MediaInfo
    cap: cv2.VideoCapture
    first_frame: np.ndarray  # BGR, rotation applied
    layout: isobmff.Layout | None = None  # MP4/MOV structure, as read for the checks


def _fail(code: str, message: str, detail: str, path: str) -> AppError:
    return AppError(code, detail, message=message, file=path, stage=STAGE)


def check_layout(layout: isobmff.Layout, path: str) -> None:
    """Raise for MP4/MOV structures that cannot be played, before any decoding."""
    boxes = ", ".join(layout.top_level[:12]) or "none"
    if not layout.has_moov:
        if layout.truncated_box or layout.garbage_at is not None:
            raise _fail(
                "VIDEO_CORRUPTED",
                "This video is incomplete: its index is missing because the file ends early "
                "(as when a download or copy is cut short).",
                f"no 'moov' box; top-level boxes: {boxes}; '{layout.truncated_box}' declares "
                f"{layout.declared_end} bytes but the file has {layout.file_size}",
                path,
            )
        raise _fail("VIDEO_CORRUPTED",
                    "This video's index (the 'moov' box) is missing, so its frames cannot be found.",
                    f"no 'moov' box; top-level boxes: {boxes}", path)
    if layout.moov_truncated:
        raise _fail("VIDEO_CORRUPTED",
                    "This video is incomplete: the file ends in the middle of its index.",
                    f"'moov' box runs {layout.missing_bytes} bytes past the end of the file", path)
    if layout.encrypted:
        schemes = sorted({t.scheme for t in layout.tracks if t.scheme}) or ["unknown scheme"]
        raise _fail("DECRYPTION_FAILED",
                    f"This video is encrypted ({', '.join(schemes)} protection), "
                    "so the app cannot read its pictures.",
                    f"encrypted sample entries or 'pssh' box; tracks: "
                    f"{[(t.handler, t.codec, t.scheme) for t in layout.tracks]}", path)
    if layout.moov_parsed and not layout.video_tracks:
        audio = [t for t in layout.tracks if t.handler == "soun"]
        if audio:
            name = _AUDIO_NAMES.get(audio[0].codec, audio[0].codec or "unknown")
            message = f"This file has no video track, only audio ({name})."
        else:
            message = "This file has no video track."
        raise _fail("VIDEO_UNPROCESSABLE", message,
                    f"tracks by handler: {[t.handler for t in layout.tracks]}", path)
    if layout.truncated_box:
        missing = layout.missing_bytes
        share = 100.0 * missing / max(1, layout.declared_end)
        raise _fail("VIDEO_CORRUPTED",
                    f"This video is incomplete: the file is cut short ({share:.0f}% of its data is missing).",
                    f"'{layout.truncated_box}' box ends {missing} bytes past the end of the file "
                    f"({layout.file_size} of {layout.declared_end} bytes present)", path)


def _first_frame_error(codec: str, fourcc: str, path: str) -> AppError:
    if codec in _DECODABLE:
        return _fail("VIDEO_CORRUPTED",
                     f"This {codec} video is damaged: its first frame cannot be decoded.",
                     f"grab()/retrieve() failed on frame 0 (fourcc {fourcc!r})", path)
    return _fail("VIDEO_UNSUPPORTED_CODEC",
                 f"This video uses the {codec} codec, which the app cannot decode.",
                 f"the bundled FFmpeg decoded no frame (fourcc {fourcc!r})", path)


def _duration(track: isobmff.Track | None, layout: isobmff.Layout | None, frames: int, fps: float) -> float:
    """The video track's own duration, as edited: the movie's may include a longer
    audio track, and a trimmed clip's media still holds the cut-off frames."""
    if track is not None:
        known = [d for d in (track.edit_s, track.duration_s) if d]
        if known:
            return min(known)
    if layout is not None and layout.duration_s:
        return layout.duration_s
    return frames / fps if fps else 0.0


@contextmanager
def open_video(path: str, size: int, sniffed: Sniffed) -> Iterator[Opened]:
    """Check the structure, open one capture and decode the first frame."""
    layout = None
    if sniffed.is_isobmff:
        with open(path, "rb") as fh:
            layout = isobmff.read_layout(fh, size)
        check_layout(layout, path)
    track = layout.video_tracks[0] if layout else None
    with open_capture(path) as cap:
        if not cap.isOpened():
            if track is not None:
                raise _first_frame_error(codec_name(track.codec), track.codec, path)
            raise _fail("VIDEO_UNPROCESSABLE",
                        f"No video track the app can open was found in this {sniffed.what} file.",
                        "FFmpeg could not open a video stream", path)
        fourcc = fourcc_text(cap.get(cv2.CAP_PROP_FOURCC)) or (track.codec if track else "")
        codec = codec_name(track.codec if track and track.codec else fourcc)
        frame = None
        if cap.grab():
            ok, frame = cap.retrieve()
            frame = frame if ok and frame is not None and frame.size else None
        if frame is None:
            raise _first_frame_error(codec, fourcc, path)
        fps = cap.get(cv2.CAP_PROP_FPS)
        fps = fps if math.isfinite(fps) and 0 < fps < 1000 else 0.0
        counted = cap.get(cv2.CAP_PROP_FRAME_COUNT)
        counted = int(counted) if math.isfinite(counted) and counted > 0 else 0
        frames = int(track.presented_samples or 0) if track else 0
        frames = frames or counted
        duration = _duration(track, layout, frames, fps)
        meta = cap.get(cv2.CAP_PROP_ORIENTATION_META)
        rotation = (int(meta) % 360 if math.isfinite(meta) else 0) or (track.rotation if track else 0)
        info = MediaInfo(
            path=path, size=size, container=sniffed.what, codec=codec, fourcc=fourcc,
            width=int(frame.shape[1]), height=int(frame.shape[0]), fps=round(fps, 3),
            frame_count=frames, duration_s=round(duration, 3), rotation=rotation,
            has_audio=any(t.handler == "soun" for t in layout.tracks) if layout else None,
            header_frame_count=frames,
        )
        yield Opened(info, cap, frame, layout)


@dataclass
class PassResult:
    frames: int  # frames decoded, including the first
    last_ms: float  # timestamp of the last decoded frame


def decode_pass(
    cap: cv2.VideoCapture,
    *,
    total: int,
    on_frame: Callable[[int, cv2.VideoCapture], None] | None = None,
    progress: Callable[[int, int], None] | None = None,
    cancel: threading.Event | None = None,
    path: str | None = None,
    stage: str = STAGE,
) -> PassResult:
    """Grab every remaining frame (the first is already grabbed); ``on_frame`` may
    ``retrieve()`` the ones it wants. Cancellation is checked at every frame."""
    frames = 1
    last_ms = cap.get(cv2.CAP_PROP_POS_MSEC)
    next_report = time.monotonic() + 0.1
    while True:
        if cancel is not None and cancel.is_set():
            raise AppError("CANCELLED", "cancelled during decoding", file=path, stage=stage)
        if not cap.grab():
            break
        last_ms = cap.get(cv2.CAP_PROP_POS_MSEC)
        if on_frame is not None:
            on_frame(frames, cap)
        frames += 1
        if progress is not None and time.monotonic() >= next_report:
            progress(frames, max(total, frames))
            next_report = time.monotonic() + 0.1
    if progress is not None:
        progress(frames, max(total, frames))
    return PassResult(frames, last_ms)


def check_complete(info: MediaInfo, result: PassResult) -> None:
    """Raise VIDEO_CORRUPTED when fewer frames decode than the header promises."""
    promised = info.header_frame_count
    missing = promised - result.frames
    # MP4/MOV count their samples exactly; other containers' counts are duration x
    # frame rate estimates (MPEG-TS even guesses duration from bitrate), so allow more
    # slack there rather than call a good file damaged.
    slack = 0.03 if info.container in (MP4, QUICKTIME) else 0.10
    if promised <= 0 or missing <= max(2, slack * promised):
        return
    decoded_s = result.last_ms / 1000.0 + (1.0 / info.fps if info.fps else 0.0)
    raise _fail(
        "VIDEO_CORRUPTED",
        f"This video is damaged or cut short: only {result.frames} of its {promised} frames "
        f"({decoded_s:.1f} s of {info.duration_s:.1f} s) could be decoded.",
        f"decoded {result.frames} frames, header promises {promised}; last frame at "
        f"{result.last_ms:.0f} ms",
        info.path,
    )
