"""The work beside a job's upload: its whole-file sha256 and its analysis (one full decode).

A job queues for upload as soon as its quick checks pass (``stages.py``). Its two passes
start then too, each on a pool of its own, and run while the job waits for an upload
slot and while it uploads:

* the sha256 pass (``HASH_WORKERS`` at once, at disk speed, far faster than a decode),
  ending in ``hash_known``: the one place where a job's sha256 becomes known;
* the analysis (``media.analyse`` without its own hash), at most the manager's analysis
  workers at once, each at a lower CPU priority than the upload (``background_priority``).

The upload's first byte waits for the sha256 a moment at most (the manager's
``duplicate_check_wait_s``, a setting), so that the duplicate check can spare every byte;
its finish call waits for both (``Track.sha256_now``, ``Track.analysis_now``). When the
sha256 comes later (a large file), ``hash_known`` asks the server then, on a short-lived
thread, while the upload goes on: if the server has these bytes the upload is stopped,
its partial upload discarded and the job ends "Already on the server" (its worker does
that, ``stages.py``); any other answer, an error included, lets it go on. A pass that
fails (the decoder finds the file corrupt or cut short, the file changed) fails the job
with that pass's code and message: an upload that is running is stopped at once (its
worker discards the partial upload and raises the error, ``stages.py``), a job waiting
for a slot fails here (partial upload discarded first). Nothing corrupt is ever finished.

A pass's result is stored once known (``Job.sha256``, ``Job.analysis``) and not done
again; a pass that was running when the job paused, was cancelled or the process died
starts again from the beginning next time. The work stops when its job moves out of the
upload stage or stops (``job_moved``, fed with every move), is removed, or the manager
shuts down.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Callable
from typing import Any

from desktop_app.errors import AppError, unexpected
from desktop_app.files import FileIdentity, sha256_of
from desktop_app.jobs.backend import Backend
from desktop_app.jobs.control import Control, Stale
from desktop_app.jobs.duplicates import Duplicates
from desktop_app.jobs.failures import FailureHandler
from desktop_app.jobs.lifecycle import Lifecycle
from desktop_app.jobs.model import Job, JobProgress, JobState, Stage
from desktop_app.jobs.pools import StagePool, Throttle
from desktop_app.jobs.store import JobNotFound
from desktop_app.jobs.track import Track

log = logging.getLogger(__name__)
S = JobState
HASH_WORKERS = 1  # files are hashed one after another: two at once only make a disk seek
BACKGROUND_NICE = 10
SIDE = "side"  # the Control reason when a pass stops the upload
FOUND = "found"  # the Control reason when the late duplicate check stops it
_STOPS = frozenset({S.PAUSED, S.FAILED, S.CANCELLED, S.DONE})


def background_priority() -> None:
    """Lower this thread's CPU priority, so on two cores a decode yields to the upload and
    the window. Linux only: nice values are per thread there, and the decoder threads
    FFmpeg starts from this thread inherit it. Never raised back (that needs privilege);
    the analysis pool's threads do nothing else."""
    if not sys.platform.startswith("linux"):
        return
    tid = threading.get_native_id()
    try:
        if os.getpriority(os.PRIO_PROCESS, tid) < BACKGROUND_NICE:
            os.setpriority(os.PRIO_PROCESS, tid, BACKGROUND_NICE)
    except OSError:
        pass


