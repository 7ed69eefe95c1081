"""A local file as the client knows it: its identity and its whole-file sha256.

Written once, for every client-side user:

* ``FileIdentity``: a regular file's size and mtime. A job is "the same file" when
  path, size and mtime match (re-adding it resumes its job); a file whose identity
  changed since it was queued, or while it is sent, fails ``FILE_CHANGED`` instead of
  uploading a mix of old and new bytes.
* ``sha256_of``: the end-to-end check compared with the server's sha256. Read in
  1 MiB blocks; hashlib releases the GIL on them, so it runs well on a side thread
  (beside the decode pass, or beside the upload).
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

from desktop_app.errors import AppError

BLOCK = 1024 * 1024


@dataclass(frozen=True)
class FileIdentity:
    path: str
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, path: str) -> FileIdentity:
        """The identity of a regular file, or the catalogue error saying why there is none."""
        name = os.path.basename(path)
        try:
            st = os.stat(path)
        except FileNotFoundError:
            raise AppError("FILE_NOT_FOUND", f"{path} does not exist (moved or deleted)",
                           file=path, message=f"The file {name} was not found (moved, "
                           "renamed or deleted).") from None
        except PermissionError:
            raise AppError("FILE_UNREADABLE", f"no permission to read {path}",
                           file=path) from None
        except (OSError, ValueError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            raise AppError("FILE_UNREADABLE", f"cannot stat {path}: {reason}",
                           file=path) from None
        if not stat.S_ISREG(st.st_mode):
            raise AppError("NOT_A_FILE", f"{path} is not a regular file", file=path)
        return cls(path, st.st_size, st.st_mtime_ns)

    def check(self, when: str = "since it was queued") -> None:
        """Raise FILE_CHANGED (or why the file is gone) unless it is still this file."""
        now = FileIdentity.of(self.path)
        if (now.size, now.mtime_ns) == (self.size, self.mtime_ns):
            return
        what = (f"size {self.size} -> {now.size} bytes" if now.size != self.size
                else "modification time changed")
        raise AppError("FILE_CHANGED", f"{self.path}: {what} {when}", file=self.path,
                       message=f"The file {os.path.basename(self.path)} changed after it was "
                       "added to the queue.")


def sha256_of(fh: BinaryIO, *, stopped: Callable[[], bool] | None = None) -> str | None:
    """sha256 (hex) of what is left to read in ``fh``, an open binary file; None when
    ``stopped()`` turned true before the end."""
    digest = hashlib.sha256()
    while block := fh.read(BLOCK):
        if stopped is not None and stopped():
            return None
        digest.update(block)
    return digest.hexdigest()
