"""Upload while analysing: the upload starts after the quick checks, the full decode runs
beside it, the finish call carries the analysis; a decode that finds the file damaged
stops the upload and leaves nothing on the server.

The clip is long enough (720p, 15 s: a few seconds of decoding at one decoder thread)
and the bandwidth limit low enough that both are still running when the tests look.
"""

from __future__ import annotations

import httpx
import pytest

from desktop_app.errors import AppError
from desktop_app.jobs.model import JobChanged, JobProgress, JobState, Stage
from desktop_app.media.analyse import analyse
from tests.fixtures.server import api_token
from tests.fixtures.videos import damage_tail
from tests.jobs.helpers import (
    Recorder,
    manager_for,
    server_videos,
    session_for,
    sha256,
    uploads_left,
)

S = JobState
CHUNK = 256 * 1024
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def long_clip(video_factory):
    return video_factory("overlap-720p.mp4", seconds=15, size=(1280, 720))


def _progress(rec: Recorder, stage: Stage) -> list[JobProgress]:
    return [e for e in rec.of(JobProgress) if e.stage is stage]


def _both_running(rec: Recorder) -> bool:
    """Bytes on the wire while the analysis has begun and is not finished."""
    up = _progress(rec, Stage.UPLOAD)
    an = _progress(rec, Stage.ANALYSE)
    return bool(up and up[-1].done > 0 and an and 0 < an[-1].done < an[-1].total)


def _index(rec: Recorder, predicate) -> int:
    return next(i for i, e in enumerate(rec.events) if predicate(e))


def test_a_good_clip_uploads_while_it_is_analysed_and_the_server_gets_the_analysis(
        server_factory, long_clip, tmp_path):
    srv = server_factory(chunk_size=CHUNK)
    rec = Recorder()
    manager = manager_for(srv, tmp_path / "jobs.db", rec, session=session_for(srv, kbps=1024))
    manager.start()
    try:
        (job,) = manager.add_files([str(long_clip)])
        rec.wait(rec.state_reached(job.job_id, S.DONE), timeout=120)
    finally:
        manager.shutdown()
    first_byte = _index(rec, lambda e: isinstance(e, JobProgress) and e.stage is Stage.UPLOAD
                        and e.done > 0)
    analysed = _index(rec, lambda e: isinstance(e, JobProgress) and e.stage is Stage.ANALYSE
                      and e.done == e.total)
    assert first_byte < analysed, "the upload began before the analysis ended"
    done = manager.get(job.job_id)
    video = httpx.get(f"{srv.api_url}/videos/{done.video_id}", timeout=10,
                      headers={"Authorization": f"Bearer {api_token(srv)}"}).json()
    assert video["status"] == "processed" and video["sha256"] == sha256(long_clip)
    assert video["analysis"]["width"] == 1280 and video["analysis"]["frame_count"] == 450
    assert video["analysis"]["sha256"] == sha256(long_clip)
    assert "thumbnail_path" not in video["analysis"] and "file" not in video["analysis"]
    assert done.analysis["frame_count"] == 450 and done.analysis["thumbnail_path"]
    states = [h["to_state"] for h in manager.history(job.job_id) if h["kind"] == "state"]
    assert states == ["validating", "queued", "uploading", "queued", "processing", "done"]
    (stored,) = server_videos(srv)
    assert sha256(stored["path"]) == sha256(long_clip)


def test_a_clip_damaged_in_its_last_third_stops_its_upload_and_leaves_nothing_on_the_server(
        server_factory, long_clip, tmp_path):
    damaged = damage_tail(long_clip, tmp_path / "damaged.mp4")
    with pytest.raises(AppError) as decoded:  # what the decoder says of it, on its own
        analyse(damaged)
    srv = server_factory(chunk_size=CHUNK)
    rec = Recorder()
    manager = manager_for(srv, tmp_path / "jobs.db", rec, session=session_for(srv, kbps=512))
    manager.start()
    try:
        (job,) = manager.add_files([str(damaged)])
        rec.wait(rec.state_reached(job.job_id, S.FAILED), timeout=120)
    finally:
        manager.shutdown()
    failed = manager.get(job.job_id)
    assert failed.failure.error_code == "VIDEO_CORRUPTED" == decoded.value.code
    assert failed.failure.message == decoded.value.message  # "only N of its 450 frames"
    assert failed.failure.stage == "analyse"
    # It was uploading when the decode found the damage, and stopped there.
    sent = [e.done for e in _progress(rec, Stage.UPLOAD)]
    assert sent and 0 < max(sent) < damaged.stat().st_size
    failed_at = _index(rec, lambda e: isinstance(e, JobChanged) and e.job.state is S.FAILED)
    assert any(isinstance(e, JobProgress) and e.stage is Stage.UPLOAD and e.done > 0
               for e in rec.events[:failed_at])
    assert uploads_left(srv) == []  # the partial upload was terminated, its bytes deleted
    assert server_videos(srv) == []
    assert failed.upload_url is None


def test_pause_with_both_running_then_resume_ends_done_once(server_factory, long_clip, tmp_path):
    srv = server_factory(chunk_size=CHUNK)
    rec = Recorder()
    manager = manager_for(srv, tmp_path / "jobs.db", rec, session=session_for(srv, kbps=1024))
    manager.start()
    try:
        (job,) = manager.add_files([str(long_clip)])
        rec.wait(lambda ev: _both_running(rec))
        manager.pause(job.job_id)
        rec.wait(rec.state_reached(job.job_id, S.PAUSED), timeout=5)
        paused = manager.get(job.job_id)
        assert paused.analysis is None and paused.stage is Stage.UPLOAD  # stopped half-way
        offset = srv.ctx.store.upload(paused.upload_url.rstrip("/").rsplit("/", 1)[-1])["offset"]
        assert 0 < offset < long_clip.stat().st_size
        resumed_at = len(rec.events)
        manager.resume(job.job_id)
        rec.wait(rec.state_reached(job.job_id, S.DONE), timeout=120)
    finally:
        manager.shutdown()
    after = rec.events[resumed_at:]
    first_up = next(e for e in after if isinstance(e, JobProgress) and e.stage is Stage.UPLOAD)
    assert first_up.done >= offset  # the upload went on from the server's offset
    first_an = next(e for e in after if isinstance(e, JobProgress) and e.stage is Stage.ANALYSE)
    assert first_an.done < first_an.total // 2  # the analysis began again
    (video,) = server_videos(srv)
    assert video["sha256"] == sha256(long_clip) == sha256(video["path"])
    assert len(srv.ctx.store.all("SELECT * FROM uploads")) == 1  # resumed, not re-created
    assert manager.get(job.job_id).analysis["frame_count"] == 450


def test_cancel_with_both_running_then_retry_ends_done_once(server_factory, long_clip, tmp_path):
    srv = server_factory(chunk_size=CHUNK)
    rec = Recorder()
    manager = manager_for(srv, tmp_path / "jobs.db", rec, session=session_for(srv, kbps=1024))
    manager.start()
    try:
        (job,) = manager.add_files([str(long_clip)])
        rec.wait(lambda ev: _both_running(rec))
        manager.cancel(job.job_id)
        rec.wait(rec.state_reached(job.job_id, S.CANCELLED), timeout=5)
        assert manager.get(job.job_id).analysis is None
        manager.retry(job.job_id)
        rec.wait(rec.state_reached(job.job_id, S.DONE), timeout=120)
    finally:
        manager.shutdown()
    (video,) = server_videos(srv)
    assert video["sha256"] == sha256(long_clip) == sha256(video["path"])
    assert manager.get(job.job_id).analysis["frame_count"] == 450
