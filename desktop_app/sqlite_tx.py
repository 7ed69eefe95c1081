"""One way to run a write transaction on a connection shared between threads.

Both SQLite stores (the app's job store and the reference backend's) keep one
connection in autocommit mode guarded by a lock; ``BEGIN IMMEDIATE`` takes the
write lock up front so two processes (the window and the CLI) never deadlock
half-way through a transaction.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def immediate(db: sqlite3.Connection, lock: threading.Lock | threading.RLock) -> Iterator[sqlite3.Connection]:
    with lock:
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            _rollback(db)
            raise
        try:
            db.execute("COMMIT")
        except BaseException:
            _rollback(db)  # e.g. a full disk: SQLite may keep the transaction open; end it
            raise


def _rollback(db: sqlite3.Connection) -> None:
    if db.in_transaction:
        try:
            db.execute("ROLLBACK")
        except sqlite3.Error:  # nothing left to roll back (SQLite already did)
            pass