class SideWork:
    def __init__(self, life: Lifecycle, failures: FailureHandler, backend: Backend,
                 throttle: Throttle, duplicates: Duplicates, *, analysis_workers: int,
                 hook: Callable[[str, str], None]) -> None:
        self.life = life
        self.store = life.store
        self.failures = failures
        self.backend = backend
        self.duplicates = duplicates
        self.throttle = throttle
        self.hook = hook
        self._lock = threading.Lock()
        self._tracks: dict[str, Track] = {}
        self.pools = [StagePool("sha256", HASH_WORKERS, self._hash_pass),
                      StagePool("analyse", analysis_workers, self._analysis_pass)]

    # ---- for the stages and the manager -------------------------------------------------

    def begin(self, job: Job, *, urgent: bool = False) -> Track:
        """The job's side work, started unless running or done (``urgent``: ahead of the
        other jobs', for a job whose upload is starting)."""
        ident = FileIdentity(job.path, job.size, job.mtime_ns)
        with self._lock:
            track = self._tracks.get(job.job_id)
            if track is None or track.stop.is_set() or track.ident != ident:
                track = Track(job.job_id, ident, sha256=job.sha256,
                              analysis=_without_sha(job.analysis))
                if job.sha256:
                    track.hashed.set()
                if job.analysis is not None:
                    track.analysed.set()
                self._tracks[job.job_id] = track
        hasher, analyser = self.pools
        if not track.hashed.is_set():
            hasher.submit(job.job_id, urgent=urgent)
        if not track.analysed.is_set():
            analyser.submit(job.job_id, urgent=urgent)
        now = self.store.get(job.job_id)  # a move that stops it may have come meanwhile
        if now is None or _stopped(now):
            self.stop(job.job_id)
        return track

    def attach(self, job: Job, ctl: Control) -> Track:
        """The upload worker takes the job: from now on a failed pass stops ``ctl``."""
        track = self.begin(job, urgent=True)
        with track.lock:
            if track.error is not None or track.stop.is_set():
                raise Stale()  # the pass that failed fails the job itself
            track.upload = ctl
        return track

    def detach(self, track: Track, ctl: Control) -> None:
        """The upload worker lets go. A pass that failed as it did (it stopped a worker
        that was leaving anyway) has its job failed here."""
        track.let_go(ctl)
        err = track.take_error()
        if err is not None:
            self._fail_job(track.job_id, err)

    def job_moved(self, job: Job) -> None:
        """Every move: the work stops with a job that stops or leaves the upload stage."""
        if _stopped(job):
            self.stop(job.job_id)

    def stop(self, job_id: str) -> None:
        with self._lock:
            track = self._tracks.pop(job_id, None)
        if track is not None:
            track.stop.set()
            track.hashed.set()
            track.analysed.set()

    def stop_all(self) -> None:
        with self._lock:
            ids = list(self._tracks)
        for job_id in ids:
            self.stop(job_id)

    def forget(self, job_id: str) -> None:
        self.throttle.forget(_progress_key(job_id))

    # ---- the passes -----------------------------------------------------------------------

    def hash_known(self, track: Track, sha256: str) -> None:
        """The job's whole-file sha256 is known: called once per run of its sha256 pass,
        the moment the digest is, on the pass's thread. The upload's first byte waits for
        this to return, up to ``duplicate_check_wait_s`` once its worker has the job and
        its server session (a job waiting for an upload slot is usually hashed long
        before), so what runs here runs before a byte is sent unless the hash took
        longer; then the upload is running, and the server is asked now whether it has
        these bytes (``_late_check``, on a thread of its own: the next file's hash does not
        wait for the server). An ``AppError`` raised here fails the job as a failed pass
        does (a running upload is stopped at once, its partial upload discarded). Not
        called for a job whose sha256 an earlier run stored."""
        self.store.update(track.job_id, sha256=sha256)
        due = track.late_check_due(sha256)
        if due is not None:
            upload, user_id = due
            threading.Thread(target=self._late_check, args=(track, upload, user_id, sha256),
                             name=f"duplicate-check-{track.job_id[:8]}", daemon=True).start()

    def _late_check(self, track: Track, upload: Control, user_id: str, sha256: str) -> None:
        """Does the server have the bytes this running upload is sending? A video found
        stops the upload (``FOUND``: its worker ends the job "Already on the server"); no
        answer, or an error, lets it go on, as before its sha256 was known."""
        video = None
        try:
            video = self.duplicates.existing(sha256, user_id, upload)
        except AppError as err:
            if err.code != "CANCELLED":  # paused, cancelled or shut down meanwhile: silent
                log.info("job %s: could not ask the server for duplicates (%s); uploading on",
                         track.job_id, err.code, extra={"job_id": track.job_id})
        except Exception:  # a bug: the upload goes on, the traceback is logged
            log.exception("late duplicate check failed for job %s", track.job_id,
                          extra={"job_id": track.job_id})
        finally:
            stopped = track.late_checked(upload, video, FOUND)
        if stopped:
            log.info("job %s: the server has its bytes already (video %s); stopping its "
                     "upload", track.job_id, video.video_id if video else "",
                     extra={"job_id": track.job_id})
        elif video is None:
            self.duplicates.hold_turn(track.job_id, sha256)  # a twin now waits for this one

    def _hash_pass(self, job_id: str) -> None:
        track = self._take(job_id, "sha256")
        if track is None:
            return
        try:
            ident = track.ident
            ident.check()
            with open(ident.path, "rb") as fh:
                digest = sha256_of(fh, stopped=track.stop.is_set)
            if digest is None:
                return  # stopped
            ident.check("while it was being hashed")
            self.hash_known(track, digest)
            track.hashed.set()
        except OSError as exc:
            self._failed(track, AppError("FILE_UNREADABLE", f"{exc!r}", file=track.ident.path),
                         Stage.UPLOAD)
        except AppError as err:
            self._failed(track, err, Stage.UPLOAD)
        except JobNotFound:
            pass  # removed meanwhile
        except Exception as exc:  # a bug: the job fails with it, the worker lives on
            log.exception("sha256 pass failed for job %s", job_id, extra={"job_id": job_id})
            self._failed(track, unexpected(exc), Stage.UPLOAD)

    def _analysis_pass(self, job_id: str) -> None:
        track = self._take(job_id, "analysis")
        if track is None:
            return
        background_priority()
        # Imported here: cv2 is heavy, and the CLI's `jobs` command never needs it.
        from desktop_app.media.analyse import analyse

        hooked = False

        def progress(done: int, total: int) -> None:
            nonlocal hooked
            if not hooked:
                hooked = True
                self.hook("analysing", job_id)
            emit, rate = self.throttle.check(_progress_key(job_id), done, total)
            if emit:
                eta = (total - done) / rate if rate > 0 else None
                self.life.emit(JobProgress(job_id, Stage.ANALYSE, done, total, rate, eta))

        try:
            track.ident.check()
            result = analyse(track.ident.path, progress=progress, cancel=track.stop,
                             hash_file=False)
            track.ident.check("while it was being analysed")
            analysis = _without_sha(result.to_dict()) or {}
            if result.thumbnail_jpeg:
                analysis["thumbnail_path"] = _save_thumbnail(job_id, result.thumbnail_jpeg)
            self.store.update(job_id, analysis=analysis)
            track.analysis = analysis
            track.analysed.set()
        except AppError as err:
            if not (err.code == "CANCELLED" and track.stop.is_set()):
                self._failed(track, err, Stage.ANALYSE)
        except JobNotFound:
            pass  # removed meanwhile
        except Exception as exc:  # a bug: the job fails with it, the worker lives on
            log.exception("analysis failed for job %s", job_id, extra={"job_id": job_id})
            self._failed(track, unexpected(exc), Stage.ANALYSE)

    def _take(self, job_id: str, name: str) -> Track | None:
        """The live track whose pass ``name`` has not begun yet, marked begun."""
        with self._lock:
            track = self._tracks.get(job_id)
        if track is None:
            return None
        done = track.hashed if name == "sha256" else track.analysed
        with track.lock:
            if name in track.started or done.is_set():
                return None
            track.started.add(name)
        return track

    def _failed(self, track: Track, err: AppError, stage: Stage) -> None:
        """A pass failed: the job fails with its error (``stage`` names the pass). Its
        upload worker, if one holds the job, is stopped and fails it; else it fails here."""
        with track.lock:
            # a video found on the server ends the job first, as it would have before a byte
            if track.error is not None or track.found is not None or track.stop.is_set():
                return
            try:
                if stage is not Stage.UPLOAD:  # the failure record names the pass
                    self.store.update(track.job_id, stage=stage)
                    err.stage = stage.value  # the decoder's errors say "validate" alone
            except JobNotFound:
                return
            track.error = err
            upload = track.upload
            track.reported = upload is None
        track.hashed.set()
        track.analysed.set()  # the upload's finish call stops waiting
        if upload is not None:
            upload.stop(SIDE)  # its worker discards the partial upload and raises err
        else:
            self._fail_job(track.job_id, err)

    def _fail_job(self, job_id: str, err: AppError) -> None:
        self.discard_upload(job_id)
        self.failures.handle(job_id, err, Control())

    def discard_upload(self, job_id: str) -> None:
        """tus termination of the job's unfinished upload (nothing corrupt stays on the
        server); forgotten once the server let go of it."""
        job = self.store.get(job_id)
        if job is None or not job.upload_url or job.video_id:
            return
        url = self.backend.local_url(job.upload_url)
        if url and self.backend.client.discard_upload(url):
            try:
                self.store.update(job_id, upload_url=None, bytes_sent=0)
            except JobNotFound:
                pass


def _stopped(job: Job) -> bool:
    return job.state in _STOPS or job.stage is not Stage.UPLOAD


def _without_sha(analysis: dict[str, Any] | None) -> dict[str, Any] | None:
    """An analysis as the pass stores it: the sha256 is the job's, from its own pass."""
    if analysis is None:
        return None
    return {k: v for k, v in analysis.items() if k != "sha256"}


def _progress_key(job_id: str) -> str:
    return f"{job_id}/analyse"  # the upload's progress is throttled under the job id


def _save_thumbnail(job_id: str, jpeg: bytes) -> str | None:
    from desktop_app import paths

    folder = paths.data_dir() / "thumbnails"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{job_id}.jpg"
        target.write_bytes(jpeg)
        return str(target)
    except OSError:
        return None
