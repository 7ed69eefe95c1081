"""Desktop notifications through the system tray, when the desktop has one."""

from __future__ import annotations

import sys

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QStyle, QSystemTrayIcon, QWidget

from desktop_app.gui import plain

_FREEDESKTOP = ("linux", "freebsd", "openbsd", "netbsd")


def _bodies_are_markup() -> bool:
    """Whether Qt hands notifications to the freedesktop notification server, whose
    body is markup: it does (on these systems) when a StatusNotifier host is on the
    session bus; else its own balloon shows the body as plain text."""
    if not sys.platform.startswith(_FREEDESKTOP):
        return False
    try:
        from PySide6.QtDBus import QDBusConnection
    except ImportError:  # cannot tell: escaped text is readable either way, markup is not
        return True
    bus = QDBusConnection.sessionBus()
    interface = bus.interface() if bus.isConnected() else None
    if interface is None:
        return False
    reply = interface.isServiceRegistered("org.kde.StatusNotifierWatcher")
    return bool(reply.isValid() and reply.value())


class Tray:
    """Shows a tray icon and balloon messages; remembers what it said (``history``),
    which also lets tests check notifications where no tray exists (offscreen)."""

    def __init__(self, window: QWidget) -> None:
        self.history: list[tuple[str, str]] = []
        self.icon: QSystemTrayIcon | None = None
        self._window = window
        self._markup = False

    def show_icon(self) -> None:
        """After the window is shown (asking the desktop for a tray costs start-up time)."""
        window = self._window
        if self.icon is None and QSystemTrayIcon.isSystemTrayAvailable():
            icon = window.windowIcon()
            if icon.isNull():
                icon = window.style().standardIcon(QStyle.StandardPixmap.SP_ArrowUp)
            self.icon = QSystemTrayIcon(QIcon(icon), window)
            self.icon.setToolTip(plain.tooltip(window.windowTitle()))
            self.icon.activated.connect(self._raise_window)
            self.icon.show()
            self._markup = _bodies_are_markup()

    def _raise_window(self, _reason: object) -> None:
        self._window.showNormal()
        self._window.activateWindow()

    def notify(self, title: str, message: str, warning: bool = False) -> None:
        self.history.append((title, message))
        if self.icon is not None and QSystemTrayIcon.supportsMessages():
            kind = (QSystemTrayIcon.MessageIcon.Warning if warning
                    else QSystemTrayIcon.MessageIcon.Information)
            # The title (the notification's summary) is plain text everywhere.
            self.icon.showMessage(title, plain.notification(message, markup=self._markup),
                                  kind, 8000)

    def hide(self) -> None:
        if self.icon is not None:
            self.icon.hide()
