"""One tab's table: every cell's roles stored in Qt's own (C++) items.

Painting never calls into Python, because every call from Qt into Python waits for
the GIL while worker threads run Python (figures: tests/benchmarks/bench_gui_models.py
and bench_gui.py). The Python side writes a row's texts when the row arrives or
changes (the rows are few per event, and the GIL is already held then).
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QObject, Qt
from PySide6.QtGui import QPixmap, QStandardItem, QStandardItemModel

from desktop_app.gui import plain
from desktop_app.gui.models.columns import RIGHT_ALIGNED, Col, Row, cell_text, state_icon
from desktop_app.gui.models.progress_bar import DEFAULT_WIDTH, bar_pixmap
from desktop_app.gui.theme import icons
from desktop_app.i18n import _
from desktop_app.jobs.model import JobState

# After a removal, row lookups scan the ids this many times before the index is rebuilt.
_SCANS_BEFORE_REINDEX = 64
STATE_ICON_SIZE = 16
# Roles as plain ints: converting a Qt enum costs more than the item itself.
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_DECORATION_ROLE = int(Qt.ItemDataRole.DecorationRole)
_ACCESSIBLE_ROLE = int(Qt.ItemDataRole.AccessibleTextRole)
_ALIGN_ROLE = int(Qt.ItemDataRole.TextAlignmentRole)
_TIP_ROLE = int(Qt.ItemDataRole.ToolTipRole)


class JobTableModel(QStandardItemModel):
    """Rows in the order they came; ``rows`` is the window's shared ``job_id -> Row``."""

    def __init__(self, rows: dict[str, Row], columns: list[Col],
                 parent: QObject | None = None) -> None:
        super().__init__(0, len(columns), parent)
        self.setHorizontalHeaderLabels([_(c.value) for c in columns])
        self._rows = rows
        self.columns = columns
        self._col = {c: i for i, c in enumerate(columns)}
        self._ids: list[str] = []
        self._pos: dict[str, int] | None = {}
        self._scans = 0
        self._incoming: list[str] = []
        self._dirty: tuple[int, int, int, int] | None = None  # rows, columns changed
        self.bar_width = DEFAULT_WIDTH  # the Progress column's bars (set_bar_width)
        # The state icons in the palette in force (drawn once each; redraw() forgets them).
        self._state_icons: dict[JobState, QPixmap] = {}
        # Connected first, so the ids and cells are in place before any view's slots run.
        self.rowsInserted.connect(self._on_rows_inserted)
        self.rowsRemoved.connect(self._on_rows_removed)

    # -- row bookkeeping ---------------------------------------------------------------
    def job_id(self, row: int) -> str:
        return self._ids[row]

    def row_of(self, job_id: str) -> int | None:
        if self._pos is None:
            # After a removal: a scan (in C, from the top, where finished jobs leave) is
            # cheaper than rebuilding the index of 5,000 rows per finished job; the
            # index is rebuilt once lookups outnumber removals.
            self._scans += 1
            if self._scans <= _SCANS_BEFORE_REINDEX:
                try:
                    return self._ids.index(job_id)
                except ValueError:
                    return None
            self._pos = {jid: i for i, jid in enumerate(self._ids)}
        return self._pos.get(job_id)

    def append_jobs(self, job_ids: list[str]) -> None:
        if not job_ids:
            return
        # One rowsInserted for the batch; _on_rows_inserted fills the cells before any
        # other receiver (a view, a selection) hears of the rows.
        self._incoming = job_ids
        self.insertRows(len(self._ids), len(job_ids))

    def _on_rows_inserted(self, _parent: QModelIndex, first: int, last: int) -> None:
        job_ids, self._incoming = self._incoming, []
        if len(job_ids) != last - first + 1:
            return  # not ours (never happens: rows are only added by append_jobs)
        self._ids[first:first] = job_ids
        if last + 1 < len(self._ids):
            self._pos, self._scans = None, 0  # rows after them shifted (never: appended)
        elif self._pos is not None:
            for i, jid in enumerate(job_ids, first):
                self._pos[jid] = i
        rows = self._rows
        # Cell by cell with the model's signals held: a dataChanged per cell would cost
        # the views thousands of updates per batch, and the receivers still to come
        # hear of the rows (already filled) from this same rowsInserted.
        self.blockSignals(True)
        try:
            for i, jid in enumerate(job_ids, first):
                self._write(i, rows[jid], self.columns, fresh=True)
        finally:
            self.blockSignals(False)

    def remove_job(self, job_id: str) -> None:
        row = self.row_of(job_id)
        if row is not None:
            self.flush()  # the pending rows are numbered before this removal
            self.removeRows(row, 1)

    def _on_rows_removed(self, _parent: QModelIndex, first: int, last: int) -> None:
        del self._ids[first:last + 1]
        self._pos, self._scans = None, 0  # rows after them shifted (see row_of)

    def rewrite(self, job_id: str, columns: list[Col] | None = None) -> None:
        """Rewrite the row's cells; the views hear of it at ``flush``."""
        row_n = self.row_of(job_id)
        row = self._rows.get(job_id)
        if row_n is None or row is None:
            return
        cols = self.columns if columns is None else [c for c in columns if c in self._col]
        if not cols:
            return
        self.blockSignals(True)
        try:
            self._write(row_n, row, cols, fresh=False)
        finally:
            self.blockSignals(False)
        idx = [self._col[c] for c in cols]
        d = self._dirty
        self._dirty = ((row_n, row_n, min(idx), max(idx)) if d is None else
                       (min(d[0], row_n), max(d[1], row_n), min(d[2], *idx), max(d[3], *idx)))

    def set_bar_width(self, width: int) -> None:
        """The Progress column is this wide now (in bar steps): its bars follow."""
        if width != self.bar_width:
            self.bar_width = width
            self.redraw([Col.PROGRESS])

    def redraw(self, columns: list[Col] | None = None) -> None:
        """Draw the cells' pictures again (a new palette or bar width): the state icons
        and the bars. One pass over the rows, on a rare event."""
        cols = [c for c in (columns or [Col.FILE, Col.PROGRESS]) if c in self._col]
        self._state_icons.clear()
        bars_only = cols == [Col.PROGRESS]
        for job_id in self._ids:
            if not (bars_only and self._rows[job_id].percent is None):
                self.rewrite(job_id, cols)
        self.flush()

    def flush(self) -> None:
        """One dataChanged for every row changed since the last flush: each emit from
        Python can wait a switch interval for the GIL to come back."""
        d, self._dirty = self._dirty, None
        if d is not None:
            self.dataChanged.emit(self.index(d[0], d[2]), self.index(d[1], d[3]))

    def _write(self, row_n: int, row: Row, cols: list[Col], *, fresh: bool) -> None:
        """Store the row's cells; an empty cell of a new row gets no item at all (the
        File cell always has one: its tooltip is the full path)."""
        job = row.job
        for col in cols:
            text = cell_text(row, col)
            c = self._col[col]
            item = None if fresh else self.item(row_n, c)
            is_file = col is Col.FILE
            if item is None:
                if not text and not is_file:
                    continue
                item = QStandardItem()
                if col in RIGHT_ALIGNED:
                    item.setData(_RIGHT, _ALIGN_ROLE)
                self.setItem(row_n, c, item)
            # A tooltip is rich text when it looks like markup: paths and server text
            # are shown as the characters they are.
            item.setData(plain.tooltip(job.path if is_file else text), _TIP_ROLE)
            if col is Col.PROGRESS:
                # The bar (with its "42 %") is the cell's picture; the text stays for
                # screen readers and the tooltip.
                pct = row.percent
                item.setData(None if pct is None else bar_pixmap(pct, self.bar_width),
                             _DECORATION_ROLE)
                item.setData(text, _ACCESSIBLE_ROLE)
            else:
                item.setText(text)  # a cell's display text is always painted as plain text
                if is_file:  # the row's state at a glance (its words are in the Stage column)
                    pix = self._state_icons.get(job.state)
                    if pix is None:
                        pix = icons.pixmap(state_icon(job.state), STATE_ICON_SIZE)
                        self._state_icons[job.state] = pix
                    item.setData(pix, _DECORATION_ROLE)
