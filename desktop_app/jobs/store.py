"""The job store: one SQLite file (WAL) that survives crashes, kills and restarts.

Rules the rest of the app relies on:

* ``add()`` commits the job row before it returns, so nobody is told a job is
  queued before it would survive a crash.
* Every state change goes through ``transition()``: one ``BEGIN IMMEDIATE``
  transaction that re-reads the current state, refuses a move not in
  ``ALLOWED`` (``IllegalTransition``), writes the new state with any field
  updates and appends a row to the job's event history.
* A failure is stored as a record in ``failures`` (all of them are kept, the
  latest is the job's current ``failure``) in that same transaction.
* A full disk is ``AppError("LOCAL_DISK_FULL")`` naming the folder and the space
  needed, never a bare ``sqlite3.OperationalError``: callers treat it like any failure.

The store is shared by threads (one connection behind a lock) and by processes
(the CLI and the window may run at once: WAL + busy timeout).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

from desktop_app import diskspace
from desktop_app.jobs.migrations import migrate
from desktop_app.jobs.model import FailureRecord, Job, JobState, Stage
from desktop_app.jobs.redact import redact
from desktop_app.sqlite_tx import immediate

S = JobState

# from-state -> states it may move to. Active states may always fall back to QUEUED
# (resume on start, pause of a running stage lands in PAUSED instead).
_ACTIVE_NEXT = {S.QUEUED, S.PAUSED, S.CANCELLED, S.FAILED, S.WAITING_RETRY,
                S.WAITING_SERVER, S.WAITING_SIGN_IN}
_WAITING_NEXT = {S.QUEUED, S.VALIDATING, S.ANALYZING, S.UPLOADING, S.PROCESSING,
                 S.PAUSED, S.CANCELLED, S.FAILED, S.WAITING_RETRY, S.WAITING_SERVER,
                 S.WAITING_SIGN_IN}
ALLOWED: dict[JobState, frozenset[JobState]] = {
    S.QUEUED: frozenset({S.VALIDATING, S.ANALYZING, S.UPLOADING, S.PROCESSING, S.PAUSED,
                         S.CANCELLED, S.FAILED, S.WAITING_SERVER, S.WAITING_SIGN_IN,
                         S.DONE}),
    S.VALIDATING: frozenset(_ACTIVE_NEXT | {S.ANALYZING}),
    S.ANALYZING: frozenset(_ACTIVE_NEXT | {S.UPLOADING}),
    S.UPLOADING: frozenset(_ACTIVE_NEXT | {S.PROCESSING, S.DONE}),
    # PROCESSING -> UPLOADING: the one re-upload after a checksum mismatch
    S.PROCESSING: frozenset(_ACTIVE_NEXT | {S.DONE, S.UPLOADING}),
    S.WAITING_RETRY: frozenset(_WAITING_NEXT),
    S.WAITING_SERVER: frozenset(_WAITING_NEXT),
    S.WAITING_SIGN_IN: frozenset(_WAITING_NEXT),
    S.PAUSED: frozenset({S.QUEUED, S.CANCELLED}),
    S.FAILED: frozenset({S.QUEUED, S.CANCELLED}),  # retry / re-select
    S.CANCELLED: frozenset({S.QUEUED}),  # retry
    # DONE is final, but for a run again when the server no longer has the video
    # (jobs/known.py): a move only a caller naming DONE in ``allowed_from`` makes
    S.DONE: frozenset({S.QUEUED}),
}
# Room the store wants free on its disk: a few transactions plus the WAL before a checkpoint.
STORE_HEADROOM = 1024 * 1024


class IllegalTransition(ValueError):
    """A state change the job model does not allow (a bug, never user input)."""

    def __init__(self, job_id: str, current: JobState, target: JobState) -> None:
        super().__init__(f"job {job_id}: {current.value} -> {target.value} is not allowed")
        self.job_id, self.current, self.target = job_id, current, target


class JobNotFound(KeyError):
    pass


# Job fields stored as plain columns (everything but the enum, JSON and failure ones).
_JSON_FIELDS = {"analysis"}
_BOOL_FIELDS = {f.name for f in fields(Job) if f.type in ("bool", bool)}  # SQLite keeps 0/1
_SKIP = {"failure", "state", "stage"}
_COLUMNS = [f.name for f in fields(Job) if f.name not in _SKIP]


def _encode(name: str, value: Any) -> Any:
    if name in _JSON_FIELDS:
        return None if value is None else json.dumps(value)
    return value


class JobStore:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        with self._disk():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(self.path), timeout=10, isolation_level=None,
                                       check_same_thread=False)
            try:
                self._db.row_factory = sqlite3.Row
                self._db.execute("PRAGMA journal_mode=WAL")
                # FULL: a commit is on disk before add()/transition() returns, even if the
                # machine (not just the process) dies right after we told someone.
                self._db.execute("PRAGMA synchronous=FULL")
                self._db.execute("PRAGMA busy_timeout=10000")
                self._db.execute("PRAGMA foreign_keys=ON")
                with self._lock:
                    migrate(self._db)
            except BaseException:
                self._db.close()
                raise

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _disk(self) -> Iterator[None]:
        """A full disk becomes LOCAL_DISK_FULL (folder and space needed), not an sqlite3 error."""
        try:
            yield
        except (sqlite3.Error, OSError) as exc:
            if diskspace.is_full(exc, self.path.parent):
                raise diskspace.local_disk_full(self.path.parent, need=STORE_HEADROOM,
                                                what="its list of jobs") from None
            raise

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._disk(), immediate(self._db, self._lock) as db:
            yield db

    # ---- reading --------------------------------------------------------------------

    def _row_to_job(self, row: sqlite3.Row, failure: FailureRecord | None) -> Job:
        values = {name: row[name] for name in _COLUMNS}
        values["analysis"] = json.loads(row["analysis"]) if row["analysis"] else None
        for name in _BOOL_FIELDS:
            values[name] = bool(values[name])
        return Job(state=JobState(row["state"]), stage=Stage(row["stage"]), failure=failure,
                   **values)

    def _failure(self, db: sqlite3.Connection, job_id: str) -> FailureRecord | None:
        row = db.execute("SELECT * FROM failures WHERE job_id=? ORDER BY id DESC LIMIT 1",
                         (job_id,)).fetchone()
        if row is None:
            return None
        return FailureRecord(stage=row["stage"], error_code=row["error_code"],
                             message=row["message"], hint=row["hint"], detail=row["detail"],
                             http_status=row["http_status"], request_id=row["request_id"],
                             attempts=row["attempts"], time=row["time"],
                             retryable=bool(row["retryable"]), field=row["field"])

    def _get(self, db: sqlite3.Connection, job_id: str) -> Job:
        row = db.execute("SELECT * FROM jobs WHERE job_id=?", (job_id,)).fetchone()
        if row is None:
            raise JobNotFound(job_id)
        failure = self._failure(db, job_id) if row["state"] == S.FAILED else None
        return self._row_to_job(row, failure)

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            try:
                return self._get(self._db, job_id)
            except JobNotFound:
                return None

    def jobs(self, *, states: set[JobState] | None = None, server_url: str | None = None
             ) -> list[Job]:
        """Every job (or those in ``states``), oldest first."""
        with self._lock:
            rows = self._db.execute("SELECT * FROM jobs ORDER BY created_at, rowid").fetchall()
            out = []
            for row in rows:
                if states is not None and JobState(row["state"]) not in states:
                    continue
                if server_url is not None and row["server_url"] != server_url:
                    continue
                failure = (self._failure(self._db, row["job_id"])
                           if row["state"] == S.FAILED else None)
                out.append(self._row_to_job(row, failure))
            return out

    def counts(self) -> dict[JobState, int]:
        """How many jobs are in each state (cheap: no rows are decoded)."""
        with self._lock:
            rows = self._db.execute("SELECT state, COUNT(*) FROM jobs GROUP BY state").fetchall()
            return {JobState(r[0]): r[1] for r in rows}

    def find(self, *, path: str, size: int, mtime_ns: int, server_url: str) -> list[Job]:
        """Jobs for the same file (path, size, mtime) and server, newest first."""
        return self.find_many([(path, size, mtime_ns)], server_url).get((path, size, mtime_ns), [])

    def find_many(self, files: Iterable[tuple[str, int, int]], server_url: str
                  ) -> dict[tuple[str, int, int], list[Job]]:
        """``find`` for many (path, size, mtime_ns) at once, a query per 500 paths: a
        drop of thousands of new files costs a few queries, not one each."""
        wanted = set(files)
        paths = sorted({path for path, _, _ in wanted})
        found: dict[tuple[str, int, int], list[Job]] = {}
        with self._lock:
            for i in range(0, len(paths), 500):
                part = paths[i:i + 500]
                rows = self._db.execute(
                    "SELECT job_id, path, size, mtime_ns FROM jobs WHERE server_url=? AND path IN"
                    f" ({','.join('?' * len(part))}) ORDER BY created_at DESC, rowid DESC",
                    (server_url, *part)).fetchall()
                for row in rows:
                    key = (row["path"], row["size"], row["mtime_ns"])
                    if key in wanted:
                        found.setdefault(key, []).append(self._get(self._db, row["job_id"]))
        return found

    def history(self, job_id: str) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM events WHERE job_id=? ORDER BY id",
                                    (job_id,)).fetchall()
            return [{k: r[k] for k in r.keys() if k != "id"} for r in rows]

    def failures(self, job_id: str) -> list[FailureRecord]:
        """Every failure the job ever had, oldest first (the support bundle wants them all)."""
        with self._lock:
            rows = self._db.execute("SELECT * FROM failures WHERE job_id=? ORDER BY id",
                                    (job_id,)).fetchall()
            return [FailureRecord(stage=r["stage"], error_code=r["error_code"],
                                  message=r["message"], hint=r["hint"], detail=r["detail"],
                                  http_status=r["http_status"], request_id=r["request_id"],
                                  attempts=r["attempts"], time=r["time"],
                                  retryable=bool(r["retryable"]), field=r["field"])
                    for r in rows]

    # ---- writing --------------------------------------------------------------------

    def add(self, job: Job) -> Job:
        """Insert a new job (state QUEUED); committed when this returns."""
        return self.add_many([job])[0]

    def add_many(self, jobs: list[Job]) -> list[Job]:
        """Insert new jobs in one transaction (one disk sync for a dropped folder of
        thousands, not one each); all committed when this returns."""
        rows = [self._prepare(job) for job in jobs]
        with self._tx() as db:
            for job, values in zip(jobs, rows, strict=True):
                cols = ", ".join(values)
                marks = ", ".join("?" for _ in values)
                db.execute(f"INSERT INTO jobs ({cols}) VALUES ({marks})", list(values.values()))
                self._event(db, job.job_id, "added", None, S.QUEUED, job.stage)
        return jobs

    def _prepare(self, job: Job) -> dict[str, Any]:
        if not job.job_id:
            job.job_id = uuid.uuid4().hex
        if not job.idempotency_key:
            job.idempotency_key = str(uuid.uuid4())
        job.state, job.stage = S.QUEUED, job.stage or Stage.VALIDATE
        now = time.time()
        job.created_at = job.updated_at = now
        values = {name: _encode(name, getattr(job, name)) for name in _COLUMNS}
        values.update(state=job.state.value, stage=job.stage.value)
        return values

    def update(self, job_id: str, **changes: Any) -> Job:
        """Change fields that are not the state (upload URL, offset, analysis)."""
        bad = set(changes) - set(_COLUMNS) - {"stage"}
        if bad:
            raise ValueError(f"not updatable: {sorted(bad)}")
        with self._tx() as db:
            self._write(db, job_id, changes)
            return self._get(db, job_id)

    def claim(self, job_id: str, runner: str, *, expected: str | None) -> bool:
        """Make ``runner`` the job's runner if it still is ``expected`` (compare and
        swap: of two processes starting at once, one gets it)."""
        with self._tx() as db:
            cur = db.execute("UPDATE jobs SET runner=? WHERE job_id=? AND runner IS ?",
                             (runner, job_id, expected))
            return cur.rowcount == 1

    def transition(self, job_id: str, to: JobState, *, stage: Stage | None = None,
                   failure: FailureRecord | None = None, allowed_from: set[JobState] | None = None,
                   note: str | None = None, **changes: Any) -> Job:
        """Move a job to ``to`` in one transaction; refuse moves the model forbids.

        ``allowed_from`` narrows the legal from-states further (e.g. a worker only
        moves the job on if nobody paused it meanwhile): when the job is elsewhere,
        ``IllegalTransition`` is raised and nothing changes.
        """
        with self._tx() as db:
            row = db.execute("SELECT state FROM jobs WHERE job_id=?", (job_id,)).fetchone()
            if row is None:
                raise JobNotFound(job_id)
            current = JobState(row["state"])
            if to not in ALLOWED[current] or (allowed_from is not None
                                              and current not in allowed_from):
                raise IllegalTransition(job_id, current, to)
            if current is S.DONE and S.DONE not in (allowed_from or ()):
                raise IllegalTransition(job_id, current, to)  # only a run-again names DONE
            if to is S.FAILED and failure is None:
                raise ValueError("a failed job needs its failure record")
            changes["state"] = to.value
            if stage is not None:
                changes["stage"] = stage.value
            if to.finished:
                changes.setdefault("finished_at", time.time())
            elif current.finished:
                changes.setdefault("finished_at", None)
            self._write(db, job_id, changes)
            if failure is not None:
                self._store_failure(db, job_id, failure)
            job = self._get(db, job_id)
            self._event(db, job_id, "state", current, to, job.stage,
                        error_code=failure.error_code if failure else None,
                        request_id=failure.request_id if failure else None,
                        detail=redact(note or (failure.message if failure else "")) or None,
                        attempt=failure.attempts if failure else None)
            return job

    def record_attempt(self, job_id: str, *, attempt: int, max_attempts: int, error_code: str,
                       delay_s: float, request_id: str | None, stage: Stage) -> None:
        """History row for an attempt that failed and will be retried."""
        with self._tx() as db:
            db.execute("UPDATE jobs SET attempts=?, updated_at=? WHERE job_id=?",
                       (attempt, time.time(), job_id))
            self._event(db, job_id, "attempt", None, None, stage, error_code=error_code,
                        request_id=request_id, attempt=attempt, delay_s=delay_s,
                        detail=f"attempt {attempt} of {max_attempts}")

    def remove(self, job_id: str) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM jobs WHERE job_id=?", (job_id,))

    # ---- internals ------------------------------------------------------------------

    def _write(self, db: sqlite3.Connection, job_id: str, changes: dict[str, Any]) -> None:
        changes = {k: (v.value if isinstance(v, (JobState, Stage)) else _encode(k, v))
                   for k, v in changes.items()}
        changes["updated_at"] = time.time()
        sets = ", ".join(f"{k}=?" for k in changes)
        cur = db.execute(f"UPDATE jobs SET {sets} WHERE job_id=?", [*changes.values(), job_id])
        if cur.rowcount == 0:
            raise JobNotFound(job_id)

    def _store_failure(self, db: sqlite3.Connection, job_id: str, f: FailureRecord) -> None:
        rec = asdict(f)
        for key in ("message", "hint", "detail"):  # records end up in support bundles
            rec[key] = redact(rec[key] or "")
        db.execute(
            "INSERT INTO failures (job_id, stage, error_code, message, hint, detail, http_status,"
            " request_id, attempts, time, retryable, field) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (job_id, rec["stage"], rec["error_code"], rec["message"], rec["hint"], rec["detail"],
             rec["http_status"], rec["request_id"], rec["attempts"], rec["time"],
             int(rec["retryable"]), rec["field"]))

    def _event(self, db: sqlite3.Connection, job_id: str, kind: str, from_state: JobState | None,
               to_state: JobState | None, stage: Stage | None, *, error_code: str | None = None,
               request_id: str | None = None, attempt: int | None = None,
               delay_s: float | None = None, detail: str | None = None) -> None:
        db.execute(
            "INSERT INTO events (job_id, time, kind, from_state, to_state, stage, error_code,"
            " request_id, attempt, delay_s, detail) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (job_id, time.time(), kind, from_state.value if from_state else None,
             to_state.value if to_state else None, stage.value if stage else None, error_code,
             request_id, attempt, delay_s, detail))
