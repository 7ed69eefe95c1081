"""The server's check of a stored video: open and decode it at a fraction of a full decode.

The client has already decoded every frame (its analysis), so the reference
backend does what ingest services do, a probe that is cheap but still decodes:

1. the checks shared with the client (``validate.inspect_file``: file type,
   encryption; ``probe.open_video``: container structure, codec, first frame);
2. MP4 / MOV: the video track's sample tables are checked against the file
   (every sample must lie inside it: a file cut short, or one whose ``mdat``
   claims "to the end of the file", is found without decoding); H.264/HEVC
   samples must all be well-formed NAL units (``media/nalcheck.py``: reads every
   sample, decodes none, finds zeroed or overwritten data); then a few
   keyframes spread across the duration and the last keyframe with the samples
   after it (up to ``TAIL``) are decoded from a keyframes-only copy
   (``media/keyframes.py``): at most ``KEYFRAMES + TAIL - 1`` frames in all (13),
   the first included, however long the video; implausible composition offsets
   (``ctts``) are looked for too;
3. anything else (Matroska/WebM, AVI, MPEG-TS, fragmented MP4, an index too big
   to read) keeps the full decode, ``validate_file(deep=True)``: those containers
   have no sample table to check truncation against, and OpenCV's seek in them
   decodes a GOP or more per seek without a reliable end-of-data signal.

A keyframe that does not decode, a malformed sample, odd tables or a frame or two
past the end of the file are not judged by the probe: the full decode runs and its
verdict (the client's own rule) stands. So the probe fails a file only for a certain
cause (structure, first frame, many samples past the end of the file), never
because of a quirk of the keyframe copy.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field

import numpy as np

from desktop_app.errors import AppError
from desktop_app.media import isobmff
from desktop_app.media.capture import open_capture
from desktop_app.media.keyframes import keyframe_mp4
from desktop_app.media.nalcheck import first_malformed, nal_format
from desktop_app.media.probe import MediaInfo, open_video
from desktop_app.media.sampletable import SampleTable, check_within, presentation_ok, read_samples
from desktop_app.media.validate import FileFacts, decoder_errors, full_decode, inspect_file

__all__ = ["KEYFRAMES", "TAIL", "SpotCheck", "pick_samples", "spot_check"]

KEYFRAMES = 6  # keyframes spread over the duration, first and last included
TAIL = 8  # samples decoded from the last keyframe on


@dataclass(frozen=True)
class SpotCheck:
    info: MediaInfo
    method: str  # "keyframes" or "full-decode"
    frames_decoded: int  # decoder outputs counted, the first frame included
    frames_total: int  # the frames the header promises
    picks: tuple[int, ...] = field(default=())  # sample indices decoded from the keyframe copy
    reason: str = ""  # why the full decode ran, when it did


def pick_samples(table: SampleTable, keyframes: int = KEYFRAMES, tail: int = TAIL) -> list[int]:
    """Keyframes spread across the track, then the last keyframe and up to ``tail``
    samples from it in decode order (each later sample only refers to earlier ones
    of that run, so the run decodes on its own). The first keyframe is left out when
    it is not the tail's start: ``open_video`` already decoded it from the file."""
    sync = table.sync
    if sync.size == 0:
        return []
    spread = sync[np.unique(np.linspace(0, sync.size - 1, min(keyframes, sync.size)).round().astype(int))]
    last = int(sync[-1])
    picks = {int(i) for i in spread} | set(range(last, min(table.count, last + max(1, tail))))
    if int(sync[0]) != last and len(picks) > 1:
        picks.discard(int(sync[0]))
    return sorted(picks)


def _count_frames(path: str) -> int:
    with open_capture(path) as cap:
        frames = 0
        while cap.isOpened() and cap.grab():
            frames += 1
        return frames


def _keyframes(facts: FileFacts, info: MediaInfo, layout: isobmff.Layout | None) -> SpotCheck | str:
    """The MP4/MOV probe, or why it cannot judge the file (the full decode then runs).
    ``layout``: the structure ``open_video`` read and checked."""
    if layout is None or layout.fragmented or not layout.moov_parsed or not layout.video_tracks:
        return "fragmented MP4 or unread index"
    with open(facts.path, "rb") as fh:
        track = layout.video_tracks[0]
        try:
            table = read_samples(track, facts.path)
        except AppError as err:  # FFmpeg may still play an odd index: let the decode judge
            return f"sample tables unreadable: {err.detail}"
        if table is None:
            return "no sample table"
        # The full decode tolerates a few missing frames (probe.check_complete: 3% or 2
        # frames for MP4/MOV); a file cut that little is left to it, so client and server agree.
        if check_within(table, facts.size, info.duration_s, facts.path,
                        allowance=max(2, int(0.03 * table.count))):
            return "a few samples lie past the end of the file"
        if not presentation_ok(track, table, facts.path):
            return "composition offsets (ctts) are implausible"
        fmt = nal_format(track)
        bad = first_malformed(fh, table, fmt) if fmt else None
        if bad is not None:
            return f"sample {bad} ({table.seconds(bad):.1f} s) is not well-formed {info.codec} data"
        picks = pick_samples(table)
        if not picks:
            return "no keyframes listed"
        try:
            data = keyframe_mp4(fh, track, table, picks, layout.brands[0] if layout.brands else "",
                                facts.path)
        except AppError as err:
            return f"keyframe copy failed: {err.detail}"
    with tempfile.TemporaryDirectory(prefix="spot-check-") as tmp:
        copy = os.path.join(tmp, "keyframes.mp4")
        with open(copy, "wb") as out:
            out.write(data)
        decoded = _count_frames(copy)
    if decoded != len(picks):
        return f"{decoded} of {len(picks)} picked samples decoded (samples {picks})"
    return SpotCheck(info, "keyframes", 1 + decoded, table.count, tuple(picks))


def spot_check(path: str | os.PathLike[str]) -> SpotCheck:
    """Check the stored video at ``path``; raise ``AppError`` (422-class codes for
    videos that cannot be processed) like ``validate_file``."""
    facts = inspect_file(path, check_extension=False)
    with decoder_errors(facts.path), open_video(facts.path, facts.size, facts.sniffed) as opened:
        reason = (_keyframes(facts, opened.info, opened.layout) if facts.sniffed.is_isobmff
                  else f"{facts.sniffed.what} container")
        if isinstance(reason, SpotCheck):
            return reason
        full = full_decode(opened, facts.path)  # the same capture, past its first frame
    return SpotCheck(full, "full-decode", full.frame_count, full.header_frame_count, reason=reason)
