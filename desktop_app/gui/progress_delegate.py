"""Draws the Progress column as a native progress bar (no widget per row)."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (
    QApplication,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionProgressBar,
    QStyleOptionViewItem,
)

from desktop_app.gui.queue_model import PROGRESS_ROLE


class ProgressDelegate(QStyledItemDelegate):
    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        percent = index.data(PROGRESS_ROLE)
        if percent is None or percent < 0:
            super().paint(painter, option, index)
            return
        # Background and selection first, so a selected row stays highlighted.
        style = option.widget.style() if option.widget else QApplication.style()
        base = QStyleOptionViewItem(option)
        self.initStyleOption(base, index)
        base.text = ""
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, base, painter, option.widget)
        bar = QStyleOptionProgressBar()
        bar.rect = option.rect.adjusted(2, 3, -2, -3)
        bar.minimum = 0
        bar.maximum = 100
        bar.progress = int(percent)
        bar.text = f"{int(percent)} %"
        bar.textVisible = True
        # Drawn as an ordinary bar even in a selected row: the selection colours would
        # make the filled part and the text unreadable.
        bar.state = QStyle.StateFlag.State_Enabled | QStyle.StateFlag.State_Horizontal
        bar.palette = QApplication.palette(option.widget) if option.widget else QApplication.palette()
        style.drawControl(QStyle.ControlElement.CE_ProgressBar, bar, painter, option.widget)
