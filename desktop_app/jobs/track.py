"""One run of a job's side work as its upload sees it: the hand-over point between the
upload worker and the sha256 and analysis passes (``beside.py``).

The passes put their results here (``sha256``, ``analysis``) or their error; the upload
waits here, with its cancel token, for as long as it must: the sha256 a moment before
its first byte (``wait_hashed``), both at its finish call (``sha256_now``,
``analysis_now``). Exactly one party fails the job with a pass's error: the pass when
no upload holds the job, else the upload worker (``take_error``, under ``lock``).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from desktop_app.errors import AppError
from desktop_app.files import FileIdentity
from desktop_app.jobs.control import Control, Stale
from desktop_app.transfer.cancel import CancelToken


@dataclass
class Track:
    """One run of a job's side work, as its upload sees it."""

    job_id: str
    ident: FileIdentity
    sha256: str | None = None
    analysis: dict[str, Any] | None = None  # as stored: local keys included, no sha256
    error: AppError | None = None
    reported: bool = False  # someone took the error to fail the job with it
    upload: Control | None = None  # the upload worker's, while it holds the job
    stop: threading.Event = field(default_factory=threading.Event)
    hashed: threading.Event = field(default_factory=threading.Event)  # or failed, or stopped
    analysed: threading.Event = field(default_factory=threading.Event)  # the same
    started: set[str] = field(default_factory=set)  # passes begun (a pool may run one twice)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def analysing(self) -> bool:
        return not self.analysed.is_set()

    def sha256_now(self, cancel: CancelToken) -> str:
        self._wait(self.hashed, cancel)
        assert self.sha256 is not None
        return self.sha256

    def analysis_now(self, cancel: CancelToken) -> dict[str, Any]:
        """The analysis with the file's sha256, once both are known."""
        self._wait(self.analysed, cancel)
        assert self.analysis is not None
        return {**self.analysis, "sha256": self.sha256_now(cancel)}

    def wait_hashed(self, timeout: float, cancel: CancelToken) -> None:
        """Up to ``timeout`` for the sha256 pass (pause and cancel still act at once)."""
        deadline = time.monotonic() + timeout
        while not self.hashed.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            self.hashed.wait(min(0.1, left))
            cancel.raise_if_cancelled()
        self._check(cancel)

    def take_error(self) -> AppError | None:
        """A failed pass's error, for the one who fails the job with it (None: no
        error, or someone took it already)."""
        with self.lock:
            if self.error is None or self.reported:
                return None
            self.reported = True
            return self.error

    def _wait(self, event: threading.Event, cancel: CancelToken) -> None:
        while not event.wait(0.25):
            cancel.raise_if_cancelled()
        self._check(cancel)

    def _check(self, cancel: CancelToken) -> None:
        if self.error is not None:
            raise self.error
        if self.stop.is_set():
            # Stopped with its job: by a pause, a cancel or shutdown, which stop the
            # worker too (its CANCELLED settles the job), or by the job moving on.
            cancel.raise_if_cancelled()
            raise Stale()


def shared(analysis: dict[str, Any]) -> dict[str, Any]:
    """What the server gets: keys that describe this computer, not the video, left out."""
    return {k: v for k, v in analysis.items() if k not in ("file", "thumbnail_path")}
