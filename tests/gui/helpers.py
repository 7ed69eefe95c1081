"""Driving the window like a user: drops built from QMimeData URLs, reading rows."""

from __future__ import annotations

import warnings
from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from desktop_app.gui.main_window import MainWindow
from desktop_app.gui.models.columns import Col, Tab
from desktop_app.jobs.model import JobState


def drop(window: MainWindow, paths: list[Path]) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    center = window.rect().center()
    with warnings.catch_warnings():  # PySide marks the QPoint overload, the only one, deprecated
        warnings.simplefilter("ignore", DeprecationWarning)
        enter = QDragEnterEvent(QPoint(center), Qt.DropAction.CopyAction, mime,
                                Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted(), "the window refused the drag"
    event = QDropEvent(QPointF(QPoint(center)), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, event)


def rows(window: MainWindow, tab: Tab) -> list[dict[str, str]]:
    """What the user sees in a tab: one dict per row, column title -> text."""
    model = window.rows.models[tab]
    out = []
    for r in range(model.rowCount()):
        out.append({c.value: model.index(r, i).data() or "" for i, c in enumerate(model.columns)})
    return out


def row_for(window: MainWindow, file_name: str) -> tuple[Tab, dict[str, str]] | None:
    for tab in Tab:
        for row in rows(window, tab):
            if row[Col.FILE.value] == file_name:
                return tab, row
    return None


def states(window: MainWindow) -> dict[str, JobState]:
    return {jid: r.job.state for jid, r in window.rows.rows.items()}


def all_finished(window: MainWindow, n: int) -> bool:
    s = states(window)
    return len(s) == n and all(v.finished for v in s.values())
