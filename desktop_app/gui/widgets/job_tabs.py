"""The Queue · Failed (n) · Completed (n) tabs, with their counts in the labels."""

from __future__ import annotations

import time

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QTableView, QTabWidget, QVBoxLayout, QWidget

# A tab label whose width changes relayouts the tab widget and its 5,000-row table;
# during a large drop the counts change every turn, so the labels follow at most this
# often (and at once when idle).
COUNTS_INTERVAL_MS = 300
_NAMES = ("Queue", "Failed", "Completed")


class JobTabs(QTabWidget):
    def __init__(self, queue: QTableView, failed: QWidget, completed: QTableView,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Job lists")
        queue_page = QWidget()
        layout = QVBoxLayout(queue_page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(queue)
        hint = QLabel("Drop video files or folders anywhere on this window, or press Ctrl+O.")
        hint.setEnabled(False)
        layout.addWidget(hint)
        for page, name in zip((queue_page, failed, completed), _NAMES, strict=True):
            self.addTab(page, f"{name} (0)")
        self._counts = (0, 0, 0)
        self._counts_timer = QTimer(self)
        self._counts_timer.setSingleShot(True)
        self._counts_timer.setInterval(COUNTS_INTERVAL_MS)
        self._counts_timer.timeout.connect(self._show_counts)
        self._counts_shown_at = 0.0

    def set_counts(self, queue: int, failed: int, completed: int) -> None:
        self._counts = (queue, failed, completed)
        if self._counts_timer.isActive():
            return
        wait_ms = COUNTS_INTERVAL_MS - (time.monotonic() - self._counts_shown_at) * 1000
        if wait_ms <= 0:
            self._show_counts()
        else:
            self._counts_timer.start(int(wait_ms) + 1)

    def _show_counts(self) -> None:
        self._counts_shown_at = time.monotonic()
        for i, (name, n) in enumerate(zip(_NAMES, self._counts, strict=True)):
            text = f"{name} ({n})"
            if self.tabText(i) != text:
                self.setTabText(i, text)
