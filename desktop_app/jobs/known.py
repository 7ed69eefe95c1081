"""Files the store already knows: re-adding one continues its job instead of a second upload.

A stored job is "this file" when path, size, mtime and server match (the file's
identity, ``files.FileIdentity``) and it asks for the same upload
(``same_request``). Then, whichever front end added the file:

* a job already DONE is reported as stored, and nothing is sent again, once the server
  confirms it still has the video (``still_stored``: one request); a video the server
  no longer has is uploaded again by the same job, and one the server cannot tell about
  now is checked again through the pipeline (``run_again``);
* a FAILED or CANCELLED one is retried from the stage that failed, with what this
  request adds that the job lacked (``corrections``: the user id whose absence failed
  it), a PAUSED one resumed;
* one still queued, running or waiting simply goes on.

``force`` (the CLI's ``--force``) skips the lookup: the file is uploaded anew.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from desktop_app.errors import AppError
from desktop_app.jobs.model import Job, JobState, Stage

if TYPE_CHECKING:
    from desktop_app.transfer.client import BackendClient

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


def still_stored(job: Job, client: BackendClient) -> bool | None:
    """Does the server still have this done job's video, with its bytes? One request, no
    retries: True, False (gone, or other bytes), or None when the server cannot say now."""
    if not job.video_id:
        return False
    try:
        video = client.find_video(job.video_id)
    except AppError:
        return None
    if video is None:
        return False
    expected = job.server_sha256 or job.sha256
    return not (video.sha256 and expected and video.sha256.lower() != expected.lower())


def run_again(job: Job, stored: bool | None) -> dict[str, Any]:
    """The changes that put a done job back to work: the upload again, from zero, when
    the server no longer has its video (``stored`` False); otherwise (it could not say)
    the processing stage, whose first request asks for the video again (a video gone by
    then is uploaded again there, ``failures.py``)."""
    if stored is None:
        return {"stage": Stage.PROCESS, "attempts": 0}
    return {"stage": Stage.UPLOAD, "upload_url": None, "video_id": None, "server_sha256": None,
            "bytes_sent": 0, "attempts": 0, "reupload_count": 0,
            "idempotency_key": str(uuid.uuid4())}  # the old key would replay the gone video


def corrections(job: Job, request: Request) -> dict[str, Any]:
    """What a retry takes from the request that re-added the file: a field the job lacks
    (it failed MISSING_FIELD for it) and the request now gives. Only before the upload
    is made: a stored video keeps the fields it was made with."""
    if job.video_id is None and not job.user_id and request.user_id:
        return {"user_id": request.user_id}
    return {}
