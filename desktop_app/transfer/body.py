"""Upload bodies streamed from disk: a fresh generator per attempt, never a replayed stream.

Each piece read is checked against the file's identity (size and mtime when the job
started), so a file modified mid-upload fails with FILE_CHANGED instead of sending a
mix of old and new bytes. Between pieces the cancel token is checked and the bandwidth
limiter consulted; ``on_bytes`` gets the byte count of every piece handed to the socket.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

from desktop_app.errors import AppError
from desktop_app.files import FileIdentity, sha256_of
from desktop_app.transfer.cancel import CancelToken
from desktop_app.transfer.limiter import BandwidthLimiter

PIECE = 1024 * 1024  # fewer Python steps and send() calls per GiB
LIMITED_PIECE = 64 * 1024  # under a bandwidth limit: smooth pacing and progress


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
                 piece: int | None = None) -> Iterator[bytes]:
    """Yield ``length`` bytes of the file from ``start``, piece by piece."""
    piece = piece or (PIECE if limiter is None else LIMITED_PIECE)
    ident.check("during the upload")
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
            left -= len(data)
            yield data
            if on_bytes is not None:
                on_bytes(len(data))


class WholeFileHash:
    """sha256 of the whole file, computed on a background thread while the upload runs
    (hashlib releases the GIL, so on two cores hashing costs the upload almost nothing).

    ``known``: the caller already hashed this file (the pipeline does, before uploading);
    only its identity (size, mtime) is checked again.

    Reading the file a second time costs little: the upload has just read it, so it is
    in the page cache.
    """

    def __init__(self, ident: FileIdentity, known: str | None = None,
                 cancel: CancelToken | None = None, *, enabled: bool = True) -> None:
        self.ident = ident
        self.known = known.lower() if known else (None if enabled else "")
        self._cancel = cancel
        self._stop = threading.Event()
        self._digest: str | None = None
        self._error: AppError | None = None
        self._thread: threading.Thread | None = None
        if self.known is None:
            self._thread = threading.Thread(target=self._run, name="sha256", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        cancel = self._cancel
        try:
            with open_file(self.ident) as fh:
                self._digest = sha256_of(fh, stopped=lambda: self._stop.is_set() or (
                    cancel is not None and cancel.cancelled))
        except AppError as err:
            self._error = err

    def close(self) -> None:
        """Stop hashing (the upload failed or was cancelled)."""
        self._stop.set()

    def finish(self) -> str:
        if self._thread is not None:
            while self._thread.is_alive():
                self._thread.join(0.2)
                if self._cancel is not None:
                    self._cancel.raise_if_cancelled()
            if self._error is not None:
                raise self._error
        self.ident.check("during the upload")  # modified while it was being sent or hashed?
        digest = self.known if self.known is not None else self._digest
        if digest is None:
            raise AppError("FILE_CHANGED", f"{self.ident.path} could not be hashed to the end.",
                           file=self.ident.path)
        return digest
