"""The job tables: one shared set of rows, three table models (Queue, Failed, Completed).

``JobRows`` holds the GUI's copy of every job and routes each change to the
model whose tab the job belongs in. Each model keeps its own ordered list of
job ids, so a 5,000-job batch is one ``beginInsertRows`` on one model and a
state change touches only the rows it moves (no proxy re-filtering 5,000 rows).
"""

from __future__ import annotations

import enum
import os
from collections import Counter
from dataclasses import dataclass

from PySide6.QtCore import QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel

from desktop_app.errors import spec
from desktop_app.gui import formatting as fmt
from desktop_app.gui.progress_bar import bar_pixmap
from desktop_app.jobs.model import Job, JobAttempt, JobProgress, JobState, Stage

PROGRESS_ROLE = int(Qt.ItemDataRole.UserRole) + 1  # int percent, or -1 for no bar
JOB_ID_ROLE = int(Qt.ItemDataRole.UserRole) + 2


class Col(enum.Enum):
    FILE = "File"
    SIZE = "Size"
    STAGE = "Stage"
    PROGRESS = "Progress"
    SPEED = "Speed"
    ETA = "ETA"
    STATUS = "Status"
    FAILED_STAGE = "Failed in"
    CODE = "Code"
    MESSAGE = "Message"
    ATTEMPTS = "Attempts"
    LAST_ATTEMPT = "Last attempt"
    REQUEST_ID = "Request id"


QUEUE_COLUMNS = [Col.FILE, Col.SIZE, Col.STAGE, Col.PROGRESS, Col.SPEED, Col.ETA, Col.STATUS]
FAILED_COLUMNS = [Col.FILE, Col.FAILED_STAGE, Col.CODE, Col.MESSAGE, Col.ATTEMPTS,
                  Col.LAST_ATTEMPT, Col.REQUEST_ID]
COMPLETED_COLUMNS = [Col.FILE, Col.SIZE, Col.STAGE, Col.STATUS]


class Tab(enum.Enum):
    QUEUE = "queue"
    FAILED = "failed"
    COMPLETED = "completed"


def tab_for(state: JobState) -> Tab:
    if state is JobState.DONE:
        return Tab.COMPLETED
    if state in (JobState.FAILED, JobState.CANCELLED):
        return Tab.FAILED
    return Tab.QUEUE


@dataclass
class Row:
    job: Job
    progress: JobProgress | None = None
    attempt: JobAttempt | None = None

    @property
    def percent(self) -> int | None:
        state = self.job.state
        if state is JobState.DONE:
            return 100
        p = self.progress
        if p is not None and p.total > 0 and state.active:
            return max(0, min(100, int(p.done * 100 / p.total)))
        if state in (JobState.PROCESSING,):
            return 100
        if self.job.stage in (Stage.UPLOAD,) and self.job.size > 0 and self.job.bytes_sent:
            return int(self.job.bytes_sent * 100 / self.job.size)
        return None


