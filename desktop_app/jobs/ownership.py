"""Which process runs a job: one job store, several processes (the window, a CLI run).

Each job manager that starts takes a ``RunnerClaim``: a random instance id and an
exclusive OS lock on ``<store dir>/runners/<id>.lock``, held until it shuts down. Jobs it
queues or resumes carry that id (``Job.runner``). On start, a manager resumes an
unfinished job only if its runner is gone: no id, or a lock file nobody holds. The OS
drops a lock when its process dies, however it dies (SIGKILL, power loss), so a crashed
run's jobs are taken over at once, with no heartbeat to wait out; a live run's jobs are
left to it (a CLI run beside the window waits for the window to finish them).

POSIX uses ``flock`` (per open file, so two managers in one process are told apart);
Windows uses ``msvcrt.locking`` on the first byte.
"""

from __future__ import annotations

import logging
import os
import sys
import uuid
from pathlib import Path

log = logging.getLogger(__name__)

if sys.platform == "win32":
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        return True


def _lock_path(directory: Path, instance: str) -> Path:
    return directory / f"{instance}.lock"


class RunnerClaim:
    """This process's claim, from ``acquire()`` until ``release()``."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.instance = uuid.uuid4().hex
        self._fd: int | None = None

    def acquire(self) -> None:
        if self._fd is not None:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        # Locked under a name sweep() ignores, then renamed: a *.lock file is never seen
        # unlocked while its owner lives (or another start-up could sweep it away).
        # (Windows cannot rename an open file; there the lock is taken in place.)
        final = _lock_path(self.directory, self.instance)
        staging = final if os.name == "nt" else self.directory / f"{self.instance}.new"
        fd = os.open(staging, os.O_RDWR | os.O_CREAT, 0o600)
        if not _try_lock(fd):  # a fresh random name: nobody else can hold it
            os.close(fd)
            raise OSError(f"could not lock {staging}")
        if staging != final:
            os.replace(staging, final)
        self._fd = fd
        sweep(self.directory, keep=self.instance)

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        os.close(fd)  # from here our jobs may be taken over: this run is over
        try:
            _lock_path(self.directory, self.instance).unlink(missing_ok=True)
        except OSError:  # e.g. someone's alive() has it open on Windows; sweep() will
            pass


def alive(directory: Path, instance: str | None) -> bool:
    """Is the process that claimed ``instance`` still running?"""
    if not instance:
        return False
    path = _lock_path(directory, instance)
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        return False
    except OSError:
        return True  # cannot tell: leave its jobs alone rather than run them twice
    try:
        return not _try_lock(fd)
    finally:
        os.close(fd)  # closing drops the lock we may just have taken


def sweep(directory: Path, keep: str) -> None:
    """Delete the lock files of runners that are gone (a crash leaves its file behind)."""
    for path in directory.glob("*.lock"):
        instance = path.stem
        if instance != keep and not alive(directory, instance):
            try:
                path.unlink(missing_ok=True)
            except OSError:
                pass
