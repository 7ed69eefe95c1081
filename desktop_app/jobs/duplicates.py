"""Duplicates by checksum: a job whose bytes the server already has ends without sending them.

    duplicates = Duplicates(life, backend)
    if duplicates.finish_if_stored(job, user_id, ctl):   # once the job's sha256 is known,
        return                                           # before a byte is sent

The server is asked ``GET /videos?sha256=`` (``BackendClient.find_videos_by_sha256``, the
contract's duplicates extension). A video of this user with these bytes that did not fail
processing ends the job at once: DONE, ``already_on_server``, that video's id, nothing
sent. A job with ``force_upload`` (``--force``, the window's "Upload again anyway") is not
checked, nor is one whose server does not offer the query (it uploads as before).

The first byte waits for the sha256 up to ``duplicate_check_wait_s`` (a setting, default
``DUPLICATE_CHECK_WAIT_S``). A large file's sha256 comes later, while its bytes go out:
the sha256 pass asks then (``beside.SideWork._late_check``); on a hit the upload stops,
its partial upload is discarded on the server and the job ends the same way, its history
saying how much was sent before the sha256 was known (``finish_found``). An error there
only means the upload goes on. The finish call waits for that answer, so the video is
never created twice.

Two jobs of this process with the same bytes (one card copied twice) take turns: the
second waits while the first is uploading, then asks, and finds the first one's video.
The same *file* added twice never gets here: ``known.py`` joins it to its job.
"""

from __future__ import annotations

import logging
import threading

from desktop_app.errors import SIGN_IN_CODES, AppError
from desktop_app.jobs.backend import Backend
from desktop_app.jobs.control import Control
from desktop_app.jobs.lifecycle import Lifecycle
from desktop_app.jobs.model import Job, JobState, Stage
from desktop_app.transfer.models import Video

log = logging.getLogger(__name__)
S = JobState
TURN_CHECK_S = 0.25  # how often a waiting twin looks whether the first one is still sending
_SENDING = frozenset({S.UPLOADING, S.WAITING_RETRY})


class Duplicates:
    def __init__(self, life: Lifecycle, backend: Backend) -> None:
        self.life = life
        self.backend = backend
        self._lock = threading.Lock()
        self._sending: dict[str, str] = {}  # sha256 -> the job of this process sending it

    def finish_if_stored(self, job: Job, user_id: str, ctl: Control) -> bool:
        """End the job as "Already on the server" when the server has its bytes; True
        then. False: upload it (and this job now has the turn for these bytes)."""
        sha256 = job.sha256
        if job.force_upload or not sha256:
            return False
        self._take_turn(job.job_id, sha256, ctl)
        video = self.existing(sha256, user_id, ctl)
        if video is None:
            return False
        self.finish_found(job, video, sha256, "nothing sent")
        return True

    def finish_found(self, job: Job, video: Video, sha256: str, sent: str) -> None:
        """DONE as "Already on the server" as ``video``; ``sent``: what was sent before the
        answer, for the history and the log. Raises ``IllegalTransition`` when the job
        was moved meanwhile."""
        self.life.move(job.job_id, S.DONE, stage=Stage.DONE,
                       allowed_from={S.UPLOADING, S.WAITING_RETRY}, video_id=video.video_id,
                       server_sha256=video.sha256 or sha256, bytes_sent=0,
                       already_on_server=True,
                       note=f"already on the server as video {video.video_id}; {sent}")
        log.info("job %s: already on the server as video %s; %s", job.job_id,
                 video.video_id, sent, extra={"job_id": job.job_id, "file": job.path,
                                              "video_id": video.video_id})

    def existing(self, sha256: str, user_id: str, ctl: Control) -> Video | None:
        """The user's newest video with these bytes that did not fail; None when there is
        none or the server cannot say (no extension, or it refused the question)."""
        client = self.backend.client
        mine = user_id == (client.auth.tokens.user_id if client.auth.tokens else None)
        try:
            videos = client.find_videos_by_sha256(sha256, user_id=None if mine else user_id,
                                                  cancel=ctl.token)
        except AppError as err:
            if err.retryable or err.code in SIGN_IN_CODES or err.code in ("CANCELLED",
                                                                          "CIRCUIT_OPEN"):
                raise  # the job waits or retries as for any other request
            log.warning("could not ask the server for duplicates (%s); uploading", err.code)
            return None
        return next((v for v in videos or [] if v.status != "failed"
                     and v.sha256.lower() == sha256.lower()), None)

    def hold_turn(self, job_id: str, sha256: str) -> None:
        """Without waiting: this job now sends these bytes, unless another one of this
        process does (the late check found nothing: a twin asking later waits for it)."""
        with self._lock:
            holder = self._sending.get(sha256)
            if holder is None or holder == job_id or not self._still_sending(holder):
                self._sending[sha256] = job_id

    def _take_turn(self, job_id: str, sha256: str, ctl: Control) -> None:
        """Wait while another job of this process is sending the same bytes."""
        while True:
            with self._lock:
                holder = self._sending.get(sha256)
                if holder is None or holder == job_id or not self._still_sending(holder):
                    self._sending[sha256] = job_id
                    return
            ctl.token.sleep(TURN_CHECK_S)  # raises CANCELLED on pause/cancel/shutdown

    def _still_sending(self, job_id: str) -> bool:
        job = self.life.store.get(job_id)
        return job is not None and job.stage is Stage.UPLOAD and job.state in _SENDING
