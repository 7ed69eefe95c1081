"""One run of a job's side work as its upload sees it: the hand-over point between the
upload worker and the sha256 and analysis passes (``beside.py``).

The passes put their results here (``sha256``, ``analysis``) or their error; the upload
waits here, with its cancel token, for as long as it must: the sha256 a moment before
its first byte (``wait_hashed``), both at its finish call (``sha256_now``,
``analysis_now``). Exactly one party fails the job with a pass's error: the pass when
no upload holds the job, else the upload worker (``take_error``, under ``lock``).

The duplicate check (``duplicates.py``) is asked exactly once per upload run, by one
party, decided under ``lock``: the upload itself before its first byte when the sha256 is
known by then (``check_late`` False), else the sha256 pass the moment it is
(``late_check_due``, then ``late_found`` / ``late_checked``). The finish call waits for
that answer (``before_finish``), so a video the server already has is never created
twice; once the finish call is on its way a late answer no longer stops the upload.
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
from desktop_app.transfer.models import Video


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
    # The late duplicate check: the user to ask for while the upload runs without its
    # sha256 (None: no late check due); set while none runs or it has answered; the video
    # it found (the upload is stopped for it); the finish call is on its way.
    late_user: str | None = None
    late_done: threading.Event = field(default_factory=threading.Event)
    found: Video | None = None
    finishing: bool = False

    def __post_init__(self) -> None:
        self.late_done.set()

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

    # ---- the duplicate check -------------------------------------------------------------

    def check_late(self, user_id: str) -> bool:
        """The upload is about to send its first byte: True when its sha256 is not known
        yet, so the sha256 pass asks the server once it is (``late_check_due``); False:
        known, the upload asks now."""
        with self.lock:
            if self.sha256 is not None:
                return False
            self.late_user = user_id
            self.late_done.clear()
            return True

    def late_check_due(self, sha256: str) -> tuple[Control, str] | None:
        """The sha256 is known (the pass sets it here): the upload and the user to ask
        the server for, when the upload runs without having asked (the caller then asks
        and ends with ``late_checked``); None when nobody needs to ask now."""
        with self.lock:
            self.sha256 = sha256
            user, upload = self.late_user, self.upload
            self.late_user = None
            if user is None or upload is None or self.finishing or self.error is not None \
                    or self.stop.is_set() or upload.token.cancelled:
                self.late_done.set()
                return None
            return upload, user

    def late_checked(self, upload: Control, video: Video | None, stop_reason: str) -> bool:
        """The late check's answer for ``upload``: a video found stops that upload (with
        ``stop_reason``), unless it is gone, stopped or finishing meanwhile (the job is
        then done as uploaded, or settled by its stop). True when it was stopped."""
        with self.lock:
            stopped = (video is not None and self.upload is upload and not self.finishing
                       and self.error is None and not self.stop.is_set()
                       and not upload.token.cancelled)
            if stopped:
                self.found = video
                upload.stop(stop_reason)
            self.late_done.set()
            return stopped

    def before_finish(self, cancel: CancelToken) -> None:
        """Right before the finish call: waits for a late check's answer; from now on the
        upload is finished, whatever a late answer says. CANCELLED when it was stopped."""
        self._wait(self.late_done, cancel)
        with self.lock:
            self.finishing = True
        cancel.raise_if_cancelled()

    def take_found(self, upload: Control, stop_reason: str) -> Video | None:
        """The video the late check found, when it is what stopped ``upload``."""
        with self.lock:
            found = self.found
            if found is None or self.upload is not upload or upload.reason != stop_reason:
                return None
            self.found = None
            return found

    def let_go(self, upload: Control) -> None:
        """The upload worker leaves: a late check is not due for it any more."""
        with self.lock:
            if self.upload is upload:
                self.upload = None
                self.late_user = None
                self.late_done.set()
                self.finishing = False

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
