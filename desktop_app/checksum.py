"""Per-chunk ``Upload-Checksum`` algorithms, shared by the client and the reference server: hashlib's, plus ``crc32``.

A chunk's checksum only has to catch bytes damaged in transit; the end-to-end check is
the whole file's sha256, compared with the server's when the upload finishes. CRC-32
is built for exactly that kind of error and is ~3x cheaper than sha1 here (1.7 GB/s vs
0.5 GB/s on a CPU without SHA extensions), and on a 2-core machine every CPU cycle the
client spends is one the server cannot. Its digest is the 4-byte big-endian CRC
(zlib's polynomial, as in gzip and zip), base64-encoded like the others.
"""

from __future__ import annotations

import hashlib
from typing import Any

try:  # zlib-ng's crc32 uses the CPU's carry-less multiply: ~2.5x zlib's here, same values
    from zlib_ng.zlib_ng import crc32 as _crc32
except ImportError:  # pragma: no cover - a platform without a zlib-ng wheel
    from zlib import crc32 as _crc32

# most preferred first; a server's Tus-Checksum-Algorithm picks from these
PREFERENCE = ("crc32", "sha1", "sha256")


class Crc32:
    name = "crc32"

    def __init__(self, value: int = 0) -> None:
        self._value = value

    def update(self, data: Any) -> None:
        self._value = _crc32(data, self._value)  # releases the GIL on large buffers

    def digest(self) -> bytes:
        return self._value.to_bytes(4, "big")

    def copy(self) -> Crc32:
        return Crc32(self._value)


def supported(name: str) -> bool:
    return name == "crc32" or name in hashlib.algorithms_available


def new_checksum(name: str) -> Any:
    """A hashlib-like object (update/digest/copy) for ``name``."""
    return Crc32() if name == "crc32" else hashlib.new(name)
