"""The running sha256 of a tus upload, computed on a worker thread that may lag behind.

A PATCH must answer only once its bytes are written and its ``Upload-Checksum`` is
verified; the upload's sha256 is needed only when the upload is finished. So the
sha256 of a chunk is not waited for at the end of its PATCH: it goes on while the
client sends the next chunk. On a CPU without SHA extensions sha256 (~235 MB/s) is
the slowest step of receiving, and waiting for its backlog at the end of every PATCH
(a few MiB, tens of ms) stalled the connection once per chunk.

Each PATCH works on a ``fork()`` (a copy of the hash state taken once every byte
before it is hashed), so a chunk that is rejected (checksum mismatch, cut off) is
dropped with its fork; the upload keeps the last accepted fork. A chain of forks shares
one ``Lane`` (see ``lanes.py``): a fork's first task runs after every block its base
queued, so it never waits, and no thread is started per PATCH.
"""

from __future__ import annotations

import hashlib
from collections import deque
from concurrent.futures import Future
from typing import Any

from desktop_app.server.lanes import Lane


def _done() -> Future[None]:
    fut: Future[None] = Future()
    fut.set_result(None)
    return fut


class RunningHash:
    def __init__(self, base: RunningHash | None = None) -> None:
        self._h: Any = hashlib.sha256() if base is None else None
        self._lane: Lane = base._lane if base is not None else Lane()
        self._tail: Future[Any] = _done()
        # blocks queued but not yet hashed, shared along the chain of forks so the
        # backlog stays bounded across PATCHes (a fork's blocks wait for its base's)
        self.queued: deque[Future[Any]] = base.queued if base is not None else deque()
        if base is not None:
            self._tail = self._submit(self._start, base)

    def _submit(self, fn: Any, *args: Any) -> Future[Any]:
        self._tail = self._lane.submit(fn, *args)
        return self._tail

    def _start(self, base: RunningHash) -> None:
        base._tail.result()  # done already (same lane, queued before); raises if it failed
        self._h = base._h.copy()

    def _update(self, chunks: list[Any]) -> None:
        for chunk in chunks:
            self._h.update(chunk)

    def fork(self) -> RunningHash:
        """A hash that continues from this one's bytes, for the next PATCH."""
        return RunningHash(self)

    def update(self, chunks: list[Any]) -> Future[Any]:
        """Queue ``chunks`` (not to be modified afterwards); the future is done once hashed."""
        fut = self._submit(self._update, chunks)
        self.queued.append(fut)
        return fut

    def digest(self) -> Future[bytes]:
        """The digest of everything queued so far, once it is hashed."""
        return self._submit(lambda: self._h.copy().digest())

    def hexdigest(self, timeout: float | None = None) -> str | None:
        """Blocks until every queued block is hashed; None if hashing failed (the
        caller then hashes the file instead)."""
        try:
            self._tail.result(timeout)
            return self._h.hexdigest()
        except Exception:  # noqa: BLE001 - any failure means: hash the file instead
            return None
