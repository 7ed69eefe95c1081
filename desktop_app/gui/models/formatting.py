"""Human-readable sizes, speeds, durations and row state text (no Qt)."""

from __future__ import annotations

import time

from desktop_app.jobs.model import STATE_LABELS, Job, JobAttempt, JobState, Stage

_UNITS = ("B", "KB", "MB", "GB", "TB")


def size(n: float) -> str:
    value = float(n)
    for unit in _UNITS:
        if value < 1000 or unit == _UNITS[-1]:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{n} B"  # unreachable


def speed(bytes_per_s: float) -> str:
    return f"{size(bytes_per_s)}/s" if bytes_per_s > 0 else ""


def duration(seconds: float | None) -> str:
    if seconds is None or seconds < 0:
        return ""
    s = int(round(seconds))
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def clock(ts: float | None) -> str:
    if not ts:
        return ""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts))


def state_text(job: Job, attempt: JobAttempt | None, percent: int | None,
               now: float | None = None, *, analysing: int | None = None) -> str:
    """The Stage column: what the job is doing, with the retry countdown, and the
    analysis's percent while it runs beside the upload ("Uploading 40 % - analysing 70 %")."""
    if analysing is None:
        return _doing(job, attempt, percent, now)
    if job.state is JobState.UPLOADING:
        doing = "Uploading" if percent is None else f"Uploading {percent} %"
    else:
        doing = _doing(job, attempt, percent, now)
    return f"{doing} - analysing {analysing} %"


def _doing(job: Job, attempt: JobAttempt | None, percent: int | None,
           now: float | None) -> str:
    state = job.state
    label = STATE_LABELS.get(state, str(state))
    if state is JobState.WAITING_RETRY and attempt is not None:
        now = time.time() if now is None else now
        left = max(0, int(round(attempt.time + attempt.delay_s - now)))
        # attempt.attempt is the one that failed; the next try is attempt + 1.
        return (f"Waiting to retry (attempt {attempt.attempt + 1} of {attempt.max_attempts}, "
                f"next in {left} s)")
    if state is JobState.UPLOADING and percent is not None:
        return f"{label} ({percent} %)"
    if state is JobState.QUEUED and job.stage is not Stage.VALIDATE:
        # analysed and waiting for an upload slot: say so, not a bare "Queued"
        return f"Queued for {_NEXT.get(job.stage, 'upload')}"
    return label


_NEXT = {Stage.ANALYSE: "analysis", Stage.UPLOAD: "upload", Stage.PROCESS: "server processing"}
