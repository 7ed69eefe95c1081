"""Events handled on the GUI thread in short turns, so the window never stalls.

Each event-loop turn handles slices of EVENTS_PER_SLICE until TURN_BUDGET_S has passed:
a wall-clock budget, not a count, keeps a turn short however loaded the machine is,
and the window repaints and answers input between turns (tests/benchmarks/bench_gui.py
(b) has the figures).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

EVENTS_PER_SLICE = 25
TURN_BUDGET_S = 0.006


class EventBacklog(QObject):
    """``add`` events as they arrive; ``handle`` gets them in order, a slice at a time."""

    def __init__(self, handle: Callable[[list], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._handle = handle
        self._backlog: deque = deque()  # events not yet handled, in arrival order
        # The next turn is a (0 ms) timer, not a posted call: Qt delivers calls posted
        # while it is delivering posted events in the same pass, so turns chained with
        # singleShot(0) ran back to back with no timer or input event in between.
        self._turn_timer = QTimer(self)
        self._turn_timer.setSingleShot(True)
        self._turn_timer.setInterval(0)
        self._turn_timer.timeout.connect(self._turn)

    def add(self, batch: list) -> None:
        self._backlog.extend(batch)
        if not self._turn_timer.isActive():  # else the next turn takes them
            self._turn()

    def pending(self) -> bool:
        return bool(self._backlog)

    def _turn(self) -> None:
        """Handle queued events for about TURN_BUDGET_S; the rest on the next turns."""
        deadline = time.perf_counter() + TURN_BUDGET_S
        while self._backlog:
            n = min(EVENTS_PER_SLICE, len(self._backlog))
            self._handle([self._backlog.popleft() for _ in range(n)])
            if time.perf_counter() >= deadline:
                break
        if self._backlog:
            self._turn_timer.start()
