"""The batch's progress on the task-bar / dock icon, where the platform has an API for it.

- Linux: the Unity LauncherEntry D-Bus signal (read by GNOME's Dash to Dock / Ubuntu Dock,
  KDE Plasma's task manager, Unity, Latte): a progress bar over the app's launcher, keyed
  by its desktop entry (``video-uploader.desktop``).
- Everywhere Qt can (Qt 6.5+ ``setBadgeNumber``: the macOS dock, a Windows task-bar
  overlay, and the same LauncherEntry on Linux): the number of failed jobs as a badge.
- Windows' task-bar progress (ITaskbarList3) is not driven: Qt 6 dropped QtWinExtras, and
  reaching the COM interface from Python would need comtypes or hand-made vtables for a
  platform this project cannot build or run yet.
"""

from __future__ import annotations

import sys

from PySide6.QtGui import QGuiApplication

from desktop_app import APP_NAME

LAUNCHER_PATH = "/com/canonical/unity/launcherentry/video_uploader"
LAUNCHER_INTERFACE = "com.canonical.Unity.LauncherEntry"
APP_URI = f"application://{APP_NAME}.desktop"


def launcher_properties(percent: int | None) -> dict[str, object]:
    """The LauncherEntry ``Update`` properties: progress 0-1, hidden when idle."""
    if percent is None:
        return {"progress-visible": False}
    return {"progress": max(0, min(100, percent)) / 100.0, "progress-visible": True}


class TaskbarProgress:
    def __init__(self) -> None:
        self._percent: int | None = None
        self._badge = 0
        self._bus = None
        if sys.platform.startswith("linux"):
            try:
                from PySide6.QtDBus import QDBusConnection
            except ImportError:  # no QtDBus in this build: no launcher progress
                return
            bus = QDBusConnection.sessionBus()
            self._bus = bus if bus.isConnected() else None

    def set_progress(self, percent: int | None) -> None:
        """The batch's percentage, or None when nothing is under way."""
        if percent == self._percent:
            return
        self._percent = percent
        if self._bus is not None:
            from PySide6.QtDBus import QDBusMessage

            signal = QDBusMessage.createSignal(LAUNCHER_PATH, LAUNCHER_INTERFACE, "Update")
            signal.setArguments([APP_URI, launcher_properties(percent)])
            self._bus.send(signal)

    def set_badge(self, failed: int) -> None:
        if failed != self._badge:
            self._badge = failed
            app = QGuiApplication.instance()
            if isinstance(app, QGuiApplication) and hasattr(app, "setBadgeNumber"):
                app.setBadgeNumber(failed)