class JobTableModel(QStandardItemModel):
    """One tab's rows, with every cell's roles stored in Qt's own (C++) items.

    Painting never calls into Python: with a Python ``data``/``multiData``, each cell
    of a repaint (~130 visible) entered Python two or three times, and each entry
    waits for the GIL while worker threads run Python (up to a switch interval): one
    repaint of the queue took 100-350 ms with two busy workers, ~8 ms from these items.
    The Python side writes a row's texts when the row arrives or changes (the rows
    are few per event, and the GIL is already held then).
    """

    def __init__(self, rows: JobRows, columns: list[Col], parent: QObject | None = None) -> None:
        super().__init__(0, len(columns), parent)
        self.setHorizontalHeaderLabels([c.value for c in columns])
        self._rows = rows
        self.columns = columns
        self._col = {c: i for i, c in enumerate(columns)}
        self._ids: list[str] = []
        self._pos: dict[str, int] | None = {}
        self._scans = 0
        self._incoming: list[str] = []
        self._dirty: tuple[int, int, int, int] | None = None  # rows, columns changed
        # Connected first, so the ids and cells are in place before any view's slots run.
        self.rowsInserted.connect(self._on_rows_inserted)
        self.rowsRemoved.connect(self._on_rows_removed)

    # -- row bookkeeping ---------------------------------------------------------------
    def job_id(self, row: int) -> str:
        return self._ids[row]

    def job_ids(self) -> list[str]:
        return list(self._ids)

    def row_of(self, job_id: str) -> int | None:
        if self._pos is None:
            # After a removal: a scan (in C, from the top, where finished jobs leave) is
            # far cheaper than rebuilding the index of 5,000 rows for every finished job
            # (~1 ms each, 30 ms for a burst of 25); rebuilt once lookups outnumber them.
            self._scans += 1
            if self._scans <= _SCANS_BEFORE_REINDEX:
                try:
                    return self._ids.index(job_id)
                except ValueError:
                    return None
            self._pos = {jid: i for i, jid in enumerate(self._ids)}
        return self._pos.get(job_id)

    def _insert(self, job_ids: list[str]) -> None:
        if not job_ids:
            return
        # One rowsInserted for the batch; _on_rows_inserted fills the cells before any
        # other receiver (a view, a selection) hears of the rows.
        self._incoming = job_ids
        self.insertRows(len(self._ids), len(job_ids))

    def _on_rows_inserted(self, _parent: QModelIndex, first: int, last: int) -> None:
        job_ids, self._incoming = self._incoming, []
        if len(job_ids) != last - first + 1:
            return  # not ours (never happens: rows are only added by _insert)
        self._ids[first:first] = job_ids
        if last + 1 < len(self._ids):
            self._pos, self._scans = None, 0  # rows after them shifted (never: appended)
        elif self._pos is not None:
            for i, jid in enumerate(job_ids, first):
                self._pos[jid] = i
        rows = self._rows.rows
        # Cell by cell with the model's signals held: a dataChanged per cell would cost
        # the views thousands of updates per batch, and the receivers still to come
        # hear of the rows (already filled) from this same rowsInserted.
        self.blockSignals(True)
        try:
            for i, jid in enumerate(job_ids, first):
                self._write(i, rows[jid], self.columns, fresh=True)
        finally:
            self.blockSignals(False)

    def _remove(self, job_id: str) -> None:
        row = self.row_of(job_id)
        if row is not None:
            self._flush()  # the pending rows are numbered before this removal
            self.removeRows(row, 1)

    def _on_rows_removed(self, _parent: QModelIndex, first: int, last: int) -> None:
        del self._ids[first:last + 1]
        self._pos, self._scans = None, 0  # rows after them shifted (see row_of)

    def _changed(self, job_id: str, columns: list[Col] | None = None) -> None:
        """Rewrite the row's cells; the views hear of it at ``_flush``."""
        row_n = self.row_of(job_id)
        row = self._rows.rows.get(job_id)
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

    def _flush(self) -> None:
        """One dataChanged for every row changed since the last flush: emitting a signal
        from Python releases the GIL, and taking it back waits up to a switch interval
        while workers run Python (~4 ms each), so one per row per event added up."""
        d, self._dirty = self._dirty, None
        if d is not None:
            self.dataChanged.emit(self.index(d[0], d[2]), self.index(d[1], d[3]))

    def _write(self, row_n: int, row: Row, cols: list[Col], *, fresh: bool) -> None:
        """Store the row's cells; an empty cell of a new row gets no item at all.
        (Roles as plain ints: converting a Qt enum costs more than the item itself.)"""
        job = row.job
        for col in cols:
            text = _display(row, col)
            c = self._col[col]
            item = None if fresh else self.item(row_n, c)
            is_file = col is Col.FILE
            if item is None:
                if not text and not is_file:
                    continue
                item = QStandardItem()
                if col in _RIGHT_ALIGNED:
                    item.setData(_RIGHT, _ALIGN_ROLE)
                if is_file:
                    item.setData(job.job_id, JOB_ID_ROLE)
                self.setItem(row_n, c, item)
            item.setData(job.path if is_file else text, _TIP_ROLE)
            if col is Col.PROGRESS:
                # The bar (with its "42 %") is the cell's picture; the text stays for
                # screen readers and the tooltip.
                pct = row.percent
                item.setData(-1 if pct is None else pct, PROGRESS_ROLE)
                item.setData(None if pct is None else bar_pixmap(pct), _DECORATION_ROLE)
                item.setData(text, _ACCESSIBLE_ROLE)
            else:
                item.setText(text)


