"""Integrity checks a job passes before it may count as done.

* the file is still where it was queued from (else ``FILE_NOT_FOUND``, and the
  user can re-select it) and still the same size and mtime (else
  ``FILE_CHANGED``: a half-copied or re-saved file must not be uploaded as if
  it were the one the user queued);
* the server's sha256 equals the local file's (else the manager re-uploads once,
  then fails with ``CHECKSUM_MISMATCH``).
"""

from __future__ import annotations

import hashlib
import os
import stat
import threading

from desktop_app.errors import AppError
from desktop_app.jobs.model import Job

_READ = 1024 * 1024


def file_identity(path: str) -> tuple[int, int]:
    """(size, mtime_ns) of a regular file, or the catalogue error saying why not."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise AppError("FILE_NOT_FOUND", f"{path} does not exist (moved or deleted)",
                       file=path, message=f"The file {os.path.basename(path)} was not found "
                       "(moved, renamed or deleted).") from None
    except PermissionError:
        raise AppError("FILE_UNREADABLE", f"no permission to read {path}", file=path) from None
    except OSError as exc:
        raise AppError("FILE_UNREADABLE", f"cannot stat {path}: {exc.strerror}",
                       file=path) from None
    if not stat.S_ISREG(st.st_mode):
        raise AppError("NOT_A_FILE", f"{path} is not a regular file", file=path)
    return st.st_size, st.st_mtime_ns


def check_unchanged(job: Job) -> None:
    """Raise unless the job's file is still there, unchanged since it was queued."""
    size, mtime_ns = file_identity(job.path)
    if (size, mtime_ns) != (job.size, job.mtime_ns):
        what = (f"size {job.size} -> {size} bytes" if size != job.size
                else "modification time changed")
        raise AppError("FILE_CHANGED", f"{job.path}: {what} since it was queued",
                       file=job.path, message=f"The file {job.file_name} changed after it was "
                       "added to the queue.")


def sha256_of(path: str, cancel: threading.Event | None = None) -> str:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(_READ):
                if cancel is not None and cancel.is_set():
                    raise AppError("CANCELLED", "stopped while hashing", file=path)
                digest.update(chunk)
    except OSError as exc:
        raise AppError("FILE_UNREADABLE", f"cannot read {path}: {exc.strerror}",
                       file=path) from None
    return digest.hexdigest()


def checksum_error(job: Job, server_sha256: str | None, request_id: str | None = None
                   ) -> AppError | None:
    """None when the server stored exactly the local bytes; else the error to raise."""
    if server_sha256 and job.sha256 and server_sha256.lower() == job.sha256.lower():
        return None
    return AppError("CHECKSUM_MISMATCH",
                    f"server stored sha256 {server_sha256 or '(none)'}, local file is "
                    f"{job.sha256 or '(unknown)'}", file=job.path, request_id=request_id,
                    message=f"The copy of {job.file_name} stored on the server does not match "
                    "the file on this computer.")
