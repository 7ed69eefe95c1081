"""Duplicates of large files: the sha256 comes after the first byte, the server is asked then.

The first byte waits for the sha256 ``duplicate_check_wait_s`` at most (0 here: the upload
starts at once). A file of 2 GiB (a clip followed by a sparse ``free`` box: no disk space,
but its sha256 takes a second or two, as a large video's does) is still being hashed when
its upload has begun on a slow link; a small file queued behind it waits for the one hash
worker, so its upload begins before its sha256 is known too. The server "already has" a
file when its store has a processed video with that sha256 (put there directly: a 2 GiB
upload is no test's business).
"""

from __future__ import annotations

import logging
import shutil
import uuid
from pathlib import Path

import pytest

from desktop_app.files import sha256_of
from desktop_app.jobs.known import Request
from desktop_app.jobs.model import JobState
from tests.jobs.helpers import (
    Recorder,
    manager_for,
    server_videos,
    session_for,
    sha256,
    upload_body_bytes,
    uploads_left,
)

S = JobState
CHUNK = 256 * 1024
KBPS = 1024  # 1 MiB/s: a 2 GiB upload would take half an hour
HUGE = 2 * 1024**3
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def huge(video_factory, tmp_path_factory) -> tuple[Path, str]:
    """A valid video of 2 GiB that takes no disk space, and its sha256."""
    clip = video_factory("late-dup-base.mp4", seconds=1)
    path = tmp_path_factory.mktemp("huge") / "huge.mp4"
    shutil.copyfile(clip, path)
    with open(path, "ab") as fh:
        fh.write((1).to_bytes(4, "big") + b"free" + HUGE.to_bytes(8, "big"))
        fh.truncate(clip.stat().st_size + HUGE)
    with open(path, "rb") as fh:
        digest = sha256_of(fh)
    assert digest is not None
    return path, digest


@pytest.fixture(scope="module")
def small(video_factory) -> Path:
    """A few MB (several tus chunks): a few seconds on the slow link."""
    return video_factory("late-dup-small.mp4", seconds=1, size=(320, 240), noise=True)


def already_stored(srv, user_id: str, path: Path, digest: str) -> str:
    """The server has these bytes already: a processed video of this user (its file a
    sparse copy made without reading the original)."""
    video_id = uuid.uuid4().hex
    dest = srv.ctx.config.videos_dir / f"{video_id}.mp4"
    with open(dest, "wb") as fh:
        fh.truncate(path.stat().st_size)
    srv.ctx.store.add_video({
        "video_id": video_id, "session_id": uuid.uuid4().hex, "user_id": user_id,
        "filename": path.name, "bytes": path.stat().st_size, "sha256": digest,
        "status": "processed", "error_code": None, "error": None, "analysis": None,
        "recorded_at": None, "created_at": "2024-01-01T00:00:00Z",
        "processed_at": "2024-01-01T00:00:01Z", "path": str(dest)})
    return video_id


class Asked:
    """The server's duplicate queries as it answers them: for each sha256 asked, how far
    the upload of ``watch`` (a file name) had come on the server at that moment."""

    def __init__(self, srv, monkeypatch, watch: str) -> None:
        store = srv.ctx.store
        original = store.videos_with_sha256
        self.offsets: dict[str, int | None] = {}

        def spy(user_id: str, digest: str):
            rows = store.all("SELECT offset, metadata FROM uploads")
            self.offsets[digest] = next((r["offset"] for r in rows
                                         if f'"{watch}"' in r["metadata"]), None)
            return original(user_id, digest)

        monkeypatch.setattr(store, "videos_with_sha256", spy)


def app_warnings(caplog) -> list[str]:
    """What the app (not the reference server) logged at warning level or above."""
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING
            and r.name.startswith("desktop_app") and not r.name.startswith("desktop_app.server")]


def late_manager(srv, tmp_path, rec: Recorder):
    session = session_for(srv, kbps=KBPS)
    manager = manager_for(srv, tmp_path / "jobs.db", rec, session=session,
                          duplicate_check_wait_s=0)
    return session, manager


