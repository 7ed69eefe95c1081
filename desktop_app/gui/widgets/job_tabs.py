"""The Queue · Failed (n) · Completed (n) tabs, with their counts in the labels.

The queue page shows the large drop target while the queue is empty and the table
once it has rows (``show_empty``); dragging files over the window highlights it.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QStackedWidget, QTableView, QTabWidget, QWidget

from desktop_app.gui.widgets.drop_target import DropTarget
from desktop_app.i18n import N_, _

# A tab label whose width changes relayouts the tab widget and its 5,000-row table;
# during a large drop the counts change every turn, so the labels follow at most this
# often (and at once when idle).
COUNTS_INTERVAL_MS = 300
_NAMES = (N_("Queue"), N_("Failed"), N_("Completed"))
_LABEL = N_("{name} ({count})")
_TIPS = (N_("Jobs not finished yet"), N_("Jobs that need you"), N_("Uploads stored on the server"))


class JobTabs(QTabWidget):
    def __init__(self, queue: QTableView, failed: QWidget, completed: QTableView,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(_("Job lists"))
        description = _("Queue, failed and completed uploads (Alt+1, Alt+2, Alt+3)")
        self.setAccessibleDescription(description)
        self.tabBar().setAccessibleName(_("Job lists"))
        self.tabBar().setAccessibleDescription(description)
        self.drop_target = DropTarget()
        self.queue_page = QStackedWidget()
        self.queue_page.addWidget(self.drop_target)
        self.queue_page.addWidget(queue)
        self._queue = queue
        for i, (page, name, tip) in enumerate(zip((self.queue_page, failed, completed), _NAMES,
                                                  _TIPS, strict=True)):
            self.addTab(page, _(_LABEL).format(name=_(name), count=0))
            self.setTabToolTip(i, _(tip) + f" (Alt+{i + 1})")  # read out as its description
        self._counts = (0, 0, 0)
        self._counts_timer = QTimer(self)
        self._counts_timer.setSingleShot(True)
        self._counts_timer.setInterval(COUNTS_INTERVAL_MS)
        self._counts_timer.timeout.connect(self._show_counts)
        self._counts_shown_at = 0.0

    def show_empty(self, empty: bool) -> None:
        """The drop target while the queue has no rows, the table once it has."""
        page = self.drop_target if empty else self._queue
        if self.queue_page.currentWidget() is not page:
            shown = self.queue_page.currentWidget()
            had_focus = shown is not None and shown.hasFocus()
            self.queue_page.setCurrentWidget(page)
            if had_focus:
                (self.drop_target.files_button if empty else self._queue).setFocus()

    def set_counts(self, queue: int, failed: int, completed: int) -> None:
        self.show_empty(queue == 0)  # at once: the first row replaces the drop target
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
            text = _(_LABEL).format(name=_(name), count=n)
            if self.tabText(i) != text:
                self.setTabText(i, text)
