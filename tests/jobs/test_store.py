"""The job store: commits, legal and illegal moves, failure records, migrations."""

from __future__ import annotations

import sqlite3

import pytest

from desktop_app.errors import AppError
from desktop_app.jobs import migrations
from desktop_app.jobs.model import FailureRecord, Job, JobState, Stage
from desktop_app.jobs.store import ALLOWED, IllegalTransition, JobStore

S = JobState


def _job(path="/videos/a.mp4") -> Job:
    return Job(job_id="", path=path, size=123, mtime_ns=456, server_url="http://127.0.0.1:1",
               user_id="alice", recorded_at="2026-05-01T14:30:00Z")


def test_added_job_is_on_disk_before_add_returns(tmp_path):
    db = tmp_path / "jobs.sqlite3"
    store = JobStore(db)
    job = store.add(_job())
    # A second, independent connection (another process, in effect) sees it committed.
    other = sqlite3.connect(db)
    row = other.execute("SELECT state, idempotency_key FROM jobs WHERE job_id=?",
                        (job.job_id,)).fetchone()
    assert row == ("queued", job.idempotency_key)
    assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert job.idempotency_key and job.job_id


def test_job_survives_reopen_with_all_fields(tmp_path):
    store = JobStore(tmp_path / "j.db")
    job = store.add(_job())
    store.update(job.job_id, upload_url="http://x/uploads/1", bytes_sent=99,
                 analysis={"duration_s": 1.5})
    store.close()
    again = JobStore(tmp_path / "j.db").get(job.job_id)
    assert again.upload_url == "http://x/uploads/1"
    assert again.bytes_sent == 99 and again.analysis == {"duration_s": 1.5}
    assert again.user_id == "alice" and again.recorded_at == "2026-05-01T14:30:00Z"


def test_illegal_transitions_are_refused_and_change_nothing(tmp_path):
    store = JobStore(tmp_path / "j.db")
    job = store.add(_job())
    with pytest.raises(IllegalTransition) as exc:
        store.transition(job.job_id, S.QUEUED)  # queued -> queued is not a move
    assert "queued -> queued" in str(exc.value)
    store.transition(job.job_id, S.VALIDATING)
    store.transition(job.job_id, S.ANALYZING, stage=Stage.ANALYSE)
    with pytest.raises(IllegalTransition):
        store.transition(job.job_id, S.DONE)  # analysing cannot jump to done
    assert store.get(job.job_id).state is S.ANALYZING
    store.transition(job.job_id, S.UPLOADING, stage=Stage.UPLOAD)
    store.transition(job.job_id, S.PROCESSING, stage=Stage.PROCESS)
    store.transition(job.job_id, S.DONE, stage=Stage.DONE)
    for target in S:
        with pytest.raises(IllegalTransition):
            store.transition(job.job_id, target)  # done is final
    with pytest.raises(IllegalTransition):  # a resume, a retry: not for a done job
        store.transition(job.job_id, S.QUEUED, allowed_from={S.FAILED, S.CANCELLED})
    assert store.get(job.job_id).finished_at is not None


def test_every_state_has_rules_and_done_is_terminal():
    assert set(ALLOWED) == set(S)
    assert ALLOWED[S.DONE] == frozenset({S.QUEUED})  # only a run-again that names DONE
    assert S.QUEUED in ALLOWED[S.FAILED]  # retry


def test_a_done_job_runs_again_only_when_the_caller_names_done(tmp_path):
    store = JobStore(tmp_path / "j.db")
    job = store.add(_job())
    for state, stage in ((S.VALIDATING, None), (S.ANALYZING, Stage.ANALYSE),
                         (S.UPLOADING, Stage.UPLOAD), (S.DONE, Stage.DONE)):
        store.transition(job.job_id, state, stage=stage)
    again = store.transition(job.job_id, S.QUEUED, allowed_from={S.DONE}, stage=Stage.UPLOAD,
                             video_id=None)
    assert (again.state, again.stage, again.finished_at) == (S.QUEUED, Stage.UPLOAD, None)