_SCANS_BEFORE_REINDEX = 64
_RIGHT_ALIGNED = frozenset({Col.SIZE, Col.SPEED, Col.ETA, Col.ATTEMPTS})
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_DECORATION_ROLE = int(Qt.ItemDataRole.DecorationRole)
_ACCESSIBLE_ROLE = int(Qt.ItemDataRole.AccessibleTextRole)
_ALIGN_ROLE = int(Qt.ItemDataRole.TextAlignmentRole)
_TIP_ROLE = int(Qt.ItemDataRole.ToolTipRole)


def _display(row: Row, col: Col) -> str:
    job = row.job
    failure = job.failure
    if col is Col.FILE:
        return os.path.basename(job.path)  # as Job.file_name, without a PurePath per cell
    if col is Col.SIZE:
        return fmt.size(job.size)
    if col is Col.STAGE:
        return fmt.state_text(job, row.attempt, row.percent)
    if col is Col.PROGRESS:
        pct = row.percent
        return "" if pct is None else f"{pct} %"
    active = job.state.active and row.progress is not None
    if col is Col.SPEED:
        if active and row.progress.stage is Stage.UPLOAD:  # type: ignore[union-attr]
            return fmt.speed(row.progress.rate)  # type: ignore[union-attr]
        return ""
    if col is Col.ETA:
        return fmt.duration(row.progress.eta_s) if active else ""  # type: ignore[union-attr]
    if col is Col.STATUS:
        if failure is not None and job.state in (JobState.FAILED, JobState.CANCELLED):
            return f"{failure.message} ({failure.error_code})"
        if job.state is JobState.WAITING_RETRY and row.attempt is not None:
            return spec(row.attempt.error_code).message + f" ({row.attempt.error_code})"
        if job.state is JobState.DONE and job.video_id:
            return f"Stored as video {job.video_id}"
        return ""
    if failure is None:
        return ""
    if col is Col.FAILED_STAGE:
        return failure.stage
    if col is Col.CODE:
        return failure.error_code
    if col is Col.MESSAGE:
        return failure.message
    if col is Col.ATTEMPTS:
        return str(failure.attempts or job.attempts)
    if col is Col.LAST_ATTEMPT:
        return fmt.clock(failure.time)
    if col is Col.REQUEST_ID:
        return failure.request_id or ""
    return ""


@dataclass
class Tally:
    left: int = 0  # not finished (paused included)
    in_flight: int = 0  # not finished and not paused
    waiting_retry: int = 0
    waiting_server: int = 0  # held back by an open circuit breaker
    uploading: int = 0
    rate: float = 0.0  # bytes/s over the uploads


