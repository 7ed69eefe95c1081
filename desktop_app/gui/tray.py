"""Desktop notifications through the system tray, when the desktop has one."""

from __future__ import annotations

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QStyle, QSystemTrayIcon, QWidget


class Tray:
    """Shows a tray icon and balloon messages; remembers what it said (``history``),
    which also lets tests check notifications where no tray exists (offscreen)."""

    def __init__(self, window: QWidget) -> None:
        self.history: list[tuple[str, str]] = []
        self.icon: QSystemTrayIcon | None = None
        self._window = window

    def show_icon(self) -> None:
        """After the window is shown (asking the desktop for a tray costs start-up time)."""
        window = self._window
        if self.icon is None and QSystemTrayIcon.isSystemTrayAvailable():
            icon = window.windowIcon()
            if icon.isNull():
                icon = window.style().standardIcon(QStyle.StandardPixmap.SP_ArrowUp)
            self.icon = QSystemTrayIcon(QIcon(icon), window)
            self.icon.setToolTip(window.windowTitle())
            self.icon.activated.connect(lambda _reason: (window.showNormal(), window.activateWindow()))
            self.icon.show()

    def notify(self, title: str, message: str, warning: bool = False) -> None:
        self.history.append((title, message))
        if self.icon is not None and QSystemTrayIcon.supportsMessages():
            kind = (QSystemTrayIcon.MessageIcon.Warning if warning
                    else QSystemTrayIcon.MessageIcon.Information)
            self.icon.showMessage(title, message, kind, 8000)

    def hide(self) -> None:
        if self.icon is not None:
            self.icon.hide()
