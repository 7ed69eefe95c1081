"""Integrity checks a job passes before it may count as done.

* the file is still where it was queued from (else ``FILE_NOT_FOUND``, and the
  user can re-select it) and still the same size and mtime (else
  ``FILE_CHANGED``: a half-copied or re-saved file must not be uploaded as if
  it were the one the user queued);
* the server's sha256 equals the local file's (else the manager re-uploads once,
  then fails with ``CHECKSUM_MISMATCH``).
"""

from __future__ import annotations

from desktop_app.errors import AppError
from desktop_app.files import FileIdentity
from desktop_app.jobs.model import Job


def check_unchanged(job: Job) -> None:
    """Raise unless the job's file is still there, unchanged since it was queued."""
    FileIdentity(job.path, job.size, job.mtime_ns).check()


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
