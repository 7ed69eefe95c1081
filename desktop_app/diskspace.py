"""A full disk, recognised wherever the app (or its reference server) writes.

    if diskspace.is_full(exc, folder):
        raise diskspace.local_disk_full(folder, need=8 * MiB, what="its list of jobs")

A full disk shows up in many shapes: ``OSError`` ENOSPC or EDQUOT from a write, SQLite's
"database or disk is full" (``SQLITE_FULL``), and, when SQLite cannot even grow its
shared-memory file, a plain "disk I/O error". The last one is only taken for a full disk
when the folder really has (almost) no space left, so a real I/O fault is not hidden.
"""

from __future__ import annotations

import errno
import shutil
import sqlite3
from pathlib import Path

from desktop_app.errors import AppError

MiB = 1024 * 1024
_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}
_SQLITE_FULL, _SQLITE_IOERR = 13, 10
LOW_SPACE = 256 * 1024  # below this, an unexplained write error is taken for a full disk


def free_bytes(folder: str | Path) -> int | None:
    """Free bytes on the file system holding ``folder`` (None when it cannot be read)."""
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return None


def is_full(exc: BaseException, folder: str | Path | None = None) -> bool:
    """Does ``exc`` (or an exception it was raised from) mean the disk is full?"""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno in _FULL_ERRNOS:
            return True
        if isinstance(current, sqlite3.Error):
            code = getattr(current, "sqlite_errorcode", None)
            primary = code & 0xFF if isinstance(code, int) else None
            if primary == _SQLITE_FULL or "disk is full" in str(current):
                return True
            if primary == _SQLITE_IOERR and folder is not None:
                free = free_bytes(folder)
                return free is not None and free < LOW_SPACE
        current = current.__cause__ or current.__context__
    return False


def size_text(nbytes: int) -> str:
    """``"8 MB"``, ``"12 KB"``: sizes as a user reads them (powers of 1000, like file managers)."""
    for unit, scale in (("GB", 10**9), ("MB", 10**6), ("KB", 10**3)):
        if nbytes >= scale:
            value = nbytes / scale
            return f"{value:.0f} {unit}" if value >= 10 else f"{value:.1f} {unit}"
    return f"{nbytes} bytes"


def local_disk_full(folder: str | Path, *, need: int, what: str) -> AppError:
    """LOCAL_DISK_FULL naming the folder, what is free there and what is needed."""
    free = free_bytes(folder)
    have = size_text(free) if free is not None else "no space"
    return AppError(
        "LOCAL_DISK_FULL",
        f"no space left in {folder} ({have} free; at least {size_text(need)} needed for {what})",
        message=f"The disk holding {folder} is full ({have} free): free at least "
        f"{size_text(need)} there, the app needs it for {what}.",
        extra={"folder": str(folder), "free_bytes": free, "needed_bytes": need})
