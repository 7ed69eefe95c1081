"""Which files some process still holds open for writing, where the OS can tell.

Linux: every ``/proc/PID/fd/N`` link that names the file, with write access in its
``fdinfo`` flags. Processes of other users cannot be read (their files are judged by
size and mtime alone). Elsewhere the answer is None: the OS does not say cheaply.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable

_WRITE_ACCESS = (os.O_WRONLY, os.O_RDWR)


def open_for_writing(paths: Iterable[str]) -> set[str] | None:
    """The subset of ``paths`` open for writing by any process we can see; None when this
    OS cannot tell (not Linux, or no /proc)."""
    wanted = {os.path.realpath(p): p for p in paths}
    if not sys.platform.startswith("linux") or not os.path.isdir("/proc/self/fd"):
        return None
    busy: set[str] = set()
    if not wanted:
        return busy
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        fd_dir = f"/proc/{pid}/fd"
        try:
            fds = os.listdir(fd_dir)
        except OSError:  # gone, or another user's
            continue
        for fd in fds:
            try:
                target = os.readlink(f"{fd_dir}/{fd}")
            except OSError:
                continue
            if target in wanted and _writable(pid, fd):
                busy.add(wanted[target])
        if len(busy) == len(wanted):
            break
    return busy


def _writable(pid: str, fd: str) -> bool:
    try:
        with open(f"/proc/{pid}/fdinfo/{fd}", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("flags:"):
                    return int(line.split()[1], 8) & os.O_ACCMODE in _WRITE_ACCESS
    except (OSError, ValueError):
        pass
    return False
