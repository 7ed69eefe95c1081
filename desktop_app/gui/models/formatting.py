"""Row state text, and the sizes, speeds, durations and dates of the cells (no Qt).

The numbers are written as the current language does (``desktop_app.locale_format``, the
one formatter the CLI shares); the words come from the catalogues (``desktop_app.i18n``).
"""

from __future__ import annotations

import time

from desktop_app import locale_format
from desktop_app.i18n import N_, _
from desktop_app.jobs.model import STATE_LABELS, Job, JobAttempt, JobState, Stage

size = locale_format.size
speed = locale_format.speed
duration = locale_format.duration
clock = locale_format.date_time
time_of_day = locale_format.time_of_day


def state_label(state: JobState) -> str:
    return _(STATE_LABELS.get(state, str(state)))


# A stage by name, as "Failed in" says it.
_STAGE_NAMES = {Stage.VALIDATE: N_("validation"), Stage.ANALYSE: N_("analysis"),
                Stage.UPLOAD: N_("upload"), Stage.PROCESS: N_("server processing"),
                Stage.DONE: N_("done")}


def stage_name(stage: str) -> str:
    try:
        return _(_STAGE_NAMES[Stage(stage)])
    except ValueError:
        return stage


ALREADY_ON_SERVER = N_("Already on the server")  # duplicates by sha256: nothing was sent


def state_text(job: Job, attempt: JobAttempt | None, percent: int | None,
               now: float | None = None, *, analysing: int | None = None) -> str:
    """The Stage column: what the job is doing, with the retry countdown, and the
    analysis's percent while it runs beside the upload ("Uploading 40 % - analysing 70 %")."""
    if analysing is None:
        return _doing(job, attempt, percent, now)
    if job.state is JobState.UPLOADING:
        doing = (state_label(JobState.UPLOADING) if percent is None
                 else _("Uploading {percent} %").format(percent=percent))
    else:
        doing = _doing(job, attempt, percent, now)
    return _("{doing} - analysing {percent} %").format(doing=doing, percent=analysing)


def _doing(job: Job, attempt: JobAttempt | None, percent: int | None,
           now: float | None) -> str:
    state = job.state
    label = state_label(state)
    if state is JobState.WAITING_RETRY and attempt is not None:
        now = time.time() if now is None else now
        left = max(0, int(round(attempt.time + attempt.delay_s - now)))
        # attempt.attempt is the one that failed; the next try is attempt + 1.
        return _("Waiting to retry (attempt {attempt} of {max}, next in {seconds} s)").format(
            attempt=attempt.attempt + 1, max=attempt.max_attempts, seconds=left)
    if state is JobState.DONE and job.already_on_server:
        return _(ALREADY_ON_SERVER)
    if state is JobState.UPLOADING and percent is not None:
        return f"{label} ({locale_format.percent(percent)})"
    if state is JobState.QUEUED and job.stage is not Stage.VALIDATE:
        # analysed and waiting for an upload slot: say so, not a bare "Queued"
        return _(_NEXT.get(job.stage, _NEXT[Stage.UPLOAD]))
    return label


_NEXT = {Stage.ANALYSE: N_("Queued for analysis"), Stage.UPLOAD: N_("Queued for upload"),
         Stage.PROCESS: N_("Queued for server processing")}
