"""A job table view: read-only rows, fixed column widths (5,000 rows are never measured)."""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from desktop_app.gui.models.table_model import JobTableModel


def make_table(model: JobTableModel, name: str, description: str = "") -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setAccessibleName(name)
    view.setAccessibleDescription(description)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)  # the rows are read-only
    view.setAlternatingRowColors(True)
    # Tab leaves the table (to the next control) instead of walking its cells.
    view.setTabKeyNavigation(False)
    view.setShowGrid(False)
    view.setWordWrap(False)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 10)
    # Fixed sizes: ResizeToContents would measure every one of 5,000 rows.
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    view.horizontalHeader().setStretchLastSection(True)
    view.setColumnWidth(0, 240)
    return view
