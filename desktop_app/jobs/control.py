"""Per-job stop control for a running stage, and the crash-test hook.

``Control`` carries both a ``CancelToken`` (the transfer layer's) and a
``threading.Event`` (the analyser's), so one ``stop(reason)`` reaches whichever
the stage is in: "pause", "cancel" or "shutdown" (the job stays queued).
"""

from __future__ import annotations

import os
import sys
import threading
from dataclasses import dataclass, field

from desktop_app.transfer.cancel import CancelToken

TEST_HOOK_ENV = "VIDEO_UPLOADER_TEST_HOOK"  # tests only: "point[,point...]"


@dataclass
class Control:
    """Stops one job's running stage: the token for the transfer layer, the event
    for the analyser."""

    token: CancelToken = field(default_factory=CancelToken)
    event: threading.Event = field(default_factory=threading.Event)

    def stop(self, reason: str) -> None:
        self.token.cancel(reason)
        self.event.set()

    @property
    def reason(self) -> str:
        return self.token.reason or "cancel"


class Stale(Exception):
    """The job is no longer where this worker expected (paused, removed): drop it."""


def test_hook(point: str, detail: str = "") -> None:
    """Crash-safety tests park the process at a named point and SIGKILL it there.

    With ``VIDEO_UPLOADER_TEST_HOOK=point`` set, reaching the point prints
    ``TEST-HOOK point`` to stderr and blocks forever, so the test kills a process
    that is provably at that point instead of guessing with sleeps (only the thread
    that reaches it parks: the upload and the analysis run side by side). Points:
    queued (CLI, jobs committed), analysing (first analysis progress), both_running
    (a quarter of the bytes sent while the analysis still runs), mid_upload, after_finish.
    """
    points = os.environ.get(TEST_HOOK_ENV, "")
    if point in points.split(","):
        sys.stderr.write(f"TEST-HOOK {point} {detail}\n")
        sys.stderr.flush()
        threading.Event().wait()
