"""The job tables: one shared set of rows, three table models (Queue, Failed, Completed).

``JobRows`` holds the GUI's copy of every job and routes each change to the
model whose tab the job belongs in. Each model keeps its own ordered list of
job ids, so a 5,000-job batch is one ``beginInsertRows`` on one model and a
state change touches only the rows it moves (no proxy re-filtering 5,000 rows).
"""

from __future__ import annotations

import enum
from collections import Counter
from dataclasses import dataclass

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, Qt, Signal

from desktop_app.errors import spec
from desktop_app.gui import formatting as fmt
from desktop_app.jobs.model import Job, JobAttempt, JobProgress, JobState, Stage

PROGRESS_ROLE = Qt.ItemDataRole.UserRole + 1  # int percent, or -1 for no bar
JOB_ID_ROLE = Qt.ItemDataRole.UserRole + 2


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


class JobTableModel(QAbstractTableModel):
    def __init__(self, rows: JobRows, columns: list[Col], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows = rows
        self.columns = columns
        self._ids: list[str] = []
        self._pos: dict[str, int] | None = {}

    # -- Qt API -------------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section].value
        return None

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = self._rows.rows.get(self._ids[index.row()])
        if row is None:
            return None
        return self._value(row, self.columns[index.column()], role)

    def multiData(self, index: QModelIndex, roleDataSpan) -> None:  # noqa: N802, N803
        """All the roles a cell's paint asks for, in one call: each call from Qt into
        Python must take the GIL, and while workers run Python that hand-off costs up
        to a switch interval, so ~8 calls per cell made one repaint of the queue take
        >100 ms during a large drop."""
        row = self._rows.rows.get(self._ids[index.row()]) if index.isValid() else None
        col = self.columns[index.column()] if row is not None else None
        for item in roleDataSpan:
            value = None if row is None else self._value(row, col, item.role())
            if value is None:
                item.clearData()
            else:
                item.setData(value)

    def _value(self, row: Row, col: Col, role: int):
        if role == Qt.ItemDataRole.DisplayRole:
            return _display(row, col)
        if role == PROGRESS_ROLE:
            pct = row.percent
            return -1 if pct is None else pct
        if role == JOB_ID_ROLE:
            return row.job.job_id
        if role == Qt.ItemDataRole.ToolTipRole:
            if col is Col.FILE:
                return row.job.path
            text = _display(row, col)
            return text or None
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (Col.SIZE, Col.SPEED, Col.ETA, Col.ATTEMPTS):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    # -- row bookkeeping ---------------------------------------------------------------
    def job_id(self, row: int) -> str:
        return self._ids[row]

    def job_ids(self) -> list[str]:
        return list(self._ids)

    def row_of(self, job_id: str) -> int | None:
        if self._pos is None:
            self._pos = {jid: i for i, jid in enumerate(self._ids)}
        return self._pos.get(job_id)

    def _insert(self, job_ids: list[str]) -> None:
        if not job_ids:
            return
        first = len(self._ids)
        self.beginInsertRows(QModelIndex(), first, first + len(job_ids) - 1)
        self._ids.extend(job_ids)
        if self._pos is not None:
            for i, jid in enumerate(job_ids, first):
                self._pos[jid] = i
        self.endInsertRows()

    def _remove(self, job_id: str) -> None:
        row = self.row_of(job_id)
        if row is None:
            return
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._ids[row]
        self._pos = None  # rows after it shifted; rebuilt on the next lookup
        self.endRemoveRows()

    def _changed(self, job_id: str, columns: list[Col] | None = None) -> None:
        row = self.row_of(job_id)
        if row is None:
            return
        if columns is None:
            first, last = 0, len(self.columns) - 1
        else:
            idx = [self.columns.index(c) for c in columns if c in self.columns]
            if not idx:
                return
            first, last = min(idx), max(idx)
        self.dataChanged.emit(self.index(row, first), self.index(row, last))


def _display(row: Row, col: Col) -> str:
    job = row.job
    failure = job.failure
    if col is Col.FILE:
        return job.file_name
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
    job_updated = Signal(str)  # job_id: the details pane refreshes if it shows it

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: dict[str, Row] = {}
        self.models = {
            Tab.QUEUE: JobTableModel(self, QUEUE_COLUMNS, self),
            Tab.FAILED: JobTableModel(self, FAILED_COLUMNS, self),
            Tab.COMPLETED: JobTableModel(self, COMPLETED_COLUMNS, self),
        }
        self._tab: dict[str, Tab] = {}
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
            self.job_updated.emit(job.job_id)
        for tab, ids in new.items():
            self.models[tab]._insert(ids)
        self.counts_changed.emit(*self.counts())

    def remove(self, job_id: str) -> None:
        tab = self._tab.pop(job_id, None)
        row = self.rows.pop(job_id, None)
        if row is not None:
            self._count(job_id, row.job.state, -1)
        if tab is not None:
            self.models[tab]._remove(job_id)
            self.counts_changed.emit(*self.counts())

    def set_progress(self, batch: dict[str, JobProgress]) -> None:
        for job_id, ev in batch.items():
            row = self.rows.get(job_id)
            if row is None or not row.job.state.active:
                continue
            row.progress = ev
            self.models[self._tab[job_id]]._changed(
                job_id, [Col.STAGE, Col.PROGRESS, Col.SPEED, Col.ETA])

    def set_attempt(self, ev: JobAttempt) -> None:
        row = self.rows.get(ev.job_id)
        if row is None:
            return
        row.attempt = ev
        self.models[self._tab[ev.job_id]]._changed(ev.job_id, [Col.STAGE, Col.STATUS])
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
        for job_id in self._watch[JobState.UPLOADING]:
            progress = self.rows[job_id].progress
            if progress is not None and progress.stage is Stage.UPLOAD:
                t.rate += progress.rate
        return t
