"""Is every H.264 / HEVC sample of an MP4 well-formed, judged without decoding it?

In MP4 each H.264/HEVC sample is a run of NAL units, each prefixed by its length
(1-4 bytes, from the ``avcC``/``hvcC`` record). A sample overwritten with zeros or
garbage almost never keeps that framing: its lengths stop adding up to the sample's
size, or a NAL header has its forbidden bit set or a type no encoder writes. Walking
the lengths reads every sample's bytes but decodes nothing, so the server's spot
check covers the frames it does not decode (``media/spotcheck.py``).
"""

from __future__ import annotations

import mmap
from typing import BinaryIO

from desktop_app.media.isobmff import Track
from desktop_app.media.sampletable import SampleTable


def nal_format(track: Track) -> tuple[int, bool] | None:
    """(length-prefix size, is HEVC) for an H.264/HEVC track, else None."""
    entry = track.boxes.get("stsd", b"")
    for kind, at, hevc in ((b"avcC", 4, False), (b"hvcC", 21, True)):
        i = entry.find(kind)
        if i >= 0 and i + 4 + at < len(entry):
            return (entry[i + 4 + at] & 3) + 1, hevc
    return None


def _sample_ok(data: bytes | mmap.mmap, start: int, end: int, size: int, hevc: bool) -> bool:
    pos, nals = start, 0
    while pos + size <= end:
        length = int.from_bytes(data[pos:pos + size], "big")
        if length == 0:  # padding: only zeros may follow, after at least one NAL
            return nals > 0 and not any(data[pos:end])
        pos += size
        if pos + length > end:
            return False
        head = data[pos]
        if head & 0x80:  # forbidden_zero_bit
            return False
        if hevc:
            if length < 2 or (data[pos + 1] & 7) == 0:  # nuh_temporal_id_plus1 must not be 0
                return False
        elif head & 0x1F == 0:  # nal_unit_type 0 is never written by an encoder
            return False
        pos += length
        nals += 1
    return nals > 0 and not any(data[pos:end])


def first_malformed(fh: BinaryIO, table: SampleTable, fmt: tuple[int, bool]) -> int | None:
    """Index of the first sample whose NAL framing is broken, or None.
    The samples must lie within the file (``sampletable.check_within``)."""
    size, hevc = fmt
    with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
        for i, (offset, length) in enumerate(zip(table.offsets.tolist(), table.sizes.tolist(), strict=True)):
            if not _sample_ok(data, offset, offset + length, size, hevc):
                return i
    return None
