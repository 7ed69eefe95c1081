"""A recorder for a FolderWatcher's callbacks: tests wait on conditions with deadlines."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from desktop_app.watch.folders import FolderStatus


class Ready:
    """``on_ready`` and ``on_status`` of a watcher: what was handed on, and when."""

    def __init__(self) -> None:
        self.calls: list[tuple[float, str, list[str]]] = []  # (monotonic, folder, paths)
        self.statuses: list[FolderStatus] = []
        self._cond = threading.Condition()

    def __call__(self, folder: str, paths: list[str]) -> None:
        with self._cond:
            self.calls.append((time.monotonic(), folder, list(paths)))
            self._cond.notify_all()

    def status(self, status: FolderStatus) -> None:
        with self._cond:
            self.statuses.append(status)
            self._cond.notify_all()

    def counts(self) -> Counter[str]:
        with self._cond:
            return Counter(p for _, _, paths in self.calls for p in paths)

    def when(self, path: str) -> float:
        with self._cond:
            return next(t for t, _, paths in self.calls if path in paths)

    def states(self, path: str) -> list[str]:
        with self._cond:
            return [s.state for s in self.statuses if s.path == path]

    def wait(self, predicate: Callable[[], Any], timeout: float = 30.0) -> None:
        with self._cond:
            ok = self._cond.wait_for(predicate, timeout)
        assert ok, f"not within {timeout} s; handed on: {dict(self.counts())}, " \
                   f"statuses: {self.statuses}"
