"""Adding files: folders are walked and jobs committed off the GUI thread.

Non-video files are skipped by extension (``media/formats``) and reported in one
summary line ("12 added, 3 skipped: not video files"), never a dialog per file.
Files that arrive before the job manager exists (dropped while the backend starts)
are held and added as soon as it is ready.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Qt, Signal

from desktop_app.errors import AppError
from desktop_app.i18n import _
from desktop_app.jobs.api import JobManagerAPI
from desktop_app.jobs.model import Job
from desktop_app.media.formats import VIDEO_SUFFIXES, suffix_of

log = logging.getLogger(__name__)

# A dropped folder of thousands is added in slices: each slice is one committed
# transaction and one burst of JobAdded events, and the pause between slices hands
# the GIL back, so neither this thread nor the window's row insertion holds the GUI
# thread for long.
ADD_CHUNK = 250
CHUNK_PAUSE_S = 0.005


@dataclass
class IntakeResult:
    added: list[Job] = field(default_factory=list)
    not_video: int = 0
    missing: int = 0
    error: str = ""

    def summary(self) -> str:
        parts = [_("{n} added").format(n=len(self.added))]
        skipped = []
        if self.not_video:
            skipped.append(_("{n} skipped: not video files").format(n=self.not_video))
        if self.missing:
            skipped.append(_("{n} skipped: not found").format(n=self.missing))
        text = ", ".join(parts + skipped)
        return f"{text}. {self.error}" if self.error else text


def collect(paths: Iterable[str]) -> tuple[list[str], int, int]:
    """Expand folders (recursively, sorted); returns (videos, not_video, missing)."""
    videos: list[str] = []
    not_video = missing = 0
    for raw in paths:
        path = os.path.abspath(raw)
        if os.path.isdir(path):
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if name.startswith("."):
                        continue
                    if suffix_of(name) in VIDEO_SUFFIXES:
                        videos.append(os.path.join(root, name))
                    else:
                        not_video += 1
        elif not os.path.exists(path):
            missing += 1
        elif suffix_of(path) in VIDEO_SUFFIXES:
            videos.append(path)
        else:
            not_video += 1
    return videos, not_video, missing


class FileIntake(QObject):
    finished = Signal(object)  # IntakeResult, on the GUI thread

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._manager: JobManagerAPI | None = None
        self._held: list[str] = []
        self._threads: list[threading.Thread] = []
        self._emit = _Emitter()
        self._emit.result.connect(self.finished, Qt.ConnectionType.QueuedConnection)

    def set_manager(self, manager: JobManagerAPI) -> None:
        self._manager = manager
        if self._held:
            held, self._held = self._held, []
            self.submit(held)

    def submit(self, paths: list[str], **job_options: str | None) -> None:
        if not paths:
            return
        if self._manager is None:
            self._held.extend(paths)
            return
        manager = self._manager
        self._threads = [t for t in self._threads if t.is_alive()]
        thread = threading.Thread(target=self._work, args=(manager, list(paths), job_options),
                                  name="file-intake", daemon=True)
        self._threads.append(thread)
        thread.start()

    def wait(self, timeout: float = 5.0) -> None:
        for t in self._threads:
            t.join(timeout)

    def _work(self, manager: JobManagerAPI, paths: list[str], options: dict) -> None:
        from desktop_app.gui.startup import lower_thread_priority

        lower_thread_priority()
        result = IntakeResult()
        try:
            videos, result.not_video, result.missing = collect(paths)
            if videos:
                opts = {k: v for k, v in options.items() if v}
                if len(videos) > ADD_CHUNK and not opts.get("session_id") \
                        and not getattr(manager, "default_session_id", ""):
                    # One upload session for the whole drop (sessions are keyed by title),
                    # as a single add_files call would make, even across a minute boundary.
                    from desktop_app.jobs.batch import batch_title

                    opts["batch_title"] = batch_title()
                for i in range(0, len(videos), ADD_CHUNK):
                    if i:
                        time.sleep(CHUNK_PAUSE_S)
                    result.added.extend(manager.add_files(videos[i:i + ADD_CHUNK], **opts))
        except AppError as err:
            result.error = f"{err.shown_message} ({err.code})"
        except Exception as exc:  # the worker boundary: log the bug, tell the user briefly
            log.exception("adding files failed")
            result.error = _("Could not add the files: {error} (UNEXPECTED_ERROR)").format(
                error=type(exc).__name__)
        self._emit.result.emit(result)


class _Emitter(QObject):
    result = Signal(object)
