"""The tabs, their columns, and the text of each cell (no widgets).

A job's row is a ``Row``: the job as the store last reported it, plus what only the
window keeps (its latest upload progress, the progress of the analysis running beside
it, and its retry attempt). ``cell_text`` is what a cell
shows; the table model stores it in Qt items once per change.
"""

from __future__ import annotations

import enum
import os
from dataclasses import dataclass

from desktop_app import locale_format
from desktop_app.errors import shown_message, spec
from desktop_app.gui.models import formatting as fmt
from desktop_app.i18n import N_, _
from desktop_app.jobs.model import Job, JobAttempt, JobProgress, JobState, Stage


class Col(enum.Enum):
    """A column; its value is the English title (the header shows it translated)."""

    FILE = N_("File")
    SIZE = N_("Size")
    STAGE = N_("Stage")
    PROGRESS = N_("Progress")
    SPEED = N_("Speed")
    ETA = N_("ETA")
    STATUS = N_("Status")
    FAILED_STAGE = N_("Failed in")
    CODE = N_("Code")
    MESSAGE = N_("Message")
    ATTEMPTS = N_("Attempts")
    LAST_ATTEMPT = N_("Last attempt")
    REQUEST_ID = N_("Request id")


QUEUE_COLUMNS = [Col.FILE, Col.SIZE, Col.STAGE, Col.PROGRESS, Col.SPEED, Col.ETA, Col.STATUS]
FAILED_COLUMNS = [Col.FILE, Col.FAILED_STAGE, Col.CODE, Col.MESSAGE, Col.ATTEMPTS,
                  Col.LAST_ATTEMPT, Col.REQUEST_ID]
COMPLETED_COLUMNS = [Col.FILE, Col.SIZE, Col.STAGE, Col.STATUS]
RIGHT_ALIGNED = frozenset({Col.SIZE, Col.SPEED, Col.ETA, Col.ATTEMPTS})


class Tab(enum.Enum):
    QUEUE = "queue"
    FAILED = "failed"
    COMPLETED = "completed"


# The icon (resources/icons/ui/state-*.svg) each state shows in the File column.
_STATE_ICONS = {
    JobState.QUEUED: "state-queued", JobState.VALIDATING: "state-working",
    JobState.ANALYZING: "state-working", JobState.UPLOADING: "state-working",
    JobState.PROCESSING: "state-working", JobState.WAITING_RETRY: "state-waiting",
    JobState.WAITING_SERVER: "state-waiting", JobState.WAITING_SIGN_IN: "state-waiting",
    JobState.PAUSED: "state-paused", JobState.FAILED: "state-failed",
    JobState.CANCELLED: "state-cancelled", JobState.DONE: "state-done",
}


def state_icon(state: JobState) -> str:
    return _STATE_ICONS.get(state, "state-queued")


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
    analysis: JobProgress | None = None

    @property
    def analysing(self) -> int | None:
        """The analysis's percent while it runs, else None."""
        p = self.analysis
        if p is None or p.total <= 0 or p.done >= p.total:
            return None
        return max(0, min(99, int(p.done * 100 / p.total)))

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


def cell_text(row: Row, col: Col) -> str:
    job = row.job
    failure = job.failure
    if col is Col.FILE:
        return os.path.basename(job.path)  # as Job.file_name, without a PurePath per cell
    if col is Col.SIZE:
        return fmt.size(job.size)
    if col is Col.STAGE:
        return fmt.state_text(job, row.attempt, row.percent, analysing=row.analysing)
    if col is Col.PROGRESS:
        pct = row.percent
        return "" if pct is None else locale_format.percent(pct)
    progress = row.progress if job.state.active else None
    if col is Col.SPEED:
        if progress is not None and progress.stage is Stage.UPLOAD:
            return fmt.speed(progress.rate)
        return ""
    if col is Col.ETA:
        return fmt.duration(progress.eta_s) if progress is not None else ""
    if col is Col.STATUS:
        if failure is not None and job.state in (JobState.FAILED, JobState.CANCELLED):
            return f"{shown_message(failure.message, failure.error_code)} ({failure.error_code})"
        if job.state is JobState.WAITING_RETRY and row.attempt is not None:
            return spec(row.attempt.error_code).shown_message + f" ({row.attempt.error_code})"
        if job.state is JobState.DONE and job.video_id and job.already_on_server:
            return _("Already on the server as video {video_id} (nothing sent)").format(
                video_id=job.video_id)
        if job.state is JobState.DONE and job.video_id:
            return _("Stored as video {video_id}").format(video_id=job.video_id)
        return ""
    if failure is None:
        return ""
    if col is Col.FAILED_STAGE:
        return fmt.stage_name(failure.stage)
    if col is Col.CODE:
        return failure.error_code
    if col is Col.MESSAGE:
        return shown_message(failure.message, failure.error_code)
    if col is Col.ATTEMPTS:
        return str(failure.attempts or job.attempts)
    if col is Col.LAST_ATTEMPT:
        return fmt.clock(failure.time)
    if col is Col.REQUEST_ID:
        return failure.request_id or ""
    return ""
