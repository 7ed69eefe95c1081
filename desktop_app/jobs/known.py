"""Files the store already knows: re-adding one continues its job instead of a second upload.

A stored job is "this file" when path, size, mtime and server match (the file's
identity, ``files.FileIdentity``) and it asks for the same upload
(``same_request``). Then, whichever front end added the file:

* a job already DONE is reported as stored, and nothing is sent again;
* a FAILED or CANCELLED one is retried from the stage that failed, a PAUSED one resumed;
* one still queued, running or waiting simply goes on.

``force`` (the CLI's ``--force``) skips the lookup: the file is uploaded anew.
"""

from __future__ import annotations

from dataclasses import dataclass

from desktop_app.errors import AppError
from desktop_app.jobs.model import Job, JobState

S = JobState


@dataclass(frozen=True)
class Request:
    """The upload a front end asks for (each field None: not given)."""

    user_id: str | None = None
    session_id: str | None = None
    session_title: str | None = None
    recorded_at: str | None = None


@dataclass(frozen=True)
class Added:
    """What adding one file did: a new job, a known one, or an error (no job)."""

    file: str  # as the front end named it
    job: Job | None
    known: bool = False  # an existing job: resumed, retried or already stored
    error: AppError | None = None

    @property
    def already_stored(self) -> bool:
        return self.known and self.job is not None and self.job.state is S.DONE


def same_request(job: Job, request: Request, user: str | None, session: str) -> bool:
    """Whether a stored job for this file is the upload this request asks for.

    ``user`` is the user the request uploads for (its own, else the default, else the
    signed-in user); ``session`` the session id it would use ("" for a batch). A
    different user, session, session title or recording time asks for another upload:
    it gets a new job and the old one keeps its record (a job refused FORBIDDEN for the
    wrong user id must not swallow the corrected request). A job not yet uploading has
    no user id of its own (empty until the upload stage resolves it) and matches any.
    """
    if user and job.user_id and job.user_id != user:
        return False
    if (job.recorded_at or None) != (request.recorded_at or None):
        return False
    if session and job.session_id != session:
        return False
    return not (request.session_title and job.session_title != request.session_title)


def known_job(jobs: list[Job], request: Request, user: str | None, session: str) -> Job | None:
    """Of the stored jobs for this file (newest first, ``JobStore.find_many``), the one
    this request continues: a DONE one first, else the newest asking for the same upload."""
    same = [j for j in jobs if same_request(j, request, user, session)]
    return next((j for j in same if j.state is S.DONE), same[0] if same else None)
