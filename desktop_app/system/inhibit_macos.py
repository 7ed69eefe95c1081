"""Keeping a Mac awake: ``caffeinate -i -w PID`` (an IOPM "prevent idle sleep" assertion
held by a child process that also ends with us). Released by ending that process (by its
pid). Not run on the Linux development machine: the CI build on macOS exercises it.
"""

from __future__ import annotations

import logging
import os
import subprocess

log = logging.getLogger(__name__)


class CaffeinateInhibitor:
    def __init__(self) -> None:
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def held(self) -> bool:
        return self._proc is not None

    def hold(self, reason: str) -> None:
        if self._proc is not None:
            return
        try:
            self._proc = subprocess.Popen(["/usr/bin/caffeinate", "-i", "-w", str(os.getpid())],
                                          stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL)
        except OSError as exc:
            log.warning("cannot keep the Mac awake while uploading: %s", exc)

    def release(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)

    def close(self) -> None:
        self.release()
