"""Request bodies: small JSON documents, and large uploads streamed to disk.

``DiskSink`` writes upload bytes to a file and hashes them on the way. Bytes are
gathered into ~1 MiB blocks and each block is hashed and written by a worker
thread (hashlib and file writes release the GIL) while the event loop receives
the next ones; at most a few MiB are held per upload, so memory stays flat no
matter how large the upload is.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
from collections import deque
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from desktop_app.server.errors import ApiError
from desktop_app.server.lanes import Lane
from desktop_app.server.runhash import RunningHash

JSON_LIMIT = 1024 * 1024
BLOCK = 1024 * 1024
MAX_PENDING = 6


async def read_json(stream: AsyncIterator[bytes], limit: int = JSON_LIMIT) -> dict[str, Any]:
    """The body as a JSON object, or a 400 naming what is wrong with it."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in stream:
        size += len(chunk)
        if size > limit:
            raise ApiError("INVALID_REQUEST", f"The JSON body is larger than {limit} bytes.")
        chunks.append(chunk)
    raw = b"".join(chunks)
    if not raw.strip():
        raise ApiError("INVALID_REQUEST", "The request needs a JSON body.")
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ApiError("INVALID_REQUEST", f"The body is not valid JSON ({exc.__class__.__name__} at "
                       f"position {getattr(exc, 'pos', getattr(exc, 'start', 0))}).") from None
    if not isinstance(data, dict):
        raise ApiError("INVALID_REQUEST", "The JSON body must be an object ({...}).")
    return data


class DiskSink:
    """Append bytes to ``path`` (from ``offset``), hashing them with ``hashers``.

    Received chunks are grouped into ~1 MiB blocks (a list of the chunks, no copy)
    and queued to this sink's two lanes (see ``lanes.py``), one hashing and one
    ``writev``-ing, each in order (hashing is the slow part; writing need not wait for it). Up to
    ``MAX_PENDING`` blocks may wait, so the event loop and the workers rarely wait
    for each other (each hand-off costs a thread wake-up, slow on a busy machine);
    past that the loop waits, which pauses reading from the socket: memory stays
    bounded at a few MiB per upload.

    ``running``: a tus upload's sha256, fed on its own thread (in parallel with
    ``hashers``) and not waited for by ``finish`` (see ``runhash.py``); only its
    backlog is bounded, like the others'.
    """

    def __init__(self, path: Path | str, offset: int = 0, hashers: list[Any] | None = None,
                 running: RunningHash | None = None) -> None:
        self.path = Path(path)
        self.hashers = hashers if hashers is not None else [hashlib.sha256()]
        # a tus chunk's crc32 (~0.15 ms per MiB) rides along with the write: one lane
        # hand-off per block instead of two (each costs a GIL round trip)
        self._with_write = bool(self.hashers) and all(
            getattr(h, "name", "") == "crc32" for h in self.hashers)
        self.running = running
        self.written = 0
        self._chunks: list[bytes | bytearray] = []
        self._size = 0
        self._pending: deque[asyncio.Future[Any]] = deque()
        self._hash_lane, self._write_lane = Lane(), Lane()
        flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_BINARY", 0)
        self._fd = os.open(self.path, flags, 0o600)
        os.lseek(self._fd, offset, os.SEEK_SET)
        self._closed = False

    def _hash_block(self, chunks: list[bytes | bytearray]) -> None:
        for h in self.hashers:
            for chunk in chunks:
                h.update(chunk)

    def _write_block(self, chunks: list[bytes | bytearray]) -> None:
        if hasattr(os, "writev"):
            views = [memoryview(c) for c in chunks]
            while views:
                n = os.writev(self._fd, views[:512])
                while views and n >= len(views[0]):
                    n -= len(views[0])
                    views.pop(0)
                if n:
                    views[0] = views[0][n:]
        else:
            for chunk in chunks:
                view = memoryview(chunk)
                while view:
                    view = view[os.write(self._fd, view):]

    def _write_and_hash(self, chunks: list[bytes | bytearray]) -> None:
        self._write_block(chunks)
        self._hash_block(chunks)

    def _submit(self) -> None:
        if self._chunks:
            chunks, self._chunks, self._size = self._chunks, [], 0
            if self._with_write:
                self._pending.append(asyncio.wrap_future(
                    self._write_lane.submit(self._write_and_hash, chunks)))
                if self.running is not None:
                    self.running.update(chunks)
                return
            writing = asyncio.wrap_future(self._write_lane.submit(self._write_block, chunks))
            if self.hashers:
                hashing = asyncio.wrap_future(self._hash_lane.submit(self._hash_block, chunks))
                self._pending.append(asyncio.gather(hashing, writing))
            else:
                self._pending.append(writing)
            if self.running is not None:
                self.running.update(chunks)

    async def _drain(self, keep: int) -> None:
        while len(self._pending) > keep:
            await self._pending.popleft()
        behind = self.running.queued if self.running is not None else deque()
        while len(behind) > keep:
            try:
                await asyncio.wrap_future(behind.popleft())
            except Exception:  # noqa: BLE001, S110 - the running hash reports it at the end
                pass

    async def write(self, data: bytes | bytearray) -> None:
        """``data`` must not be modified afterwards (it is written later, by the worker)."""
        if not data:
            return
        self._chunks.append(data)
        self._size += len(data)
        self.written += len(data)
        if self._size >= BLOCK:
            self._submit()
            await self._drain(MAX_PENDING)

    async def finish(self) -> None:
        """Write everything received so far and close the file."""
        self._submit()
        await self._drain_own()
        self.close()

    async def _drain_own(self) -> None:
        while self._pending:
            await self._pending.popleft()
        # the running hash's backlog is not waited for: nobody needs it before the
        # finish, and the next PATCH's writes count it against MAX_PENDING

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            os.close(self._fd)

    async def abandon(self) -> None:
        """Stop without writing the unqueued tail (blocks already queued are written)."""
        try:
            await self._drain_own()
        finally:
            # a failed block must not leave later ones writing to a closed (or reused) fd
            await asyncio.gather(*self._pending, return_exceptions=True)
            self._pending.clear()
            self.close()
