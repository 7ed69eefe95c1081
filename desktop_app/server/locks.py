"""One request at a time writes to (or finishes, or terminates) an upload: tusd's ``Locker``.

A client resuming after a connection it thinks is dead may find the server still
holding that old PATCH (no RST reached us). So a request that waits longer than
``WAIT_S`` asks the holder to let go (``request_unlock``: the PATCH's connection is
aborted, and it keeps the bytes it stored so far), then waits ``WAIT_S`` more; if the
upload is still busy the answer is 409 REQUEST_IN_PROGRESS.

``KeyedLocks`` is the plain lock per key underneath; sign-in uses it too, to take the
attempts for one name or address one at a time.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from desktop_app.server.errors import ApiError

WAIT_S = 5.0


@dataclass
class _Entry:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0  # holders and waiters; the entry is dropped when none are left
    request_unlock: Callable[[], None] | None = None


class KeyedLocks:
    """An ``asyncio.Lock`` per key, kept only while someone holds or waits for it."""

    def __init__(self) -> None:
        self._entries: dict[str, _Entry] = {}

    @asynccontextmanager
    async def entry(self, key: str) -> AsyncIterator[_Entry]:
        entry = self._entries.setdefault(key, _Entry())
        entry.users += 1
        try:
            yield entry
        finally:
            entry.users -= 1
            if entry.users == 0:
                self._entries.pop(key, None)

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        async with self.entry(key) as entry, entry.lock:
            yield

    def locked(self, key: str) -> bool:
        entry = self._entries.get(key)
        return entry is not None and entry.lock.locked()


class UploadLocks:
    def __init__(self, wait_s: float = WAIT_S) -> None:
        self.wait_s = wait_s
        self._keyed = KeyedLocks()

    @asynccontextmanager
    async def hold(self, upload_id: str, request_unlock: Callable[[], None] | None = None) -> AsyncIterator[None]:
        """Hold the upload's lock; ``request_unlock`` is how a later request asks us to let go."""
        async with self._keyed.entry(upload_id) as entry:
            await self._acquire(entry)
            entry.request_unlock = request_unlock
            try:
                yield
            finally:
                entry.request_unlock = None
                entry.lock.release()

    async def _acquire(self, entry: _Entry) -> None:
        for attempt in range(2):
            try:
                await asyncio.wait_for(entry.lock.acquire(), timeout=self.wait_s)
                return
            except TimeoutError:
                if attempt == 0 and entry.request_unlock is not None:
                    entry.request_unlock()
        raise ApiError("REQUEST_IN_PROGRESS", "Another request to this upload is still running; "
                       "re-read the offset with HEAD shortly and continue.", retry_after=1)

    def busy(self, upload_id: str) -> bool:
        return self._keyed.locked(upload_id)

    async def wait_idle(self, upload_id: str) -> None:
        """Wait (up to ``wait_s``) for the request holding the upload to end, without
        asking it to: a HEAD after a dropped connection then sees what that PATCH kept."""
        async with self._keyed.entry(upload_id) as entry:
            try:
                await asyncio.wait_for(entry.lock.acquire(), timeout=self.wait_s)
            except TimeoutError:
                return
            entry.lock.release()
