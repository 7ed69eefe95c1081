"""Job store schema, versioned with ``PRAGMA user_version``.

Each entry of ``MIGRATIONS`` takes the database from version i to i+1 and runs in
one transaction, so a crash mid-migration leaves the old version intact. Never
edit a released step: append a new one.

v1  jobs, with the last error inline (error_code, error_message).
v2  failure records and event history in their own tables (every failure kept,
    with request id, status and attempts); resumable-upload and integrity columns.
v3  jobs.runner: which manager instance runs the job (see ownership.py).
v4  jobs.already_on_server, jobs.force_upload: duplicates by checksum (duplicates.py).
v5  failures.field: the field a MISSING_FIELD names (its advice names the option to use).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable

V1 = """
CREATE TABLE jobs (
    job_id TEXT PRIMARY KEY,
    path TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    server_url TEXT NOT NULL,
    user_id TEXT NOT NULL DEFAULT '',
    session_id TEXT NOT NULL DEFAULT '',
    recorded_at TEXT,
    idempotency_key TEXT NOT NULL,
    upload_url TEXT,
    analysis TEXT,
    video_id TEXT,
    sha256 TEXT,
    state TEXT NOT NULL,
    stage TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    error_code TEXT,
    error_message TEXT,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX jobs_file ON jobs (path, size, mtime_ns, server_url);
"""

V2 = """
ALTER TABLE jobs ADD COLUMN session_title TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN server_sha256 TEXT;
ALTER TABLE jobs ADD COLUMN bytes_sent INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN finished_at REAL;
ALTER TABLE jobs ADD COLUMN reupload_count INTEGER NOT NULL DEFAULT 0;
CREATE TABLE failures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id TEXT NOT NULL REFERENCES jobs(job_id) ON DELETE CASCADE,
    stage TEXT NOT NULL,
    error_code TEXT NOT NULL,
    message TEXT NOT NULL,
    hint TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT '',
    http_status INTEGER,
    request_id TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    time REAL NOT NULL,
    retryable INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX failures_job ON failures (job_id);
CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id TEXT NOT NULL REFERENCES jobs(job_id) ON DELETE CASCADE,
    time REAL NOT NULL,
    kind TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT,
    stage TEXT,
    error_code TEXT,
    request_id TEXT,
    attempt INTEGER,
    delay_s REAL,
    detail TEXT
);
CREATE INDEX events_job ON events (job_id);
"""


def _v2_move_inline_errors(db: sqlite3.Connection) -> None:
    """v1 kept only the last error inline; make it a failure record."""
    from desktop_app.errors import spec

    rows = db.execute("SELECT job_id, stage, attempts, error_code, error_message, updated_at"
                      " FROM jobs WHERE error_code IS NOT NULL").fetchall()
    for job_id, stage, attempts, code, message, updated in rows:
        s = spec(code)
        db.execute(
            "INSERT INTO failures (job_id, stage, error_code, message, hint, detail, attempts,"
            " time, retryable) VALUES (?,?,?,?,?,?,?,?,?)",
            (job_id, stage, code, s.message, s.hint, message or "", attempts or 0,
             updated or time.time(), int(s.retryable)))


V3 = """
ALTER TABLE jobs ADD COLUMN runner TEXT;
"""

V4 = """
ALTER TABLE jobs ADD COLUMN already_on_server INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN force_upload INTEGER NOT NULL DEFAULT 0;
"""

V5 = """
ALTER TABLE failures ADD COLUMN field TEXT;
"""

Step = tuple[str, Callable[[sqlite3.Connection], None] | None]
MIGRATIONS: list[Step] = [(V1, None), (V2, _v2_move_inline_errors), (V3, None), (V4, None),
                        (V5, None)]
LATEST = len(MIGRATIONS)


def version(db: sqlite3.Connection) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def migrate(db: sqlite3.Connection, target: int = LATEST) -> int:
    """Bring the schema up to ``target``; returns the version it started from.

    A database newer than this app knows is refused rather than guessed at.
    """
    start = version(db)
    if start > LATEST:
        from desktop_app.errors import AppError

        raise AppError("UNEXPECTED_ERROR", f"job store schema v{start} is newer than this app "
                       f"(v{LATEST}); update the app")
    for number in range(start, target):
        script, fixup = MIGRATIONS[number]
        db.execute("BEGIN IMMEDIATE")
        if version(db) > number:  # another process migrated meanwhile
            db.execute("ROLLBACK")
            continue
        try:
            for statement in script.split(";"):
                if statement.strip():
                    db.execute(statement)
            if fixup is not None:
                fixup(db)
            db.execute(f"PRAGMA user_version={number + 1}")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
    return start
