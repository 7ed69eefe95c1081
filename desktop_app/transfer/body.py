"""Upload bodies streamed from disk: a fresh generator per attempt, never a replayed stream.

Each piece read is checked against the file's identity (size and mtime when the job
started), so a file modified mid-upload fails with FILE_CHANGED instead of sending a
mix of old and new bytes. Between pieces the cancel token is checked and the bandwidth
limiter consulted; ``on_bytes`` gets the byte count of every piece handed to the socket.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from desktop_app.errors import AppError
from desktop_app.transfer.cancel import CancelToken
from desktop_app.transfer.limiter import BandwidthLimiter

PIECE = 256 * 1024


@dataclass(frozen=True)
class FileIdentity:
    path: str
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, path: str) -> FileIdentity:
        try:
            st = os.stat(path)
        except FileNotFoundError:
            raise AppError("FILE_NOT_FOUND", f"No file at {path}.", file=path) from None
        except PermissionError:
            raise AppError("FILE_UNREADABLE", f"Permission denied: {path}.", file=path) from None
        except OSError as exc:
            raise AppError("FILE_UNREADABLE", f"{exc.strerror}: {path}.", file=path) from None
        if not os.path.isfile(path):
            raise AppError("NOT_A_FILE", f"{path} is not a regular file.", file=path)
        return cls(path, st.st_size, st.st_mtime_ns)

    def check(self) -> None:
        """Raise FILE_CHANGED / FILE_NOT_FOUND when the file is no longer what we started with."""
        try:
            now = FileIdentity.of(self.path)
        except AppError:
            raise
        if (now.size, now.mtime_ns) != (self.size, self.mtime_ns):
            raise AppError("FILE_CHANGED", f"{self.path} was modified during the upload "
                           f"(size {self.size} -> {now.size}).", file=self.path)


def open_file(ident: FileIdentity):  # noqa: ANN201 - a binary file object
    try:
        return open(ident.path, "rb", buffering=0)
    except FileNotFoundError:
        raise AppError("FILE_NOT_FOUND", f"No file at {ident.path}.", file=ident.path) from None
    except OSError as exc:
        raise AppError("FILE_UNREADABLE", f"{exc.strerror}: {ident.path}.", file=ident.path) from None


def stream_range(ident: FileIdentity, start: int, length: int, *, cancel: CancelToken,
                 limiter: BandwidthLimiter | None = None,
                 on_bytes: Callable[[int], None] | None = None,
                 feed: Callable[[int, bytes], None] | None = None,
                 piece: int = PIECE) -> Iterator[bytes]:
    """Yield ``length`` bytes of the file from ``start``, piece by piece."""
    ident.check()
    with open_file(ident) as fh:
        fh.seek(start)
        left = length
        while left > 0:
            cancel.raise_if_cancelled()
            data = fh.read(min(piece, left))
            if not data:
                raise AppError("FILE_CHANGED", f"{ident.path} became shorter during the upload.",
                               file=ident.path)
            if limiter is not None:
                limiter.take(len(data), cancel)
            if feed is not None:
                feed(start + length - left, data)
            left -= len(data)
            yield data
            if on_bytes is not None:
                on_bytes(len(data))


def range_digest(ident: FileIdentity, start: int, length: int, algorithm: str,
                 feed: Callable[[int, bytes], None] | None = None) -> bytes:
    """Digest of a byte range (for ``Upload-Checksum``); ``feed`` sees the bytes too."""
    h = hashlib.new(algorithm)
    with open_file(ident) as fh:
        fh.seek(start)
        pos, left = start, length
        while left > 0:
            data = fh.read(min(1 << 20, left))
            if not data:
                raise AppError("FILE_CHANGED", f"{ident.path} became shorter during the upload.",
                               file=ident.path)
            h.update(data)
            if feed is not None:
                feed(pos, data)
            pos += len(data)
            left -= len(data)
    return h.digest()


class WholeFileHash:
    """sha256 of the file, computed from the bytes as they are first read in order;
    ``finish()`` reads whatever was never read (e.g. a resumed upload's prefix)."""

    def __init__(self, ident: FileIdentity) -> None:
        self.ident = ident
        self._h = hashlib.sha256()
        self._pos = 0

    def feed(self, offset: int, data: bytes) -> None:
        if offset == self._pos:
            self._h.update(data)
            self._pos += len(data)
        elif offset < self._pos < offset + len(data):
            self._h.update(data[self._pos - offset:])
            self._pos = offset + len(data)

    def finish(self) -> str:
        if self._pos < self.ident.size:
            with open_file(self.ident) as fh:
                fh.seek(self._pos)
                while data := fh.read(1 << 20):
                    self._h.update(data)
                    self._pos += len(data)
            self.ident.check()
        return self._h.hexdigest()
