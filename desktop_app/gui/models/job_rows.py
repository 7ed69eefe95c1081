"""The GUI's copy of every job: one shared set of rows, three table models.

``JobRows`` routes each change to the model whose tab the job belongs in. Each
model keeps its own ordered list of job ids, so a 5,000-job batch is one
``beginInsertRows`` on one model and a state change touches only the rows it moves
(no proxy re-filtering 5,000 rows).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Signal

from desktop_app.gui.models.batch import Batch, BatchProgress
from desktop_app.gui.models.columns import (
    COMPLETED_COLUMNS,
    FAILED_COLUMNS,
    QUEUE_COLUMNS,
    Col,
    Row,
    Tab,
    tab_for,
)
from desktop_app.gui.models.table_model import JobTableModel
from desktop_app.jobs.model import Job, JobAttempt, JobProgress, JobState, Stage


@dataclass
class Tally:
    left: int = 0  # not finished (paused included)
    in_flight: int = 0  # not finished and not paused
    waiting_retry: int = 0
    waiting_server: int = 0  # held back by an open circuit breaker
    uploading: int = 0
    rate: float = 0.0  # bytes/s over the uploads
    batch: BatchProgress = field(default_factory=BatchProgress)


class JobRows(QObject):
    """The GUI's copy of every job; routes each change to the right tab's model."""

    counts_changed = Signal(int, int, int)  # queue, failed, completed
    job_updated = Signal(str)  # job_id of ``followed``: the details pane shows it

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: dict[str, Row] = {}
        self.models = {
            Tab.QUEUE: JobTableModel(self.rows, QUEUE_COLUMNS, self),
            Tab.FAILED: JobTableModel(self.rows, FAILED_COLUMNS, self),
            Tab.COMPLETED: JobTableModel(self.rows, COMPLETED_COLUMNS, self),
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
        self.batch = Batch()

    def _count(self, job_id: str, state: JobState, delta: int) -> None:
        self._states[state] += delta
        watched = self._watch.get(state)
        if watched is not None:
            (watched.add if delta > 0 else watched.discard)(job_id)

    def job(self, job_id: str) -> Job | None:
        row = self.rows.get(job_id)
        return row.job if row else None

    def counts(self) -> tuple[int, int, int]:
        m = self.models
        return m[Tab.QUEUE].rowCount(), m[Tab.FAILED].rowCount(), m[Tab.COMPLETED].rowCount()

    def upsert(self, jobs: list[Job]) -> None:
        """Add or update jobs; new ones are inserted in one batch per tab."""
        # Rows to insert per tab, in order (a dict as an ordered set): a job can change
        # tabs again before its row is inserted, when one batch carries its whole run.
        new: dict[Tab, dict[str, None]] = {t: {} for t in Tab}
        followed = False
        for job in jobs:
            row = self.rows.get(job.job_id)
            tab = tab_for(job.state)
            if row is None:
                self.rows[job.job_id] = Row(job)
                self._count(job.job_id, job.state, 1)
                self.batch.move(job.job_id, job.size, None, job.state)
                self._tab[job.job_id] = tab
                new[tab][job.job_id] = None
                continue
            if job.updated_at < row.job.updated_at:
                continue  # a stale snapshot (e.g. add_files' return value after a change)
            if row.job.state is not job.state:
                self._count(job.job_id, row.job.state, -1)
                self._count(job.job_id, job.state, 1)
                self.batch.move(job.job_id, job.size, row.job.state, job.state)
            row.job = job
            if job.state is not JobState.WAITING_RETRY and job.state.active is False:
                row.progress = None
            if job.state.finished or job.state is JobState.PAUSED:
                row.analysis = None  # its analysis stopped with it
            old = self._tab[job.job_id]
            if old is tab:
                self.models[tab].rewrite(job.job_id)
            else:
                if job.job_id in new[old]:
                    del new[old][job.job_id]  # its row there is not inserted yet
                else:
                    self.models[old].remove_job(job.job_id)
                self._tab[job.job_id] = tab
                new[tab][job.job_id] = None
            followed = followed or job.job_id == self.followed
        for tab, ids in new.items():
            self.models[tab].append_jobs(list(ids))
        self._flush()
        if followed:
            self.job_updated.emit(self.followed)

    def _flush(self) -> None:
        """Tell the views and the window what changed, once per batch (see the model's flush)."""
        for model in self.models.values():
            model.flush()
        counts = self.counts()
        if counts != self._last_counts:
            self._last_counts = counts
            self.counts_changed.emit(*counts)

    def remove(self, job_id: str) -> None:
        tab = self._tab.pop(job_id, None)
        row = self.rows.pop(job_id, None)
        if row is not None:
            self._count(job_id, row.job.state, -1)
            self.batch.move(job_id, row.job.size, row.job.state, None)
        if tab is not None:
            self.models[tab].remove_job(job_id)
            self._flush()

    def set_progress(self, batch: dict[str, JobProgress]) -> None:
        for ev in batch.values():
            job_id = ev.job_id
            row = self.rows.get(job_id)
            if row is None:
                continue
            state = row.job.state
            if ev.stage is Stage.ANALYSE:  # beside the upload, also while queued for it
                if state.finished or state is JobState.PAUSED:
                    continue
                row.analysis = ev
            elif state.active:
                row.progress = ev
            else:
                continue
            self.models[self._tab[job_id]].rewrite(
                job_id, [Col.STAGE, Col.PROGRESS, Col.SPEED, Col.ETA])
        self._flush()

    def set_attempt(self, ev: JobAttempt) -> None:
        row = self.rows.get(ev.job_id)
        if row is None:
            return
        row.attempt = ev
        self.models[self._tab[ev.job_id]].rewrite(ev.job_id, [Col.STAGE, Col.STATUS])
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
                self.models[self._tab[job_id]].rewrite(job_id, [Col.STAGE])
        self._flush()
        sent = 0
        for job_id in self._watch[JobState.UPLOADING]:
            progress = self.rows[job_id].progress
            if progress is not None and progress.stage is Stage.UPLOAD:
                t.rate += progress.rate
                sent += progress.done
        t.batch = self.batch.progress(sent, t.rate)
        return t

    def redraw(self) -> None:
        """Draw every row's icon and bar again (the palette changed)."""
        for model in self.models.values():
            model.redraw()
