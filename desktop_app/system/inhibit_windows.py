"""Keeping a Windows machine awake: ``SetThreadExecutionState``.

ES_CONTINUOUS | ES_SYSTEM_REQUIRED keeps the system from sleeping (the display may still
turn off) until ES_CONTINUOUS alone is set again. The state belongs to the calling thread,
so hold and release run on one thread of this object's own, alive while it is held.
Not run on the Linux development machine: the CI build on Windows exercises it.
"""

from __future__ import annotations

import ctypes
import logging
from concurrent.futures import ThreadPoolExecutor

log = logging.getLogger(__name__)
ES_CONTINUOUS = 0x80000000
ES_SYSTEM_REQUIRED = 0x00000001


class WindowsInhibitor:
    def __init__(self) -> None:
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="keep-awake")
        self.held = False

    def _set(self, flags: int) -> None:
        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
        if kernel32.SetThreadExecutionState(flags) == 0:
            log.warning("SetThreadExecutionState(%#x) failed", flags)

    def hold(self, reason: str) -> None:
        if not self.held:
            self._thread.submit(self._set, ES_CONTINUOUS | ES_SYSTEM_REQUIRED).result(5)
            self.held = True

    def release(self) -> None:
        if self.held:
            self._thread.submit(self._set, ES_CONTINUOUS).result(5)
            self.held = False

    def close(self) -> None:
        self.release()
        self._thread.shutdown(wait=True)
