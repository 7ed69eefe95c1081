"""A store that cannot write never leaves a job in limbo (issue 13, item 3). On main a
store update that raised "database or disk is full" in a worker left the job in its
active state for ever ("worker crashed on job") and ``upload`` waited without end.

The disk is faked at the one place it is met, SQLite saying it is full (the real thing, a
small tmpfs, is in tests/faults/test_disk_full.py)."""

from __future__ import annotations

import sqlite3

from desktop_app.jobs.model import JobState
from desktop_app.jobs.store import JobStore
from tests.jobs.helpers import Recorder, server_videos, session_for, sha256

S = JobState


class _Disk:
    """The store's SQLite connection, on a disk that can fill up: once ``full``, every
    write transaction fails as SQLite fails on a full disk."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db, self.full = db, False

    def execute(self, sql: str, *args):
        if self.full and sql.startswith("BEGIN"):
            raise sqlite3.OperationalError("database or disk is full")
        return self._db.execute(sql, *args)

    def __getattr__(self, name: str):
        return getattr(self._db, name)


class FillingStore(JobStore):
    """A job store whose disk fills up the moment a job starts uploading."""

    def __init__(self, path) -> None:
        super().__init__(path)
        self._db = self.disk = _Disk(self._db)

    def transition(self, job_id, to, **kw):
        if to is S.UPLOADING:
            self.disk.full = True
        return super().transition(job_id, to, **kw)


def test_a_job_whose_failure_cannot_be_stored_still_ends_and_a_rerun_finishes_it(
        server, sample_video, tmp_path):
    path = tmp_path / "jobs.db"
    session = session_for(server)
    manager = session.open_manager(on_event=Recorder(), interactive=False,
                                   store=FillingStore(path))
    (job,) = manager.add_files([str(sample_video)])
    try:
        manager.start()
        assert manager.wait_idle({job.job_id}, timeout=60)  # ended, not in limbo
        ended = manager.get(job.job_id)
    finally:
        session.close()
    assert ended.state is S.FAILED and ended.failure.error_code == "LOCAL_DISK_FULL"
    assert str(path.parent) in ended.failure.message  # which folder
    assert "not recorded" in ended.failure.detail
    stored = JobStore(path).get(job.job_id)
    assert not stored.state.finished  # the store still has it where it stopped ...

    session = session_for(server)  # ... so the next run (space freed) carries on
    manager = session.open_manager(on_event=Recorder(), interactive=False,
                                   store=JobStore(path))
    try:
        manager.start(resume_only={job.job_id})
        assert manager.wait_idle({job.job_id}, timeout=60)
        assert manager.get(job.job_id).state is S.DONE
    finally:
        session.close()
    assert [v["sha256"] for v in server_videos(server)] == [sha256(sample_video)]