def test_allowed_from_guards_against_a_concurrent_pause(tmp_path):
    store = JobStore(tmp_path / "j.db")
    job = store.add(_job())
    store.transition(job.job_id, S.VALIDATING)
    store.transition(job.job_id, S.PAUSED)
    with pytest.raises(IllegalTransition):
        store.transition(job.job_id, S.QUEUED, allowed_from={S.VALIDATING})
    assert store.get(job.job_id).state is S.PAUSED


def test_failure_needs_a_record_and_keeps_every_field(tmp_path):
    store = JobStore(tmp_path / "j.db")
    job = store.add(_job())
    store.transition(job.job_id, S.VALIDATING)
    with pytest.raises(ValueError):
        store.transition(job.job_id, S.FAILED)
    rec = FailureRecord(stage="upload", error_code="SERVICE_UNAVAILABLE",
                        message="The server is busy.", hint="Wait.", detail="HTTP 503",
                        http_status=503, request_id="req-1", attempts=5, retryable=True)
    failed = store.transition(job.job_id, S.FAILED, failure=rec)
    assert failed.failure == rec
    assert store.jobs(states={S.FAILED})[0].failure.request_id == "req-1"
    history = store.history(job.job_id)
    assert [h["to_state"] for h in history] == ["queued", "validating", "failed"]
    assert history[-1]["error_code"] == "SERVICE_UNAVAILABLE"
    # retry clears the current failure but keeps the record for support
    store.transition(job.job_id, S.QUEUED)
    assert store.get(job.job_id).failure is None
    assert len(store.failures(job.job_id)) == 1


def test_find_matches_same_file_and_server(tmp_path):
    store = JobStore(tmp_path / "j.db")
    a = store.add(_job())
    store.add(_job("/videos/b.mp4"))
    found = store.find(path="/videos/a.mp4", size=123, mtime_ns=456,
                       server_url="http://127.0.0.1:1")
    assert [j.job_id for j in found] == [a.job_id]
    assert store.find(path="/videos/a.mp4", size=124, mtime_ns=456,
                      server_url="http://127.0.0.1:1") == []


def test_migration_from_v1_keeps_jobs_and_their_errors(tmp_path):
    db_path = tmp_path / "old.db"
    db = sqlite3.connect(db_path, isolation_level=None)
    migrations.migrate(db, target=1)
    assert migrations.version(db) == 1
    db.execute(
        "INSERT INTO jobs (job_id, path, size, mtime_ns, server_url, user_id, idempotency_key,"
        " state, stage, attempts, error_code, error_message, created_at, updated_at)"
        " VALUES ('j1', '/v/a.mp4', 10, 20, 'http://s', 'bob', 'k1', 'failed', 'upload', 3,"
        " 'SERVICE_UNAVAILABLE', 'HTTP 503 after 3 attempts', 1.0, 2.0)")
    db.close()

    store = JobStore(db_path)
    job = store.get("j1")
    assert job.state is S.FAILED and job.stage is Stage.UPLOAD
    assert job.failure.error_code == "SERVICE_UNAVAILABLE"
    assert job.failure.detail == "HTTP 503 after 3 attempts"
    assert job.failure.message == "The server is busy or under maintenance."
    assert job.session_title == "" and job.bytes_sent == 0
    # and the migrated job can move on
    assert store.transition("j1", S.QUEUED).state is S.QUEUED
    assert migrations.version(store._db) == migrations.LATEST


def test_store_from_a_newer_app_is_refused(tmp_path):
    db = sqlite3.connect(tmp_path / "new.db")
    db.execute(f"PRAGMA user_version={migrations.LATEST + 1}")
    db.close()
    with pytest.raises(AppError, match="newer than this app"):
        JobStore(tmp_path / "new.db")


def test_add_many_commits_all_or_nothing(tmp_path):
    store = JobStore(tmp_path / "j.db")
    existing = store.add(_job("/videos/x.mp4"))
    batch = [_job(f"/videos/{i}.mp4") for i in range(3)]
    batch[2].job_id = existing.job_id  # a clash: the whole batch must not half-land
    with pytest.raises(sqlite3.IntegrityError):
        store.add_many(batch)
    assert [j.path for j in store.jobs()] == ["/videos/x.mp4"]
    added = store.add_many([_job(f"/videos/{i}.mp4") for i in range(3)])
    assert len(store.jobs()) == 4 and all(j.idempotency_key for j in added)
