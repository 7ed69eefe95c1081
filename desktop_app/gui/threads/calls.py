"""Manager calls off the GUI thread.

Every manager call touches the job store (a committed SQLite transaction, an
fsync): cheap usually, tens of milliseconds under load, seconds for "Retry all"
over a thousand jobs. ``CallQueue`` runs them in order on one worker thread and
hands results back to the GUI thread through a queued signal, so a click never
freezes the window; the rows change when the manager's events arrive.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal

from desktop_app.errors import AppError

log = logging.getLogger(__name__)

_STOP = object()


class CallQueue(QObject):
    _result = Signal(object, object)  # callback, value (AppError on failure)
    failed = Signal(object)  # AppError from a call without its own callback

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._queue: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._result.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    def submit(self, fn: Callable[..., Any], *args: Any,
               on_done: Callable[[Any], None] | None = None) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="gui-manager-calls",
                                            daemon=True)
            self._thread.start()
        self._queue.put((fn, args, on_done))

    def _run(self) -> None:
        from desktop_app.gui.startup import lower_thread_priority

        lower_thread_priority()
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            fn, args, on_done = item
            try:
                value: Any = fn(*args)
            except AppError as err:
                value = err
            except Exception as exc:  # the worker boundary: log the bug, keep serving
                log.exception("manager call %s failed", getattr(fn, "__name__", fn))
                value = AppError("UNEXPECTED_ERROR", f"{type(exc).__name__}: {exc}")
            self._result.emit(on_done, value)

    def _deliver(self, on_done: Callable[[Any], None] | None, value: Any) -> None:
        if on_done is not None:
            on_done(value)
        elif isinstance(value, AppError):
            self.failed.emit(value)

    def stop(self, timeout: float = 10.0) -> None:
        """Finish what was asked (a retry clicked just before quitting still happens)."""
        if self._thread is not None and self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join(timeout)
        self._thread = None
