"""Starting the core off the GUI thread, after the window is shown.

On a worker thread, ``wiring.build_core`` (``session.start_window``) builds the core:
the server (the embedded reference backend with a local user when no server is
configured), the signed-in client, the job store and the job manager. Heavy imports
(httpx, Starlette/uvicorn, cv2) happen there, never at GUI start.
"""

from __future__ import annotations

import logging
import os
import sys
import threading

from PySide6.QtCore import QObject, Signal

from desktop_app.errors import AppError
from desktop_app.gui.core import Core
from desktop_app.i18n import _
from desktop_app.jobs.api import EventCallback
from desktop_app.settings import Settings
from desktop_app.system.api import OsHooks

log = logging.getLogger(__name__)


WORKER_NICENESS = 5


def lower_thread_priority() -> None:
    """Make the calling thread (and, on Linux, every thread it starts later) yield the
    CPU to the GUI thread: when analysis and uploads saturate the cores, the window
    still gets the CPU first. Linux only (there a thread id is a schedulable entity)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        tid = threading.get_native_id()
        current = os.getpriority(os.PRIO_PROCESS, tid)
        os.setpriority(os.PRIO_PROCESS, tid, min(19, current + WORKER_NICENESS))
    except OSError:
        pass


class BackendStarter(QObject):
    ready = Signal(object)  # Core
    failed = Signal(str)

    def __init__(self, settings: Settings, server_url: str | None,
                 on_event: EventCallback, parent: QObject | None = None, *,
                 os_hooks: OsHooks | None = None) -> None:
        super().__init__(parent)
        self.os_hooks = os_hooks  # the window's network monitor (gui/desktop/network.py)
        self.settings = settings
        self.server_url = server_url
        self.on_event = on_event
        self.core: Core | None = None
        self._thread: threading.Thread | None = None
        self._stopping = False

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="core-start", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        lower_thread_priority()  # inherited by the manager's pools and the embedded server
        try:
            from desktop_app.gui.wiring import build_core

            core = build_core(self.settings, self.server_url, self.on_event,
                              os_hooks=self.os_hooks)
        except AppError as err:
            log.warning("core failed to start: %s", err)
            self.failed.emit(_("Could not start: {message} ({code})").format(
                message=err.shown_message, code=err.code))
            return
        except Exception:
            log.exception("core failed to start")
            self.failed.emit(_("Could not start (UNEXPECTED_ERROR); see the log."))
            return
        if self._stopping:  # the window closed while we were starting
            core.stop()
            return
        self.core = core
        self.ready.emit(core)

    def stop(self) -> None:
        self._stopping = True
        if self._thread is not None:
            self._thread.join(30)
        if self.core is not None:
            self.core.stop()
            self.core = None
