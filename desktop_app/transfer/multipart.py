"""The single-request upload for small files: ``multipart/form-data`` streamed from disk.

httpx reads the file object 64 KiB at a time; the reader below checks the cancel token,
applies the bandwidth limit and reports progress on each read.
A fresh reader (and file handle) is made for every attempt.
"""

from __future__ import annotations

import mimetypes
import os
from collections.abc import Callable
from typing import Any

from desktop_app.files import FileIdentity
from desktop_app.transfer.body import open_file
from desktop_app.transfer.cancel import CancelToken
from desktop_app.transfer.limiter import BandwidthLimiter


class _Reader:
    def __init__(self, ident: FileIdentity, cancel: CancelToken,
                 limiter: BandwidthLimiter | None,
                 progress: Callable[[int, int], None] | None) -> None:
        ident.check("during the upload")
        self.ident = ident
        self._fh = open_file(ident)
        self._cancel, self._limiter, self._progress = cancel, limiter, progress
        self._pos = 0

    def fileno(self) -> int:  # lets httpx compute Content-Length
        return self._fh.fileno()

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        self._pos = self._fh.seek(offset, whence)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def read(self, size: int = -1) -> bytes:
        self._cancel.raise_if_cancelled()
        data = self._fh.read(size)
        if not data:
            self._fh.close()
            return b""
        if self._limiter is not None:
            self._limiter.take(len(data), self._cancel)
        self._pos += len(data)
        if self._progress is not None:
            self._progress(self._pos, self.ident.size)
        return data

    def close(self) -> None:
        self._fh.close()

    def __del__(self) -> None:
        self._fh.close()


def multipart_kwargs(ident: FileIdentity, fields: dict[str, Any], *, cancel: CancelToken,
                     limiter: BandwidthLimiter | None = None,
                     progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    name = os.path.basename(ident.path)
    ctype = mimetypes.guess_type(name)[0] or "application/octet-stream"
    reader = _Reader(ident, cancel, limiter, progress)
    return {"files": {"video": (name, reader, ctype)},
            "data": {k: v for k, v in fields.items() if v is not None}}