def test_a_large_file_the_server_has_stops_once_its_checksum_is_known(
        server_factory, huge, tmp_path, caplog):
    path, digest = huge
    srv = server_factory(chunk_size=CHUNK)
    rec = Recorder()
    session, manager = late_manager(srv, tmp_path, rec)
    existing = already_stored(srv, session.backend.user_id(), path, digest)
    caplog.set_level(logging.INFO)
    try:
        manager.start()
        (job,) = manager.add_files([str(path)])
        rec.wait(rec.all_finished({job.job_id}), timeout=60)
    finally:
        manager.shutdown()
    done = manager.get(job.job_id)
    assert done.state is S.DONE and done.already_on_server
    assert done.video_id == existing and done.bytes_sent == 0
    sent = upload_body_bytes(srv)
    assert 0 < sent < path.stat().st_size  # it had begun, and stopped long before the end
    assert [v["video_id"] for v in server_videos(srv)] == [existing]
    assert uploads_left(srv) == []  # the partial upload was terminated, its bytes deleted
    assert done.upload_url is None
    notes = [h["detail"] for h in manager.history(job.job_id) if h["to_state"] == "done"]
    assert len(notes) == 1 and f"already on the server as video {existing}" in notes[0]
    assert f"of {path.stat().st_size} bytes were sent before its checksum was known" in notes[0]
    assert manager.store.failures(job.job_id) == []
    assert app_warnings(caplog) == []


def _behind_the_huge_one(srv, tmp_path, huge, rec, monkeypatch, small: Path, *,
                         stored: bool, force: bool):
    """The huge duplicate first (its hash keeps the one hash worker busy), then ``small``:
    its upload begins while its sha256 waits for that worker."""
    path, digest = huge
    asked = Asked(srv, monkeypatch, small.name)
    session, manager = late_manager(srv, tmp_path, rec)
    user = session.backend.user_id()
    already_stored(srv, user, path, digest)
    stored_id = already_stored(srv, user, small, sha256(small)) if stored else None
    try:
        manager.start()
        (first,) = manager.add_files([str(path)])
        rec.wait(rec.state_reached(first.job_id, S.UPLOADING))
        (added,) = manager.submit([str(small)], Request(), force=force)
        ids = {first.job_id, added.job.job_id}
        rec.wait(rec.all_finished(ids), timeout=90)
    finally:
        manager.shutdown()
    return manager.get(first.job_id), manager.get(added.job.job_id), asked, stored_id


def test_a_new_file_whose_checksum_comes_late_still_uploads_whole(
        server_factory, huge, small, tmp_path, monkeypatch):
    srv = server_factory(chunk_size=CHUNK)
    rec = Recorder()
    big, new, asked, _ = _behind_the_huge_one(srv, tmp_path, huge, rec, monkeypatch, small,
                                              stored=False, force=False)
    assert big.state is S.DONE and big.already_on_server
    assert asked.offsets[sha256(small)] > 0, "asked once its upload had begun"
    assert new.state is S.DONE and not new.already_on_server
    assert new.bytes_sent == small.stat().st_size
    videos = {v["video_id"]: v for v in server_videos(srv)}
    assert len(videos) == 2 and new.video_id in videos
    assert sha256(videos[new.video_id]["path"]) == sha256(small)  # byte-identical
    assert uploads_left(srv) == []


def test_force_upload_skips_the_late_check(server_factory, huge, small, tmp_path, monkeypatch):
    srv = server_factory(chunk_size=CHUNK)
    rec = Recorder()
    big, forced, asked, stored_id = _behind_the_huge_one(
        srv, tmp_path, huge, rec, monkeypatch, small, stored=True, force=True)
    assert big.state is S.DONE and big.already_on_server
    assert sha256(small) not in asked.offsets  # never asked
    assert forced.state is S.DONE and not forced.already_on_server
    assert forced.video_id != stored_id and forced.bytes_sent == small.stat().st_size
    copies = [v for v in server_videos(srv) if v["sha256"] == sha256(small)]
    assert {v["video_id"] for v in copies} == {stored_id, forced.video_id}
    assert uploads_left(srv) == []
