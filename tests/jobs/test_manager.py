"""The job manager against the real reference backend, in GUI (interactive) mode."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from desktop_app.jobs.model import (
    Alert,
    ConnectionChanged,
    ConnectionState,
    Job,
    JobAdded,
    JobAttempt,
    JobChanged,
    JobProgress,
    JobRemoved,
    JobState,
    SignInRequired,
    Stage,
)
from desktop_app.jobs.store import JobStore
from tests.fixtures.videos import make_video
from tests.jobs.helpers import Recorder, manager_for, server_videos, session_for, sha256

S = JobState


@pytest.fixture
def clips(video_factory):
    return [video_factory(f"mgr-{i}.mp4", seconds=1.0, size=(160, 120)) for i in range(3)]


@pytest.fixture
def big_clip(tmp_path):
    # ~2 MB of incompressible frames: several tus chunks at the server's 256 KiB hint.
    return make_video(tmp_path / "big.mp4", seconds=1.0, size=(320, 240), noise=True)


def _copy(src, tmp_path, name):
    dst = tmp_path / name
    shutil.copy2(src, dst)
    return str(dst)


def test_files_go_through_every_stage_and_the_server_stores_their_bytes(
        server, clips, tmp_path):
    rec = Recorder()
    manager = manager_for(server, tmp_path / "jobs.db", rec)
    manager.start()
    try:
        jobs = manager.add_files([str(c) for c in clips], session_title="Beach day",
                                 recorded_at="2026-05-01T14:30:00Z")
        rec.wait(rec.all_finished({j.job_id for j in jobs}))
    finally:
        manager.shutdown()
    stored = server_videos(server)
    assert sorted(v["sha256"] for v in stored) == sorted(sha256(c) for c in clips)
    for video in stored:  # the bytes on the server's disk, not just its claim
        assert sha256(video["path"]) == video["sha256"]
        shared = json.loads(video["analysis"])  # the analysis went along, minus local paths
        assert shared["width"] == 160 and shared["sha256"] == video["sha256"]
        assert str(clips[0].parent) not in video["analysis"]
    assert len({v["session_id"] for v in stored}) == 1  # one session for the batch
    for job in manager.jobs():
        assert job.state is S.DONE and job.stage is Stage.DONE
        assert job.server_sha256 == job.sha256 == sha256(job.path)
        assert job.analysis["width"] == 160 and job.analysis["codec"]
        states = [h["to_state"] for h in manager.history(job.job_id) if h["kind"] == "state"]
        # quick checks, then queued for upload at once: the analysis runs beside it
        assert states[:3] == ["validating", "queued", "uploading"]
        assert states[-2:] == ["processing", "done"]
    # every job was announced (after its commit) before it changed
    first = {}
    for e in rec.events:
        if isinstance(e, (JobAdded, JobChanged)):
            first.setdefault(e.job.job_id, type(e))
    assert set(first.values()) == {JobAdded}
    assert any(isinstance(e, JobProgress) and e.stage is Stage.ANALYSE for e in rec.events)
    assert [a.kind for a in rec.of(Alert)] == ["batch_done"]


def test_pause_mid_upload_then_resume_continues_from_the_server_offset(
        server_factory, big_clip, tmp_path):
    srv = server_factory(chunk_size=256 * 1024)
    rec = Recorder()
    # Slow enough (1 MiB/s) that the upload is still running when we pause it.
    manager = manager_for(srv, tmp_path / "jobs.db", rec, session=session_for(srv, kbps=1024))
    manager.start()
    try:
        (job,) = manager.add_files([str(big_clip)])
        rec.wait(lambda ev: any(isinstance(e, JobProgress) and e.stage is Stage.UPLOAD
                                and e.done > 300_000 for e in ev))
        manager.pause(job.job_id)
        rec.wait(rec.state_reached(job.job_id, S.PAUSED), timeout=5)
        paused = manager.get(job.job_id)
        assert paused.stage is Stage.UPLOAD and paused.upload_url
        offset = srv.ctx.store.upload(paused.upload_url.rstrip("/").rsplit("/", 1)[-1])["offset"]
        assert 0 < offset < big_clip.stat().st_size
        manager.resume(job.job_id)
        rec.wait(rec.state_reached(job.job_id, S.DONE))
    finally:
        manager.shutdown()
    (video,) = server_videos(srv)
    assert video["sha256"] == sha256(big_clip)
    # resumed, not restarted: the first upload progress after resuming starts at the offset
    resumed = [e for e in rec.of(JobProgress) if e.stage is Stage.UPLOAD]
    after = rec.events.index(next(e for e in rec.of(JobChanged)
                                  if e.job.state is S.PAUSED))
    first_after = next(e for e in rec.events[after:] if isinstance(e, JobProgress))
    assert first_after.done >= offset and resumed


def test_cancel_then_retry_uploads_once(server, clips, tmp_path):
    rec = Recorder()
    manager = manager_for(server, tmp_path / "jobs.db", rec)
    manager.pause()  # nothing to pause yet: harmless
    (job,) = manager.add_files([str(clips[0])])
    manager.cancel(job.job_id)  # still queued (not started): cancelled at once
    assert manager.get(job.job_id).state is S.CANCELLED
    manager.start()
    try:
        manager.retry(job.job_id)
        rec.wait(rec.state_reached(job.job_id, S.DONE))
    finally:
        manager.shutdown()
    assert len(server_videos(server)) == 1


def test_expired_sign_in_asks_once_and_every_job_resumes_after_sign_in(server, clips, tmp_path):
    rec = Recorder()
    session = session_for(server, sign_in=False)
    client = session.client
    client.auth.use_token("not-a-valid-token-0123456789abcdef")
    manager = manager_for(server, tmp_path / "jobs.db", rec, session=session)
    manager.start()
    try:
        jobs = manager.add_files([str(c) for c in clips], user_id="local")
        ids = {j.job_id for j in jobs}
        # The prompt follows the first job's own move; the others may be parked first.
        rec.wait(lambda ev: {j.job_id for j in manager.jobs()
                             if j.state is S.WAITING_SIGN_IN} == ids
                 and any(isinstance(e, SignInRequired) for e in ev))
        assert len(rec.of(SignInRequired)) == 1
        assert rec.of(SignInRequired)[0].error_code == "TOKEN_EXPIRED"
        client.sign_in(server.username, server.password)
        manager.sign_in_completed()
        rec.wait(rec.all_finished(ids))
    finally:
        manager.shutdown()
    assert all(j.state is S.DONE for j in manager.jobs())
    assert len(rec.of(SignInRequired)) == 1
    assert len(server_videos(server)) == len(clips)


def test_open_breaker_makes_jobs_wait_for_the_server_then_continue(server, clips, tmp_path):
    rec = Recorder()
    manager = manager_for(server, tmp_path / "jobs.db", rec, upload_workers=1)
    manager.start()
    try:
        server.inject_fault("POST", "/sessions/*/videos", status=503, retry_after=0, count=100)
        jobs = manager.add_files([str(c) for c in clips])
        ids = {j.job_id for j in jobs}
        rec.wait(lambda ev: {j.job_id for j in manager.jobs()
                             if j.state is S.WAITING_SERVER} == ids)
        assert any(a.kind == "breaker_open" for a in rec.of(Alert))
        down = [c for c in rec.of(ConnectionChanged) if c.state is ConnectionState.UNAVAILABLE]
        assert down and down[0].next_probe_at is not None
        assert not any(j.state is S.FAILED for j in manager.jobs())
        server.clear_faults()
        manager.probe_now()  # the status bar's "Retry now"
        rec.wait(rec.all_finished(ids))
    finally:
        manager.shutdown()
    assert all(j.state is S.DONE for j in manager.jobs())
    assert rec.of(ConnectionChanged)[-1].state is ConnectionState.ONLINE
    assert len(server_videos(server)) == len(clips)


def test_changed_file_fails_with_file_changed_and_reselect_uploads_it(server, clips, tmp_path):
    path = _copy(clips[0], tmp_path, "changing.mp4")
    rec = Recorder()
    manager = manager_for(server, tmp_path / "jobs.db", rec)
    (job,) = manager.add_files([path])
    with open(path, "ab") as fh:  # still being copied when it was queued
        fh.write(b"\0" * 100)
    manager.start()
    try:
        rec.wait(rec.state_reached(job.job_id, S.FAILED))
        failed = manager.get(job.job_id)
        assert failed.failure.error_code == "FILE_CHANGED"
        assert "changing.mp4" in failed.failure.message
        shutil.copy2(clips[0], path)  # the finished copy
        manager.reselect(job.job_id, path)
        rec.wait(rec.state_reached(job.job_id, S.DONE))
    finally:
        manager.shutdown()
    assert [v["sha256"] for v in server_videos(server)] == [sha256(clips[0])]


def test_vanished_file_fails_with_file_not_found_and_can_be_reselected(server, clips, tmp_path):
    path = _copy(clips[1], tmp_path, "moved.mp4")
    rec = Recorder()
    manager = manager_for(server, tmp_path / "jobs.db", rec)
    (job,) = manager.add_files([path])
    new_home = tmp_path / "elsewhere" / "moved.mp4"
    new_home.parent.mkdir()
    os.replace(path, new_home)
    manager.start()
    try:
        rec.wait(rec.state_reached(job.job_id, S.FAILED))
        assert manager.get(job.job_id).failure.error_code == "FILE_NOT_FOUND"
        manager.reselect(job.job_id, str(new_home))
        rec.wait(rec.state_reached(job.job_id, S.DONE))
    finally:
        manager.shutdown()
    assert manager.get(job.job_id).path == str(new_home)
    assert len(server_videos(server)) == 1


def test_checksum_mismatch_uploads_once_more_then_fails(server, clips, tmp_path):
    # The analysis recorded one sha256, but the bytes on disk (same size and mtime,
    # rewritten in place) hash differently: the server's copy can never match.
    path = _copy(clips[2], tmp_path, "silently-changed.mp4")
    store = JobStore(tmp_path / "jobs.db")
    size, mtime = os.path.getsize(path), os.stat(path).st_mtime_ns
    job = store.add(Job(job_id="", path=path, size=size, mtime_ns=mtime, server_url=server.url,
                        session_title="t", stage=Stage.UPLOAD, sha256="0" * 64))
    store.close()
    rec = Recorder()
    manager = manager_for(server, tmp_path / "jobs.db", rec)
    manager.start()
    try:
        rec.wait(rec.state_reached(job.job_id, S.FAILED))
    finally:
        manager.shutdown()
    failed = manager.get(job.job_id)
    assert failed.failure.error_code == "CHECKSUM_MISMATCH"
    assert failed.reupload_count == 1
    assert failed.failure.stage == "upload"
    assert server_videos(server) == []  # neither wrong copy is left behind


def test_shutdown_mid_upload_keeps_the_job_and_next_start_finishes_it_once(
        server_factory, big_clip, tmp_path):
    srv = server_factory(chunk_size=256 * 1024)
    rec = Recorder()
    first = manager_for(srv, tmp_path / "jobs.db", rec, session=session_for(srv, kbps=1024))
    first.start()
    (job,) = first.add_files([str(big_clip)])
    rec.wait(lambda ev: any(isinstance(e, JobProgress) and e.stage is Stage.UPLOAD
                            and e.done > 300_000 for e in ev))
    first.shutdown()
    left = JobStore(tmp_path / "jobs.db").get(job.job_id)
    assert left.state is S.QUEUED and left.stage is Stage.UPLOAD and left.upload_url

    rec2 = Recorder()
    second = manager_for(srv, tmp_path / "jobs.db", rec2)
    second.start()
    try:
        rec2.wait(rec2.state_reached(job.job_id, S.DONE))
    finally:
        second.shutdown()
    (video,) = server_videos(srv)
    assert video["sha256"] == sha256(big_clip)
    assert len(srv.ctx.store.all("SELECT * FROM uploads")) == 1  # resumed, not re-created


def test_transient_fault_is_a_row_state_with_attempt_events_not_a_failure(server, clips, tmp_path):
    rec = Recorder()
    manager = manager_for(server, tmp_path / "jobs.db", rec)
    server.inject_fault("POST", "/sessions/*/videos", status=503, retry_after=1, count=2)
    manager.start()
    try:
        (job,) = manager.add_files([str(clips[0])])
        rec.wait(rec.state_reached(job.job_id, S.DONE))
    finally:
        manager.shutdown()
    attempts = rec.of(JobAttempt)
    assert [(a.attempt, a.max_attempts, a.error_code) for a in attempts] == [
        (1, 5, "SERVICE_UNAVAILABLE"), (2, 5, "SERVICE_UNAVAILABLE")]
    assert all(a.delay_s == pytest.approx(1.0) and a.request_id for a in attempts)  # Retry-After
    assert rec.state_reached(job.job_id, S.WAITING_RETRY)(rec.events)
    history = [h for h in manager.history(job.job_id) if h["kind"] == "attempt"]
    assert [(h["attempt"], h["error_code"]) for h in history] == [
        (1, "SERVICE_UNAVAILABLE"), (2, "SERVICE_UNAVAILABLE")]
    assert history[0]["detail"] == "attempt 1 of 5" and history[0]["delay_s"] == pytest.approx(1.0)
    states = [c.state for c in rec.of(ConnectionChanged)]
    assert ConnectionState.RETRYING in states and states[-1] is ConnectionState.ONLINE
    snap = manager.monitor.snapshot()
    assert snap.errors_by_code["SERVICE_UNAVAILABLE"] == 2
    assert snap.retries_by_endpoint == {"POST /api/v1/sessions/{id}/videos": 2}


def test_pause_all_then_resume_all_and_remove(server_factory, big_clip, clips, tmp_path):
    srv = server_factory(chunk_size=256 * 1024)
    rec = Recorder()
    manager = manager_for(srv, tmp_path / "jobs.db", rec, session=session_for(srv, kbps=1024),
                          upload_workers=1)
    manager.start()
    try:
        jobs = manager.add_files([str(big_clip), str(clips[0]), str(clips[1])])
        ids = {j.job_id for j in jobs}
        rec.wait(lambda ev: any(isinstance(e, JobProgress) and e.stage is Stage.UPLOAD
                                for e in ev))
        manager.pause()  # everything: the running upload and the queued ones
        rec.wait(lambda ev: all(manager.get(j).state is S.PAUSED for j in ids), timeout=10)
        removed = jobs[2].job_id
        manager.remove(removed)
        assert manager.get(removed) is None and rec.of(JobRemoved)[0].job_id == removed
        manager.resume()
        rec.wait(rec.all_finished(ids - {removed}))
    finally:
        manager.shutdown()
    assert {j.state for j in manager.jobs()} == {S.DONE}
    assert sorted(v["sha256"] for v in server_videos(srv)) == sorted(
        [sha256(big_clip), sha256(clips[0])])


def _eventually(predicate, timeout: float = 10.0) -> bool:
    """Polls: nothing announces the server dropping an upload, so look until it has."""
    import time

    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_removing_a_job_mid_upload_discards_its_partial_upload_on_the_server(
        server_factory, big_clip, tmp_path):
    srv = server_factory(chunk_size=256 * 1024)
    rec = Recorder()
    manager = manager_for(srv, tmp_path / "jobs.db", rec, session=session_for(srv, kbps=1024))
    manager.start()
    try:
        (job,) = manager.add_files([str(big_clip)])
        rec.wait(lambda ev: any(isinstance(e, JobProgress) and e.stage is Stage.UPLOAD
                                and e.done > 300_000 for e in ev))
        upload_id = manager.get(job.job_id).upload_url.rstrip("/").rsplit("/", 1)[-1]
        row = srv.ctx.store.upload(upload_id)
        assert row is not None and os.path.exists(row["path"])
        manager.remove(job.job_id)  # while its upload is running
        assert manager.get(job.job_id) is None
        assert _eventually(lambda: srv.ctx.store.upload(upload_id) is None)
    finally:
        manager.shutdown()
    assert not os.path.exists(row["path"])  # the partial bytes are gone from the server's disk
    assert server_videos(srv) == []


def test_readding_a_failed_file_retries_its_job_instead_of_queueing_a_second(
        server, clips, tmp_path):
    rec = Recorder()
    manager = manager_for(server, tmp_path / "jobs.db", rec)
    server.inject_fault("POST", "/sessions/*/videos", status=500, error_code="INTERNAL_ERROR",
                        count=1)
    manager.start()
    try:
        (job,) = manager.add_files([str(clips[0])])
        rec.wait(rec.state_reached(job.job_id, S.FAILED))
        (again,) = manager.add_files([str(clips[0])])  # the window's drop, a second time
        assert again.job_id == job.job_id
        rec.wait(rec.state_reached(job.job_id, S.DONE))
    finally:
        manager.shutdown()
    assert [j.job_id for j in manager.jobs()] == [job.job_id]
    assert [v["sha256"] for v in server_videos(server)] == [sha256(clips[0])]
    assert len(rec.of(JobAdded)) == 1


def test_readding_paused_and_stored_files_resumes_and_reports_them_without_new_jobs(
        server, clips, tmp_path):
    rec = Recorder()
    manager = manager_for(server, tmp_path / "jobs.db", rec)
    (paused,) = manager.add_files([str(clips[0])])
    manager.pause(paused.job_id)  # not started yet: paused at once
    manager.start()
    try:
        (stored,) = manager.add_files([str(clips[1])])
        rec.wait(rec.state_reached(stored.job_id, S.DONE))
        again = manager.add_files([str(clips[0]), str(clips[1])])
        assert [j.job_id for j in again] == [paused.job_id, stored.job_id]
        rec.wait(rec.state_reached(paused.job_id, S.DONE))  # resumed by being added again
    finally:
        manager.shutdown()
    assert sorted(j.job_id for j in manager.jobs()) == sorted([paused.job_id, stored.job_id])
    assert sorted(v["sha256"] for v in server_videos(server)) == sorted(
        [sha256(clips[0]), sha256(clips[1])])  # the stored one was not sent again
