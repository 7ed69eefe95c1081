"""SQLite metadata: users, tokens, sessions, videos, tus uploads, idempotency keys.

One connection (WAL) shared by the event loop and the processing thread behind a
lock: every statement is short, and one writer at a time is what SQLite wants
anyway. Tokens are stored as sha256 digests, so the file holds no usable secret.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from desktop_app.sqlite_tx import immediate

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    user_id TEXT PRIMARY KEY, pw_hash TEXT NOT NULL, is_admin INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS tokens (
    digest TEXT PRIMARY KEY, user_id TEXT NOT NULL, kind TEXT NOT NULL, expires_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (
    session_id TEXT PRIMARY KEY, user_id TEXT NOT NULL, title TEXT, recorded_at TEXT,
    created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS videos (
    video_id TEXT PRIMARY KEY, session_id TEXT NOT NULL, user_id TEXT NOT NULL,
    filename TEXT NOT NULL, bytes INTEGER NOT NULL, sha256 TEXT NOT NULL, status TEXT NOT NULL,
    error_code TEXT, error TEXT, analysis TEXT, recorded_at TEXT, created_at TEXT NOT NULL,
    processed_at TEXT, path TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS videos_session ON videos(session_id);
-- GET /videos?sha256=: "does this user already have these bytes?" (IF NOT EXISTS: a store
-- made before the index gets it on its next start)
CREATE INDEX IF NOT EXISTS videos_user_sha256 ON videos(user_id, sha256);
CREATE TABLE IF NOT EXISTS uploads (
    upload_id TEXT PRIMARY KEY, user_id TEXT NOT NULL, length INTEGER NOT NULL,
    offset INTEGER NOT NULL DEFAULT 0, metadata TEXT NOT NULL, created_at REAL NOT NULL,
    expires_at REAL NOT NULL, path TEXT NOT NULL, video_id TEXT);
CREATE TABLE IF NOT EXISTS idempotency (
    user_id TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT, state TEXT NOT NULL,
    status INTEGER, headers TEXT, body BLOB, created_at REAL NOT NULL,
    PRIMARY KEY (user_id, key));
"""


def _row(cursor: sqlite3.Cursor, row: tuple) -> dict[str, Any]:
    return {col[0]: row[i] for i, col in enumerate(cursor.description)}


class Store:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        # owner-only: SQLite gives its -wal and -shm files the database file's mode
        os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
        os.chmod(path, 0o600)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = _row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def tx(self) -> AbstractContextManager[sqlite3.Connection]:
        return immediate(self._db, self._lock)

    def one(self, sql: str, *args: Any) -> dict[str, Any] | None:
        with self._lock:
            return self._db.execute(sql, args).fetchone()

    def all(self, sql: str, *args: Any) -> list[dict[str, Any]]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def run(self, sql: str, *args: Any) -> int:
        with self._lock:
            return self._db.execute(sql, args).rowcount

    # users and tokens -------------------------------------------------------
    def upsert_user(self, user_id: str, pw_hash: str, is_admin: bool) -> None:
        self.run("INSERT INTO users VALUES (?, ?, ?) ON CONFLICT(user_id) DO UPDATE SET "
                 "pw_hash=excluded.pw_hash, is_admin=excluded.is_admin", user_id, pw_hash, int(is_admin))

    def user(self, user_id: str) -> dict[str, Any] | None:
        return self.one("SELECT * FROM users WHERE user_id=?", user_id)

    def count_users(self) -> int:
        row = self.one("SELECT COUNT(*) AS n FROM users")
        return int(row["n"]) if row else 0

    def add_token(self, digest: str, user_id: str, kind: str, expires_at: float) -> None:
        with self.tx() as db:
            db.execute("DELETE FROM tokens WHERE expires_at < ?", (time.time() - 86400,))
            db.execute("INSERT INTO tokens VALUES (?, ?, ?, ?)", (digest, user_id, kind, expires_at))

    def token(self, digest: str, kind: str) -> dict[str, Any] | None:
        return self.one("SELECT * FROM tokens WHERE digest=? AND kind=?", digest, kind)

    def delete_token(self, digest: str) -> bool:
        return self.run("DELETE FROM tokens WHERE digest=?", digest) > 0

    # sessions and videos ----------------------------------------------------
    def add_session(self, row: dict[str, Any]) -> None:
        self.run("INSERT INTO sessions VALUES (:session_id, :user_id, :title, :recorded_at, :created_at)",
                 *[row[k] for k in ("session_id", "user_id", "title", "recorded_at", "created_at")])

    def session(self, session_id: str) -> dict[str, Any] | None:
        return self.one("SELECT * FROM sessions WHERE session_id=?", session_id)

    def add_video(self, row: dict[str, Any]) -> None:
        cols = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        self.run(f"INSERT INTO videos ({cols}) VALUES ({marks})", *row.values())

    def video(self, video_id: str) -> dict[str, Any] | None:
        return self.one("SELECT * FROM videos WHERE video_id=?", video_id)

    def videos_of(self, session_id: str) -> list[dict[str, Any]]:
        return self.all("SELECT * FROM videos WHERE session_id=? ORDER BY created_at", session_id)

    def videos_with_sha256(self, user_id: str, sha256: str) -> list[dict[str, Any]]:
        """This user's videos whose stored bytes have this sha256, newest first (index
        ``videos_user_sha256``)."""
        return self.all("SELECT * FROM videos WHERE user_id=? AND sha256=? "
                        "ORDER BY created_at DESC", user_id, sha256)

    def videos_in(self, status: str) -> list[dict[str, Any]]:
        return self.all("SELECT * FROM videos WHERE status=?", status)

    def finish_video(self, video_id: str, status: str, code: str | None, error: str | None,
                     processed_at: str) -> None:
        self.run("UPDATE videos SET status=?, error_code=?, error=?, processed_at=? WHERE video_id=?",
                 status, code, error, processed_at, video_id)

    def delete_video(self, video_id: str) -> None:
        with self.tx() as db:
            db.execute("DELETE FROM videos WHERE video_id=?", (video_id,))
            db.execute("DELETE FROM uploads WHERE video_id=?", (video_id,))  # its bytes went with it

    # tus uploads ------------------------------------------------------------
    def add_upload(self, row: dict[str, Any]) -> None:
        row = {**row, "metadata": json.dumps(row["metadata"])}
        cols = ", ".join(row)
        self.run(f"INSERT INTO uploads ({cols}) VALUES ({', '.join('?' for _ in row)})", *row.values())

    def upload(self, upload_id: str) -> dict[str, Any] | None:
        row = self.one("SELECT * FROM uploads WHERE upload_id=?", upload_id)
        if row:
            row["metadata"] = json.loads(row["metadata"])
        return row

    def advance_upload(self, upload_id: str, offset: int, expires_at: float) -> None:
        self.run("UPDATE uploads SET offset=?, expires_at=? WHERE upload_id=?", offset, expires_at, upload_id)

    def link_upload(self, upload_id: str, video_id: str) -> None:
        self.run("UPDATE uploads SET video_id=? WHERE upload_id=?", video_id, upload_id)

    def delete_upload(self, upload_id: str) -> None:
        self.run("DELETE FROM uploads WHERE upload_id=?", upload_id)

    def expired_uploads(self, now: float) -> list[dict[str, Any]]:
        return self.all("SELECT * FROM uploads WHERE expires_at < ? AND video_id IS NULL", now)

    def forget_expired_uploads(self, before: float) -> None:
        self.run("DELETE FROM uploads WHERE video_id IS NULL AND expires_at < ?", before)
