"""The window's size, layout and open tab, remembered between starts (state dir)."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QMainWindow, QSplitter, QTabWidget

from desktop_app import paths


def _qsettings() -> QSettings:
    return QSettings(str(paths.state_dir() / "window.ini"), QSettings.Format.IniFormat)


def save(window: QMainWindow, splitter: QSplitter, tabs: QTabWidget) -> None:
    s = _qsettings()
    s.setValue("geometry", window.saveGeometry())
    s.setValue("state", window.saveState())
    s.setValue("splitter", splitter.saveState())
    s.setValue("tab", tabs.currentIndex())


def restore(window: QMainWindow, splitter: QSplitter, tabs: QTabWidget) -> None:
    s = _qsettings()
    for key, restore_one in (("geometry", window.restoreGeometry), ("state", window.restoreState),
                             ("splitter", splitter.restoreState)):
        value = s.value(key)
        if isinstance(value, QByteArray):
            restore_one(value)
    tab = s.value("tab", 0, type=int)
    tabs.setCurrentIndex(tab if isinstance(tab, int) else 0)
