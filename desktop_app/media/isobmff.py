"""A small reader for the box structure of MP4 / QuickTime (ISO BMFF) files.

OpenCV only says "could not open" for an MP4 whose index is missing, whose only
track is audio or whose samples are encrypted. Reading the boxes ourselves (a few
kilobytes: the top-level headers plus the ``moov`` index, never the media data)
lets validation say which of those it is, and spot a file cut short without
decoding it.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import BinaryIO

# Containers whose children we walk while looking for tracks.
_CONTAINERS = {"trak", "mdia", "minf", "stbl", "edts", "dinf", "udta", "mvex", "sinf", "schi"}
_MAX_MOOV = 64 * 1024 * 1024  # an index bigger than this is not worth parsing for diagnostics
_ENCRYPTED_ENTRIES = {"encv", "enca", "encs", "enct", "drmi", "drms"}
# Raw bodies kept per track for the server's spot check (media/sampletable.py), which
# locates samples in the file and rebuilds a keyframes-only index from them.
_KEPT = {"tkhd", "mdhd", "stsd", "stts", "ctts", "stsc", "stsz", "stz2", "stco", "co64", "stss"}


@dataclass
class Track:
    handler: str = ""  # 'vide', 'soun', 'text', ...
    codec: str = ""  # sample entry type, e.g. 'avc1'; for encrypted entries the original format
    encrypted: bool = False
    scheme: str = ""  # 'cenc', 'cbcs', ... when encrypted
    rotation: int = 0  # degrees clockwise, from the track header matrix
    samples: int | None = None
    duration_s: float | None = None
    edit_s: float | None = None  # what the edit list presents (editors trim this way)
    boxes: dict[str, bytes] = field(default_factory=dict)  # raw bodies of the _KEPT boxes

    @property
    def presented_samples(self) -> int | None:
        """Samples a player shows: all of them, or the share the edit list keeps."""
        if not self.samples or not self.edit_s or not self.duration_s or self.edit_s >= self.duration_s:
            return self.samples
        return max(1, round(self.samples * self.edit_s / self.duration_s))


@dataclass
class Layout:
    """What the top-level boxes and the index say about the file."""

    file_size: int
    top_level: list[str] = field(default_factory=list)
    brands: list[str] = field(default_factory=list)
    has_moov: bool = False
    moov_parsed: bool = False  # False when the index was too big to read for diagnostics
    moov_truncated: bool = False
    has_pssh: bool = False
    fragmented: bool = False
    truncated_box: str | None = None  # a top-level box that runs past the end of the file
    declared_end: int = 0  # where the last box says the file ends
    garbage_at: int | None = None  # offset of bytes that are not a box header
    duration_s: float | None = None
    timescale: int = 0  # the movie's (mvhd), which edit lists are counted in
    tracks: list[Track] = field(default_factory=list)

    @property
    def video_tracks(self) -> list[Track]:
        return [t for t in self.tracks if t.handler == "vide"]

    @property
    def encrypted(self) -> bool:
        return self.has_pssh or any(t.encrypted for t in self.tracks)

    @property
    def missing_bytes(self) -> int:
        return max(0, self.declared_end - self.file_size)


def _fourcc(raw: bytes) -> str:
    return raw.decode("latin-1")


def _plausible_type(raw: bytes) -> bool:
    return all(32 <= b < 127 for b in raw)


def read_layout(fh: BinaryIO, file_size: int) -> Layout:
    """Walk the top-level boxes (seeking over media data) and parse ``moov``."""
    layout = Layout(file_size=file_size)
    offset = 0
    while offset + 8 <= file_size:
        fh.seek(offset)
        header = fh.read(16)
        if len(header) < 8:  # the file shrank while we read it
            break
        size, raw_type = struct.unpack(">I4s", header[:8])
        header_len = 8
        if size == 1 and len(header) >= 16:
            size = struct.unpack(">Q", header[8:16])[0]
            header_len = 16
        elif size == 0:  # "extends to the end of the file"
            size = file_size - offset
        if not _plausible_type(raw_type) or size < header_len:
            layout.garbage_at = offset
            break
        box = _fourcc(raw_type)
        layout.top_level.append(box)
        end = offset + size
        layout.declared_end = max(layout.declared_end, end)
        if end > file_size:
            layout.truncated_box = box
        if box == "ftyp":
            fh.seek(offset + header_len)
            body = fh.read(min(size - header_len, 256))
            if len(body) >= 8:
                layout.brands = [_fourcc(body[0:4])] + [
                    _fourcc(body[i:i + 4]) for i in range(8, len(body) - 3, 4)
                ]
        elif box == "moov":
            layout.has_moov = True
            if end > file_size:
                layout.moov_truncated = True
            elif size <= _MAX_MOOV:
                fh.seek(offset + header_len)
                _parse_moov(fh.read(size - header_len), layout)
                layout.moov_parsed = True
        elif box == "moof":
            layout.fragmented = True
        offset = end
    return layout


def _children(data: bytes, start: int, end: int):
    """Yield (type, body_start, body_end) for the boxes in data[start:end]."""
    pos = start
    while pos + 8 <= end:
        size, raw_type = struct.unpack(">I4s", data[pos:pos + 8])
        header_len = 8
        if size == 1:
            if pos + 16 > end:
                return
            size = struct.unpack(">Q", data[pos + 8:pos + 16])[0]
            header_len = 16
        elif size == 0:
            size = end - pos
        if size < header_len or pos + size > end:
            return
        yield _fourcc(raw_type), pos + header_len, pos + size
        pos += size


def _parse_moov(data: bytes, layout: Layout) -> None:
    for box, start, end in _children(data, 0, len(data)):
        if box == "mvhd":
            layout.duration_s = _header_duration(data, start, end)
            layout.timescale = _timescale(data, start, end)
        elif box == "pssh":
            layout.has_pssh = True
        elif box == "mvex":
            layout.fragmented = True
        elif box == "trak":
            track = Track()
            _parse_track(data, start, end, track, layout)
            layout.tracks.append(track)


def _header_duration(data: bytes, start: int, end: int) -> float | None:
    """Duration from an mvhd/mdhd body (version 0 or 1)."""
    if end - start < 24:
        return None
    version = data[start]
    if version == 1 and end - start >= 32:
        timescale, duration = struct.unpack(">IQ", data[start + 20:start + 32])
    else:
        timescale, duration = struct.unpack(">II", data[start + 12:start + 20])
    if not timescale or duration in (0, 0xFFFFFFFF, 0xFFFFFFFFFFFFFFFF):
        return None
    return duration / timescale


def _timescale(data: bytes, start: int, end: int) -> int:
    at = start + (20 if end > start and data[start] == 1 else 12)
    return struct.unpack(">I", data[at:at + 4])[0] if at + 4 <= end else 0


def _edit_seconds(data: bytes, start: int, end: int, timescale: int) -> float | None:
    """Total duration of the non-empty edits in an elst body, in seconds."""
    if not timescale or end - start < 8:
        return None
    version = data[start]
    count = struct.unpack(">I", data[start + 4:start + 8])[0]
    fmt, size = (">Qq", 20) if version == 1 else (">Ii", 12)
    total, pos = 0, start + 8
    for _ in range(min(count, (end - pos) // size)):
        duration, media_time = struct.unpack(fmt, data[pos:pos + struct.calcsize(fmt)])
        if media_time != -1:  # -1 is an empty edit: a delay, no frames
            total += duration
        pos += size
    return total / timescale if total else None


def _rotation(data: bytes, start: int, end: int) -> int:
    """Clockwise rotation from the tkhd matrix (a, b, c, d in 16.16 fixed point)."""
    version = data[start] if end > start else 0
    matrix_at = start + (52 if version == 1 else 40)
    if matrix_at + 36 > end:
        return 0
    a, b, _u, c, d = struct.unpack(">iiiii", data[matrix_at:matrix_at + 20])
    one = 1 << 16
    if (a, b, c, d) == (0, one, -one, 0):
        return 90
    if (a, b, c, d) == (-one, 0, 0, -one):
        return 180
    if (a, b, c, d) == (0, -one, one, 0):
        return 270
    return 0


def _parse_track(data: bytes, start: int, end: int, track: Track, layout: Layout) -> None:
    for box, s, e in _children(data, start, end):
        if box in _KEPT:
            track.boxes.setdefault(box, data[s:e])
        if box == "tkhd":
            track.rotation = _rotation(data, s, e)
        elif box == "hdlr" and e - s >= 12 and not track.handler:  # mdia's, not minf's data handler
            track.handler = _fourcc(data[s + 8:s + 12])
        elif box == "mdhd":
            track.duration_s = _header_duration(data, s, e)
        elif box == "stsd" and e - s >= 16:
            _parse_sample_entry(data, s + 8, e, track)
        elif box == "elst":
            track.edit_s = _edit_seconds(data, s, e, layout.timescale)
        elif box == "stsz" and e - s >= 12:
            track.samples = struct.unpack(">I", data[s + 8:s + 12])[0]
        elif box == "pssh":
            layout.has_pssh = True
        elif box in _CONTAINERS:
            _parse_track(data, s, e, track, layout)


def _parse_sample_entry(data: bytes, start: int, end: int, track: Track) -> None:
    for entry, s, e in _children(data, start, end):
        track.codec = entry
        if entry in _ENCRYPTED_ENTRIES:
            track.encrypted = True
        # Visual entries have 78 bytes of fields, audio entries 28, before child boxes.
        for skip in (78, 28):
            for box, cs, ce in _children(data, s + skip, e):
                if box == "sinf":
                    track.encrypted = True
                    _parse_sinf(data, cs, ce, track)
        return  # the first entry describes the track


def _parse_sinf(data: bytes, start: int, end: int, track: Track) -> None:
    for box, s, e in _children(data, start, end):
        if box == "frma" and e - s >= 4:
            track.codec = _fourcc(data[s:s + 4])
        elif box == "schm" and e - s >= 8:
            track.scheme = _fourcc(data[s + 4:s + 8])
