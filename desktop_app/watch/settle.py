"""When a file that is being copied or recorded into a watched folder is complete.

A file is *settled* once its size and mtime stayed the same for ``settle_s`` seconds since
they were last seen to change (every file-system event on it, and every look at it,
starts the count again) and, where the OS can tell (``writers.py``), no process holds it
open for writing. Then it is handed on once; it becomes a candidate again only if its size
or mtime change later (a file overwritten in place is a new upload).

Plain logic on a clock: ``folders.FolderWatcher`` feeds it events and asks it, under its
own lock, what is due.
"""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

WRITER_RECHECK_S = 1.0  # a file still open for writing is looked at again this soon

Identity = tuple[int, int]  # (size, mtime_ns)
WriterCheck = Callable[[Iterable[str]], "set[str] | None"]


def identity_of(path: str) -> Identity | None:
    """(size, mtime_ns) of a regular file; None when it is gone or not a file."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns) if stat.S_ISREG(st.st_mode) else None


@dataclass
class _Candidate:
    seen: Identity
    due: float


class Settle:
    def __init__(self, settle_s: float, writers: WriterCheck,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.settle_s = settle_s
        self._writers = writers
        self._clock = clock
        self._pending: dict[str, _Candidate] = {}
        self._handed: dict[str, Identity] = {}  # what was handed on, as it was then

    def touch(self, path: str) -> bool:
        """The file changed (or was seen): start its count again. False when there is
        nothing to wait for (gone, or handed on as it is now)."""
        ident = identity_of(path)
        if ident is None:
            self._pending.pop(path, None)
            return False
        if self._handed.get(path) == ident:
            self._pending.pop(path, None)
            return False
        self._pending[path] = _Candidate(ident, self._clock() + self.settle_s)
        return True

    def known(self, path: str) -> bool:
        """Pending, or handed on as it is now (a rescan need not touch it)."""
        if path in self._pending:
            return True
        handed = self._handed.get(path)
        return handed is not None and handed == identity_of(path)

    def forget(self, path: str) -> None:
        self._pending.pop(path, None)

    def forget_under(self, folder: str) -> None:
        """Drop the candidates of a folder that went away (their files with it)."""
        prefix = folder.rstrip(os.sep) + os.sep
        for path in [p for p in self._pending if p.startswith(prefix)]:
            del self._pending[path]

    @property
    def pending(self) -> int:
        return len(self._pending)

    def next_due(self) -> float | None:
        return min((c.due for c in self._pending.values()), default=None)

    def take_settled(self) -> list[str]:
        """The files due now that are complete (handed on: not returned again unless they
        change); the others are rescheduled."""
        now = self._clock()
        stable: list[str] = []
        for path, cand in list(self._pending.items()):
            if cand.due > now:
                continue
            ident = identity_of(path)
            if ident is None:
                del self._pending[path]
            elif ident != cand.seen:
                self._pending[path] = _Candidate(ident, now + self.settle_s)
            else:
                stable.append(path)
        if not stable:
            return []
        busy = self._writers(stable) or set()
        settled = []
        for path in stable:
            if path in busy:
                self._pending[path].due = now + WRITER_RECHECK_S
            else:
                self._handed[path] = self._pending.pop(path).seen
                settled.append(path)
        return sorted(settled)
