"""Where each video sample of an MP4 / MOV file lies, from its index (``stbl``).

A player finds frame *n* through the sample tables: its size (``stsz``), the chunk
that holds it (``stsc``) and the chunk's file offset (``stco``/``co64``); ``stss``
lists the keyframes. Checking those offsets against the file's size finds a file
cut short, or an index that points past the data, without decoding anything; the
keyframe list lets the server's spot check decode a few keyframes directly
(see ``media/spotcheck.py``).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np

from desktop_app.errors import AppError
from desktop_app.media.isobmff import Track

STAGE = "validate"
# Tables bigger than this (9 h at 60 fps) are left to the full decode: the arrays below
# cost ~50 bytes a sample, and a hostile count must not make the server allocate gigabytes.
MAX_SAMPLES = 2_000_000


@dataclass(frozen=True)
class SampleTable:
    offsets: np.ndarray  # int64 file offset of each sample, in decode order
    sizes: np.ndarray  # int64 byte size of each sample
    sync: np.ndarray  # 0-based indices of the keyframes (all samples when there is no stss)
    dts: np.ndarray  # int64 decode time of each sample, in ``timescale`` units
    timescale: int

    @property
    def count(self) -> int:
        return int(self.sizes.size)

    def seconds(self, index: int) -> float:
        return float(self.dts[index]) / self.timescale if self.timescale else 0.0


def _damaged(detail: str, path: str) -> AppError:
    return AppError("VIDEO_CORRUPTED", detail,
                    message="This video's index is damaged, so its frames cannot be found.",
                    file=path, stage=STAGE)


def _u32_array(body: bytes, at: int, count: int, what: str, path: str, width: int = 4) -> np.ndarray:
    """``count`` big-endian integers of ``width`` bytes from ``body[at:]``."""
    need = at + count * width
    if count < 0 or need > len(body):
        raise _damaged(f"'{what}' declares {count} entries but holds {(len(body) - at) // width}", path)
    dtype = ">u4" if width == 4 else ">u8"
    return np.frombuffer(body, dtype=dtype, count=count, offset=at).astype(np.int64)


def _count(body: bytes, at: int, what: str, path: str) -> int:
    if len(body) < at + 4:
        raise _damaged(f"'{what}' box is too short ({len(body)} bytes)", path)
    return struct.unpack(">I", body[at:at + 4])[0]


def _sizes(boxes: dict[str, bytes], path: str) -> np.ndarray:
    if "stsz" in boxes:
        body = boxes["stsz"]
        n = _count(body, 8, "stsz", path)
        fixed = _count(body, 4, "stsz", path)
        return np.full(n, fixed, np.int64) if fixed else _u32_array(body, 12, n, "stsz", path)
    body = boxes["stz2"]  # compact sizes: 4, 8 or 16 bits each
    n, field = _count(body, 8, "stz2", path), body[7] if len(body) > 7 else 0
    if field == 16:
        return np.frombuffer(body, ">u2", n, 12).astype(np.int64)
    if field == 8:
        return np.frombuffer(body, np.uint8, n, 12).astype(np.int64)
    if field == 4:
        packed = np.frombuffer(body, np.uint8, (n + 1) // 2, 12)
        return np.stack([packed >> 4, packed & 15], 1).reshape(-1)[:n].astype(np.int64)
    raise _damaged(f"'stz2' field size {field}", path)


def read_samples(track: Track, path: str) -> SampleTable | None:
    """The video track's sample table, or None when the file keeps its samples
    elsewhere (a fragmented MP4's ``moof`` boxes) or the index was not read."""
    b = track.boxes
    if not ("stsz" in b or "stz2" in b) or not ("stco" in b or "co64" in b) or "stsc" not in b:
        return None
    declared = _count(b["stsz"] if "stsz" in b else b["stz2"], 8, "stsz", path)
    if declared > MAX_SAMPLES:
        return None
    try:
        sizes = _sizes(b, path)
    except ValueError as exc:  # np.frombuffer on a short buffer
        raise _damaged(f"sample size table: {exc}", path) from exc
    n = sizes.size
    if n == 0:
        return None  # fragmented: the moov's tables are empty
    if "co64" in b:
        chunks = _u32_array(b["co64"], 8, _count(b["co64"], 4, "co64", path), "co64", path, 8)
    else:
        chunks = _u32_array(b["stco"], 8, _count(b["stco"], 4, "stco", path), "stco", path)
    runs = _u32_array(b["stsc"], 8, 3 * _count(b["stsc"], 4, "stsc", path), "stsc", path).reshape(-1, 3)
    first = runs[:, 0] - 1
    if runs.shape[0] == 0 or first[0] != 0 or np.any(np.diff(first) <= 0) or first[-1] >= chunks.size:
        raise _damaged(f"'stsc' runs {runs[:4].tolist()} do not fit {chunks.size} chunks", path)
    per_chunk = np.repeat(runs[:, 1], np.diff(np.append(first, chunks.size)))
    held = np.cumsum(per_chunk)  # samples in chunks 0..c; searched, never expanded
    if int(held[-1]) < n:
        raise _damaged(f"chunks hold {int(held[-1])} samples, 'stsz' lists {n}", path)
    chunk_of = np.searchsorted(held, np.arange(n), side="right")
    ends = np.cumsum(sizes)
    chunk_first = np.minimum(held - per_chunk, n)  # chunks past the last sample start at n
    before = np.concatenate(([0], ends))[chunk_first]  # bytes of samples before each chunk
    offsets = chunks[chunk_of] + (ends - sizes) - before[chunk_of]
    if "stss" in b:
        sync = _u32_array(b["stss"], 8, _count(b["stss"], 4, "stss", path), "stss", path) - 1
        sync = np.unique(sync[(sync >= 0) & (sync < n)])
    else:
        sync = np.arange(n)
    return SampleTable(offsets, sizes, sync, _decode_times(b, n, path), _timescale(b))


def _decode_times(b: dict[str, bytes], n: int, path: str) -> np.ndarray:
    if "stts" not in b:
        return np.zeros(n, np.int64)
    runs = _u32_array(b["stts"], 8, 2 * _count(b["stts"], 4, "stts", path), "stts", path).reshape(-1, 2)
    if runs.shape[0] == 0:
        return np.zeros(n, np.int64)
    run_of = np.minimum(np.searchsorted(np.cumsum(runs[:, 0]), np.arange(n), side="right"), runs.shape[0] - 1)
    return np.concatenate(([0], np.cumsum(runs[run_of, 1])[:-1]))


def presentation_ok(track: Track, table: SampleTable, path: str) -> bool:
    """Do the composition offsets (``ctts``) give each sample its own presentation
    time, near its decode time? Damage here leaves every sample's bytes intact but
    scrambles the order a player shows them in."""
    body = track.boxes.get("ctts")
    if body is None:
        return True
    try:
        runs = _u32_array(body, 8, 2 * _count(body, 4, "ctts", path), "ctts", path).reshape(-1, 2)
    except AppError:
        return False
    if runs.shape[0] == 0:
        return True
    run_of = np.searchsorted(np.cumsum(runs[:, 0]), np.arange(table.count), side="right")
    if run_of[-1] >= runs.shape[0]:
        return False  # fewer offsets than samples
    shift = runs[run_of, 1].astype(np.uint32).view(np.int32).astype(np.int64)  # signed in practice
    steps = np.diff(table.dts)
    typical = int(np.median(steps)) if steps.size else 1
    pts = table.dts + shift
    # B-frame delays are a few frames; 250 frames is far beyond any encoder's reordering.
    return bool(np.abs(shift).max() <= 250 * max(1, typical) and np.unique(pts).size == pts.size)


def _timescale(b: dict[str, bytes]) -> int:
    body = b.get("mdhd", b"")
    at = 20 if body[:1] == b"\x01" else 12
    return struct.unpack(">I", body[at:at + 4])[0] if len(body) >= at + 4 else 0


def check_within(table: SampleTable, file_size: int, duration_s: float, path: str,
                 allowance: int = 0) -> int:
    """How many samples lie (partly) past the end of the file; VIDEO_CORRUPTED when
    that is more than ``allowance``."""
    past = np.flatnonzero(table.offsets + table.sizes > file_size)
    if past.size <= allowance:
        return int(past.size)
    first = int(past[0])
    at_s = table.seconds(first)
    missing = int((table.offsets[past] + table.sizes[past]).max()) - file_size
    total = f" of {duration_s:.1f} s" if duration_s else ""
    raise AppError(
        "VIDEO_CORRUPTED",
        f"{past.size} of {table.count} video samples lie past the end of the file "
        f"({file_size} bytes; the furthest ends {missing} bytes beyond it); first is sample {first}",
        message=f"This video is incomplete: the file is cut short, and its frames from "
                f"{at_s:.1f} s{total} on are missing.",
        file=path, stage=STAGE)
