"""``python main.py [--server URL] [FILE...]``: the window.

Start-up order keeps the window fast (shown within ~1.5 s): Qt and the GUI
modules only, then the window is shown, and only then the core (httpx, the
embedded server, cv2 via the manager's workers) starts on a background thread
(``startup.BackendStarter``). Files given on the command line, dropped, or handed
over by a second ``main.py FILE...`` are held until the manager is ready.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import time
from typing import cast

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from desktop_app import APP_DISPLAY_NAME, APP_NAME
from desktop_app import settings as settings_mod
from desktop_app.gui.desktop import single_instance
from desktop_app.gui.dialogs.crash import install_excepthook
from desktop_app.gui.dialogs.factory import Dialogs
from desktop_app.gui.main_window import MainWindow
from desktop_app.gui.startup import BackendStarter
from desktop_app.gui.theme import language
from desktop_app.gui.threads.bridge import EventBridge
from desktop_app.i18n import _, ngettext, resources_dir

log = logging.getLogger(__name__)

# Set by benchmarks: print "window-shown <epoch seconds>" and quit once the window is up.
BENCH_ENV = "VIDEO_UPLOADER_BENCH_STARTUP"


class _FirstPaint(QObject):
    """Benchmarks: report when the window first paints, then quit."""

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Paint:
            heavy = [m for m in ("cv2", "httpx", "uvicorn", "starlette") if m in sys.modules]
            print(f"window-shown {time.time():.6f} heavy-modules={','.join(heavy) or 'none'}",
                  flush=True)
            obj.removeEventFilter(self)
            QTimer.singleShot(0, QApplication.quit)
        return False


def _quit_on_signals(window: MainWindow) -> None:
    """Ctrl+C in the terminal or a SIGTERM (logout) closes the window cleanly: no
    question asked, every job stays in the store and resumes next start."""

    def close(_signum: int, _frame: object) -> None:
        QTimer.singleShot(0, window.close_without_asking)

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, close)
    # Python runs signal handlers only between bytecodes: wake the interpreter regularly.
    timer = QTimer(window)
    timer.timeout.connect(lambda: None)
    timer.start(250)


def make_app() -> QApplication:
    # instance() is typed as the core application; in this process it is always the widgets one.
    app = cast(QApplication, QApplication.instance()
               or QApplication([sys.argv[0] if sys.argv else APP_NAME]))
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_DISPLAY_NAME)
    app.setOrganizationName(APP_NAME)
    app.setDesktopFileName(APP_NAME)
    icon = QIcon()
    for size in (16, 24, 32, 48, 64, 128, 256):  # the tray and window icon (packaging/make_icons.py)
        icon.addFile(str(resources_dir() / "icons" / f"{APP_NAME}-{size}.png"))
    app.setWindowIcon(icon)
    return app


def run_gui(args: argparse.Namespace) -> int:
    files = [os.path.abspath(f) for f in (getattr(args, "files", None) or [])]
    app = make_app()
    settings = settings_mod.load()
    language.apply(app, settings.language)
    if single_instance.hand_off(files):
        print(ngettext("Handed {n} file to the open window.",
                       "Handed {n} files to the open window.", len(files)).format(n=len(files))
              if files else _("The window is already open."))
        return 0
    instance = single_instance.InstanceServer()
    if not instance.listen():
        log.warning("single-instance socket unavailable; a second start opens another window")

    bridge = EventBridge()
    dialogs = Dialogs()
    window = MainWindow(settings, bridge, dialogs)
    def show_crash(details: str) -> None:
        from desktop_app.gui.dialogs.crash import CrashDialog

        dialogs.show(CrashDialog(details, window))

    restore_hook = install_excepthook(show_crash)

    def receive(handed: list[str]) -> None:
        window.add_paths(handed)
        window.showNormal()
        window.raise_()
        window.activateWindow()

    instance.files_received.connect(receive)
    if settings.start_minimized:
        window.showMinimized()
    else:
        window.show()
    if os.environ.get(BENCH_ENV):
        window.installEventFilter(_FirstPaint(window))
    if files:
        window.add_paths(files)

    _quit_on_signals(window)
    from desktop_app.gui.desktop.network import QtNetworkMonitor
    from desktop_app.system.api import OsHooks

    network = QtNetworkMonitor(window)  # loaded once the window is up (GUI thread)
    starter = BackendStarter(settings, getattr(args, "server", None), bridge.post,
                             os_hooks=OsHooks(network=network))
    starter.ready.connect(window.set_backend)
    starter.failed.connect(window.status.set_starting_failed)
    if not os.environ.get(BENCH_ENV):
        QTimer.singleShot(0, network.load)
        QTimer.singleShot(0, starter.start)
    try:
        rc = app.exec()
    finally:
        instance.close()
        window.intake.wait()
        starter.stop()  # stops the manager (jobs stay in the store) and the embedded server
        bridge.stop()
        restore_hook()
    return int(rc)
