"""The manager's events, carried from worker threads to the GUI thread.

The manager calls ``EventBridge.post(event)`` from any thread. Events are queued
under a lock and one queued ``wake`` signal is emitted per burst, so 5,000
``JobAdded`` events arrive as one batch (one ``beginInsertRows``) instead of
5,000 signal deliveries. Progress events are coalesced per job and flushed by a
timer at ~10 Hz, which caps repaints per row however fast the workers report (per job
and stage: an upload and the analysis beside it each keep their latest).
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from desktop_app.jobs.model import JobProgress

PROGRESS_INTERVAL_MS = 100


class EventBridge(QObject):
    wake = Signal()
    # Delivered on the GUI thread, in order: a list of non-progress events.
    events = Signal(list)
    # Delivered on the GUI thread at most every PROGRESS_INTERVAL_MS:
    # {"job_id/stage": JobProgress} (a string key: the dict crosses as a QVariantMap).
    progress = Signal(dict)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lock = threading.Lock()
        self._pending: list[object] = []  # the manager's Events
        self._progress: dict[str, JobProgress] = {}
        self._woken = False
        self.wake.connect(self._drain, Qt.ConnectionType.QueuedConnection)
        self._timer = QTimer(self)
        self._timer.setInterval(PROGRESS_INTERVAL_MS)
        self._timer.timeout.connect(self._flush_progress)
        self._timer.start()

    def post(self, event: object) -> None:
        """Thread-safe; the manager's ``on_event`` callback."""
        with self._lock:
            if isinstance(event, JobProgress):
                self._progress[f"{event.job_id}/{event.stage.value}"] = event
                return
            self._pending.append(event)
            if self._woken:
                return
            self._woken = True
        self.wake.emit()

    def _drain(self) -> None:
        with self._lock:
            batch, self._pending = self._pending, []
            self._woken = False
        if batch:
            self.events.emit(batch)

    def _flush_progress(self) -> None:
        with self._lock:
            if not self._progress:
                return
            batch, self._progress = self._progress, {}
        self.progress.emit(batch)

    def stop(self) -> None:
        self._timer.stop()
