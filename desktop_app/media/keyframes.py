"""A small MP4 holding only chosen samples of a video track, to decode them directly.

OpenCV's frame seek (``CAP_PROP_POS_FRAMES``) is frame-accurate: it seeks to the
keyframe at or before *target - 16* and decodes forward, so seeking to keyframe
*k* decodes the whole GOP before it (measured: seeking to frame 250 of a 300-frame
1080p clip cost as much as decoding 294 frames). Instead the chosen samples' bytes
are copied into a new file whose index lists just them, each keyframe a sync
sample: FFmpeg then decodes exactly those samples, one decode each, for any codec
the MP4 can carry.
"""

from __future__ import annotations

import struct
from typing import BinaryIO

from desktop_app.errors import AppError
from desktop_app.media.isobmff import Track
from desktop_app.media.sampletable import SampleTable

_MAX_SAMPLE = 32 * 1024 * 1024  # one compressed frame larger than this is not a frame
_MAX_TOTAL = 128 * 1024 * 1024  # what the copy may hold in memory
_MATRIX = struct.pack(">9i", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)


def _box(kind: bytes, *parts: bytes) -> bytes:
    body = b"".join(parts)
    return struct.pack(">I4s", 8 + len(body), kind) + body


def _full(kind: bytes, flags: int, *parts: bytes) -> bytes:
    return _box(kind, struct.pack(">I", flags & 0xFFFFFF), *parts)


def _read_samples(src: BinaryIO, table: SampleTable, picks: list[int], path: str) -> list[bytes]:
    out = []
    total = int(table.sizes[picks].sum())
    if total > _MAX_TOTAL:
        raise AppError("VIDEO_CORRUPTED", f"picked samples hold {total} bytes",
                       message="This video's index is damaged, so its frames cannot be found.",
                       file=path, stage="validate")
    for i in picks:
        offset, size = int(table.offsets[i]), int(table.sizes[i])
        src.seek(offset)
        data = src.read(size) if 0 < size <= _MAX_SAMPLE else b""
        if len(data) != size or not data:
            raise AppError("VIDEO_CORRUPTED",
                           f"sample {i}: {size} bytes at offset {offset}, read {len(data)}",
                           message="This video's index is damaged, so its frames cannot be found.",
                           file=path, stage="validate")
        out.append(data)
    return out


def _moov(track: Track, table: SampleTable, picks: list[int], sizes: list[int], data_at: int) -> bytes:
    count = len(picks)
    scale = table.timescale or 1000
    delta = int(table.dts[1] - table.dts[0]) if table.count > 1 else 1
    delta = delta if 0 < delta < 1 << 31 else 1
    duration = min(count * delta, 0xFFFFFFFF)
    mvhd = _full(b"mvhd", 0, struct.pack(">IIII", 0, 0, scale, duration),
                 struct.pack(">IH", 0x10000, 0x100), bytes(10), _MATRIX, bytes(24), struct.pack(">I", 2))
    tkhd = (_box(b"tkhd", track.boxes["tkhd"]) if "tkhd" in track.boxes else
            _full(b"tkhd", 3, struct.pack(">IIIII", 0, 0, 1, 0, duration), bytes(16), _MATRIX, bytes(8)))
    mdhd = _full(b"mdhd", 0, struct.pack(">IIIIHH", 0, 0, scale, duration, 0x55C4, 0))
    hdlr = _full(b"hdlr", 0, struct.pack(">I", 0), b"vide", bytes(12), b"\0")
    dinf = _box(b"dinf", _full(b"dref", 0, struct.pack(">I", 1), _full(b"url ", 1)))
    vmhd = _full(b"vmhd", 1, bytes(8))
    sync_set = set(table.sync[(table.sync >= picks[0]) & (table.sync <= picks[-1])].tolist())
    sync = [n + 1 for n, i in enumerate(picks) if i in sync_set]
    offsets, at = [], data_at
    for size in sizes:
        offsets.append(at)
        at += size
    stbl = _box(
        b"stbl",
        _box(b"stsd", track.boxes["stsd"]),
        _full(b"stts", 0, struct.pack(">III", 1, count, delta)),
        _full(b"stsc", 0, struct.pack(">IIII", 1, 1, 1, 1)),
        _full(b"stsz", 0, struct.pack(f">II{count}I", 0, count, *sizes)),
        _full(b"co64", 0, struct.pack(f">I{count}Q", count, *offsets)),
        _full(b"stss", 0, struct.pack(f">I{len(sync)}I", len(sync), *sync)),
    )
    minf = _box(b"minf", vmhd, dinf, stbl)
    return _box(b"moov", mvhd, _box(b"trak", tkhd, _box(b"mdia", mdhd, hdlr, minf)))


def keyframe_mp4(src: BinaryIO, track: Track, table: SampleTable, picks: list[int],
                 brand: str, path: str) -> bytes:
    """An MP4 (or MOV, by ``brand``) whose only track holds samples ``picks`` (sorted,
    each run starting at a keyframe) of ``track``, read from ``src``."""
    samples = _read_samples(src, table, picks, path)
    sizes = [len(s) for s in samples]
    major = (brand or "isom").encode("latin-1")[:4].ljust(4)
    ftyp = _box(b"ftyp", major, struct.pack(">I", 0), major, b"isom")
    probe = _moov(track, table, picks, sizes, 0)  # co64 entries are fixed width: same length
    data_at = len(ftyp) + len(probe) + 16
    moov = _moov(track, table, picks, sizes, data_at)
    mdat = struct.pack(">I4sQ", 1, b"mdat", 16 + sum(sizes))
    return b"".join([ftyp, moov, mdat, *samples])