class JobRows(QObject):
    """The GUI's copy of every job; routes each change to the right tab's model."""

    counts_changed = Signal(int, int, int)  # queue, failed, completed
    job_updated = Signal(str)  # job_id of ``followed``: the details pane shows it

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: dict[str, Row] = {}
        self.models = {
            Tab.QUEUE: JobTableModel(self, QUEUE_COLUMNS, self),
            Tab.FAILED: JobTableModel(self, FAILED_COLUMNS, self),
            Tab.COMPLETED: JobTableModel(self, COMPLETED_COLUMNS, self),
        }
        self._tab: dict[str, Tab] = {}
        self._last_counts = (0, 0, 0)
        # The job whose changes are signalled (the one the details pane shows): a signal
        # per changed job cost the GUI thread a GIL hand-off each.
        self.followed: str | None = None
        # Kept up to date by upsert/remove, so the once-a-second tick costs the GUI
        # thread O(rows waiting or uploading), not a pass over 5,000 rows.
        self._states: Counter[JobState] = Counter()
        self._watch: dict[JobState, set[str]] = {JobState.WAITING_RETRY: set(),
                                                 JobState.UPLOADING: set()}

    def _count(self, job_id: str, state: JobState, delta: int) -> None:
        self._states[state] += delta
        watched = self._watch.get(state)
        if watched is not None:
            (watched.add if delta > 0 else watched.discard)(job_id)

    def counts(self) -> tuple[int, int, int]:
        return tuple(self.models[t].rowCount() for t in (Tab.QUEUE, Tab.FAILED, Tab.COMPLETED))  # type: ignore[return-value]

    def upsert(self, jobs: list[Job]) -> None:
        """Add or update jobs; new ones are inserted in one batch per tab."""
        new: dict[Tab, list[str]] = {t: [] for t in Tab}
        followed = False
        for job in jobs:
            row = self.rows.get(job.job_id)
            tab = tab_for(job.state)
            if row is None:
                self.rows[job.job_id] = Row(job)
                self._count(job.job_id, job.state, 1)
                self._tab[job.job_id] = tab
                new[tab].append(job.job_id)
                continue
            if job.updated_at < row.job.updated_at:
                continue  # a stale snapshot (e.g. add_files' return value after a change)
            if row.job.state is not job.state:
                self._count(job.job_id, row.job.state, -1)
                self._count(job.job_id, job.state, 1)
            row.job = job
            if job.state is not JobState.WAITING_RETRY and job.state.active is False:
                row.progress = None
            old = self._tab[job.job_id]
            if old is tab:
                self.models[tab]._changed(job.job_id)
            else:
                self.models[old]._remove(job.job_id)
                self._tab[job.job_id] = tab
                new[tab].append(job.job_id)
            followed = followed or job.job_id == self.followed
        for tab, ids in new.items():
            self.models[tab]._insert(ids)
        self._flush()
        if followed:
            self.job_updated.emit(self.followed)

    def _flush(self) -> None:
        """Tell the views and the window what changed, once per batch (see _flush)."""
        for model in self.models.values():
            model._flush()
        counts = self.counts()
        if counts != self._last_counts:
            self._last_counts = counts
            self.counts_changed.emit(*counts)

    def remove(self, job_id: str) -> None:
        tab = self._tab.pop(job_id, None)
        row = self.rows.pop(job_id, None)
        if row is not None:
            self._count(job_id, row.job.state, -1)
        if tab is not None:
            self.models[tab]._remove(job_id)
            self._flush()

    def set_progress(self, batch: dict[str, JobProgress]) -> None:
        for job_id, ev in batch.items():
            row = self.rows.get(job_id)
            if row is None or not row.job.state.active:
                continue
            row.progress = ev
            self.models[self._tab[job_id]]._changed(
                job_id, [Col.STAGE, Col.PROGRESS, Col.SPEED, Col.ETA])
        self._flush()

    def set_attempt(self, ev: JobAttempt) -> None:
        row = self.rows.get(ev.job_id)
        if row is None:
            return
        row.attempt = ev
        self.models[self._tab[ev.job_id]]._changed(ev.job_id, [Col.STAGE, Col.STATUS])
        self._flush()
        if ev.job_id == self.followed:
            self.job_updated.emit(ev.job_id)

    def tick(self) -> Tally:
        """Once a second: refresh the 'next in N s' of rows waiting to retry and count
        what the status bar shows (from the running tallies, not a pass over all rows)."""
        t = Tally()
        n = self._states
        t.left = sum(c for state, c in n.items() if not state.finished)
        t.waiting_retry = n[JobState.WAITING_RETRY]
        t.waiting_server = n[JobState.WAITING_SERVER]
        t.uploading = n[JobState.UPLOADING]
        t.in_flight = t.left - n[JobState.PAUSED] - t.waiting_server
        for job_id in self._watch[JobState.WAITING_RETRY]:
            if self.rows[job_id].attempt is not None:
                self.models[self._tab[job_id]]._changed(job_id, [Col.STAGE])
        self._flush()
        for job_id in self._watch[JobState.UPLOADING]:
            progress = self.rows[job_id].progress
            if progress is not None and progress.stage is Stage.UPLOAD:
                t.rate += progress.rate
        return t
