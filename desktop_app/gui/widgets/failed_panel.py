"""The Failed tab: every job that needs the user, with what to do about it.

Reads the same rows as the queue, which come from the job store, so failures
persist across restarts until removed.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QToolBar, QToolButton, QVBoxLayout, QWidget

from desktop_app.gui import plain
from desktop_app.gui.dialogs.error import ErrorInfo, details_text
from desktop_app.gui.models.table_model import JobTableModel
from desktop_app.gui.widgets.job_table import make_table
from desktop_app.i18n import N_, _
from desktop_app.jobs.model import Job

# key, text (with its mnemonic), what it does, shortcut (active while the panel has focus)
_ACTIONS = (
    ("retry", N_("&Retry"), N_("Retry the selected jobs from the stage that failed"),
     "Ctrl+Shift+R"),
    ("retry_all", N_("Retry a&ll"), N_("Retry every failed job"), ""),
    ("remove", N_("Re&move"), N_("Remove the selected jobs from the list"), "Del"),
    ("reselect", N_("Re-&select file…"), N_("Point the job at the file where it is now"),
     "Ctrl+L"),
    ("details", N_("Show &details"), N_("The full technical record"), "Ctrl+I"),
    ("copy", N_("&Copy details"), N_("Copy the technical record for support"), "Ctrl+C"),
    ("bundle", N_("&Export support bundle…"), N_("A zip for support, secrets redacted"),
     "Ctrl+E"),
    ("open", N_("&Open file location"), N_("Show the file in the file manager"),
     "Ctrl+Shift+L"),
)


class FailedPanel(QWidget):
    retry_requested = Signal(list)  # job ids
    retry_all_requested = Signal()
    remove_requested = Signal(list)
    reselect_requested = Signal(str)
    details_requested = Signal(str)
    bundle_requested = Signal(str)

    def __init__(self, model: JobTableModel, get_job: Callable[[str], Job | None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self._get_job = get_job
        self.view = make_table(model, _("Failed jobs"),
                               _("Jobs that need you: Enter shows what happened and what "
                                 "to do"))
        for col, width in ((1, 80), (2, 170), (3, 400), (4, 70), (5, 150)):
            self.view.setColumnWidth(col, width)
        # A tool bar, not a row of push buttons: when the window is narrow the last
        # actions fold into its overflow menu instead of forcing a minimum width.
        bar = QToolBar(_("Failed job actions"), self)
        bar.setAccessibleName(_("Failed job actions"))
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.buttons: dict[str, QToolButton] = {}
        slots = {"retry": self._retry, "retry_all": self.retry_all_requested.emit,
                 "remove": self._remove, "reselect": self._reselect, "details": self._details,
                 "copy": self.copy_details, "bundle": self._bundle, "open": self.open_location}
        for key, text, tip, keys in _ACTIONS:
            action = QAction(_(text), self)
            description = _(tip)
            if keys:
                # A tool button shows no mnemonic: each action has a shortcut instead,
                # while the panel has the focus (the main toolbar's keys stay theirs).
                action.setShortcut(QKeySequence(keys))
                action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
                native = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
                description = f"{description} ({native})"
            action.setToolTip(plain.tooltip(description))
            action.triggered.connect(lambda _=False, s=slots[key]: s())
            bar.addAction(action)
            self.addAction(action)  # its shortcut works from the table too
            button = bar.widgetForAction(action)
            button.setAccessibleName(_(text).replace("&", "").rstrip("…"))
            button.setAccessibleDescription(description)
            self.buttons[key] = button  # type: ignore[assignment]
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        layout.addWidget(bar)
        self.view.selectionModel().selectionChanged.connect(self._update_buttons)
        model.rowsInserted.connect(self._update_buttons)
        model.rowsRemoved.connect(self._update_buttons)
        # Enter or a double click (activation) shows what happened and what to do.
        self.view.activated.connect(lambda _i: self._details())
        self._update_buttons()

    def selected_ids(self) -> list[str]:
        rows = sorted({i.row() for i in self.view.selectionModel().selectedRows()})
        return [self.model.job_id(r) for r in rows]

    def _update_buttons(self, *_args: object) -> None:
        n = len(self.selected_ids())
        for key in ("retry", "remove", "copy"):
            self.buttons[key].setEnabled(n > 0)
        for key in ("reselect", "details", "bundle", "open"):
            self.buttons[key].setEnabled(n == 1)
        self.buttons["retry_all"].setEnabled(self.model.rowCount() > 0)

    def _one(self) -> str | None:
        ids = self.selected_ids()
        return ids[0] if len(ids) == 1 else None

    def _retry(self) -> None:
        if ids := self.selected_ids():
            self.retry_requested.emit(ids)

    def _remove(self) -> None:
        if ids := self.selected_ids():
            self.remove_requested.emit(ids)

    def _reselect(self) -> None:
        if jid := self._one():
            self.reselect_requested.emit(jid)

    def _details(self) -> None:
        if jid := self._one():
            self.details_requested.emit(jid)

    def _bundle(self) -> None:
        if jid := self._one():
            self.bundle_requested.emit(jid)

    def copy_details(self) -> str:
        texts = []
        for jid in self.selected_ids():
            job = self._get_job(jid)
            if job is not None and job.failure is not None:
                texts.append(details_text(ErrorInfo(job.failure, job.file_name, job.job_id))
                             + "\n" + _("Path: {path}").format(path=job.path))
        text = "\n\n".join(texts)
        if text:
            QGuiApplication.clipboard().setText(text)
        return text

    def open_location(self) -> None:
        jid = self._one()
        job = self._get_job(jid) if jid else None
        if job is not None:
            folder = os.path.dirname(job.path)
            if os.path.isdir(folder):
                QDesktopServices.openUrl(QUrl.fromLocalFile(folder))
