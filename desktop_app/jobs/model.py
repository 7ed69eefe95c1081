"""The job model shared by the store, the manager, the CLI and the GUI.

A job moves through stages  validate -> upload -> process -> done: the quick checks,
then the upload with the job's sha256 and analysis computed beside it (``beside.py``),
then the server's processing. ``Job.state`` says what it is doing now (running a
stage, waiting, paused, failed); ``Job.stage`` says which stage it is at, so a retry
re-runs from the stage that failed, with the job's original parameters. A job whose
analysis failed is at stage analyse (its retry checks the file again); ANALYZING and
stage analyse as a step of their own are left from versions that analysed before
uploading (their stored jobs still run).

The manager reports to its front ends through one callback taking an ``Event``
(one of the dataclasses below); the GUI wraps it in a queued Qt signal, the CLI
prints from it. Events are plain data: no Qt, no locks.
"""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass, field
from typing import Any


class Stage(enum.StrEnum):
    VALIDATE = "validate"  # the quick checks
    ANALYSE = "analyse"  # the analysis failed (it runs beside the upload)
    UPLOAD = "upload"  # sending; the sha256 and analysis passes run beside it
    PROCESS = "process"  # waiting for the server to process the stored video
    DONE = "done"


class JobState(enum.StrEnum):
    QUEUED = "queued"
    VALIDATING = "validating"
    ANALYZING = "analyzing"
    UPLOADING = "uploading"
    PROCESSING = "processing"  # "Processing on server", with a timeout
    WAITING_RETRY = "waiting_retry"  # a transient fault; retries on its own
    WAITING_SERVER = "waiting_server"  # circuit breaker open; continues when it closes
    WAITING_SIGN_IN = "waiting_sign_in"  # 401 after refresh; continues after sign-in
    PAUSED = "paused"
    FAILED = "failed"
    CANCELLED = "cancelled"
    DONE = "done"

    @property
    def finished(self) -> bool:
        return self in (JobState.DONE, JobState.FAILED, JobState.CANCELLED)

    @property
    def active(self) -> bool:
        return self in (JobState.VALIDATING, JobState.ANALYZING, JobState.UPLOADING,
                        JobState.PROCESSING)


# Friendly labels for the queue's Stage column.
STATE_LABELS: dict[JobState, str] = {
    JobState.QUEUED: "Queued",
    JobState.VALIDATING: "Validating",
    JobState.ANALYZING: "Analyzing",
    JobState.UPLOADING: "Uploading",
    JobState.PROCESSING: "Processing on server",
    JobState.WAITING_RETRY: "Waiting to retry",
    JobState.WAITING_SERVER: "Waiting for the server",
    JobState.WAITING_SIGN_IN: "Waiting for sign-in",
    JobState.PAUSED: "Paused",
    JobState.FAILED: "Failed",
    JobState.CANCELLED: "Cancelled",
    JobState.DONE: "Done",
}


@dataclass
class FailureRecord:
    """Everything support needs about why a job failed."""

    stage: str
    error_code: str
    message: str  # friendly
    hint: str  # what to do
    detail: str  # technical
    http_status: int | None = None
    request_id: str | None = None
    attempts: int = 0
    time: float = field(default_factory=time.time)
    retryable: bool = False
    field: str | None = None  # the missing or wrong field, when the error names one


@dataclass
class Job:
    job_id: str
    path: str
    size: int
    mtime_ns: int
    server_url: str
    user_id: str = ""
    session_id: str = ""
    session_title: str = ""
    recorded_at: str | None = None
    idempotency_key: str = ""  # for the tus creation POST and the finish POST
    upload_url: str | None = None  # tus upload URL, persisted the moment it exists
    analysis: dict[str, Any] | None = None
    video_id: str | None = None
    sha256: str | None = None  # of the local file, from its sha256 pass
    server_sha256: str | None = None
    state: JobState = JobState.QUEUED
    stage: Stage = Stage.VALIDATE
    attempts: int = 0  # requests attempted for the current stage
    bytes_sent: int = 0  # last known server offset
    failure: FailureRecord | None = None
    created_at: float = field(default_factory=time.time)
    updated_at: float = field(default_factory=time.time)
    finished_at: float | None = None
    reupload_count: int = 0  # checksum-mismatch re-uploads done
    runner: str | None = None  # the manager instance running it (see ownership.py)
    # duplicates by checksum (jobs/duplicates.py): the server already had these bytes, so
    # the job ended without sending any (video_id is that video); force_upload: the user
    # asked for a new upload all the same (--force, "Upload again anyway")
    already_on_server: bool = False
    force_upload: bool = False

    @property
    def file_name(self) -> str:
        from pathlib import PurePath

        return PurePath(self.path).name


# ---- events (manager -> front ends) -------------------------------------------------


@dataclass(frozen=True)
class JobAdded:
    job: Job


@dataclass(frozen=True)
class JobChanged:
    """State, stage or failure changed (always carries the whole job, a snapshot)."""

    job: Job


@dataclass(frozen=True)
class JobRemoved:
    job_id: str


@dataclass(frozen=True)
class JobProgress:
    """Throttled: at most ~10 per second per job."""

    job_id: str
    stage: Stage
    done: int  # bytes sent (upload) or frames decoded (analyse, both of its passes)
    total: int
    rate: float  # bytes/s (upload) or frames/s (analyse); both may run at once
    eta_s: float | None


@dataclass(frozen=True)
class JobAttempt:
    """One failed attempt that will be retried: a row state, not a dialog."""

    job_id: str
    attempt: int  # the attempt that failed, 1-based
    max_attempts: int
    error_code: str
    delay_s: float
    request_id: str | None
    time: float = field(default_factory=time.time)


class ConnectionState(enum.StrEnum):
    ONLINE = "online"
    RETRYING = "retrying"
    UNAVAILABLE = "unavailable"  # circuit open


@dataclass(frozen=True)
class ConnectionChanged:
    state: ConnectionState
    endpoint: str = ""
    next_probe_at: float | None = None  # time.time() of the next half-open probe


@dataclass(frozen=True)
class SignInRequired:
    """Raised once per cause: every job waiting on it resumes after sign-in."""

    server_url: str
    error_code: str
    waiting_jobs: int


@dataclass(frozen=True)
class Alert:
    """Needs the user's attention (tray notification): breaker open, error rate high,
    batch finished with failures."""

    kind: str  # "breaker_open" | "error_rate" | "batch_done" | "needs_attention"
    message: str
    time: float = field(default_factory=time.time)


@dataclass(frozen=True)
class NetworkChanged:
    """The laptop's network as the OS reports it, and what the pipeline does about it
    (``jobs/handsoff.py``)."""

    offline: bool  # no network at all (and the server is not on this machine)
    metered: bool
    uploads_held: bool  # uploads wait: offline, or metered and the setting says so


@dataclass(frozen=True)
class WatchedFolderChanged:
    """A watched folder's state (``watch/folders.py``): "watching", "scanning only",
    "absent" (a card unplugged: its files wait for it), "paused"."""

    path: str
    state: str


Event = (JobAdded | JobChanged | JobRemoved | JobProgress | JobAttempt | ConnectionChanged
         | SignInRequired | Alert | NetworkChanged | WatchedFolderChanged)
