"""The Completed tab's row action: "Upload again anyway" for a job that ended "Already on
the server" (the server had its bytes, so none were sent). Right-click a row, or the
action's shortcut; it is enabled only while such a row is selected."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QTableView

from desktop_app.gui import plain
from desktop_app.gui.models.table_model import JobTableModel
from desktop_app.i18n import _
from desktop_app.jobs.model import Job


class UploadAgainAction(QAction):
    def __init__(self, view: QTableView, get_job: Callable[[str], Job | None],
                 on_trigger: Callable[[list[str]], None]) -> None:
        super().__init__(_("&Upload again anyway"), view)
        self.setToolTip(plain.tooltip(_("The server already has this video's bytes: upload "
                                        "the file again all the same")))
        self._view, self._get_job = view, get_job
        view.addAction(self)
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.triggered.connect(lambda _=False: on_trigger(self.job_ids()))
        view.selectionModel().selectionChanged.connect(self._update)
        self._update()

    def job_ids(self) -> list[str]:
        """The selected rows that are "Already on the server"."""
        model = self._view.model()
        if not isinstance(model, JobTableModel):
            return []
        rows = sorted({i.row() for i in self._view.selectionModel().selectedRows()})
        ids = [model.job_id(r) for r in rows]
        return [jid for jid in ids if (job := self._get_job(jid)) is not None
                and job.already_on_server]

    def _update(self, *_args: object) -> None:
        self.setEnabled(bool(self.job_ids()))
