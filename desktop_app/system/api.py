"""What the core needs to know from the OS, and what it asks of it.

    NetworkMonitor   start(on_change) / current() / stop(): reachable or not, metered or not
    SleepInhibitor   hold(reason) / release() / close(): keep the machine awake, or not

``ManualNetwork`` and ``ManualInhibitor`` are controllable implementations (tests drive
them, and so may a front end that learns about the network in its own way);
``UnknownNetwork`` and ``NoInhibitor`` are the fallbacks that do nothing harmful: the
network counts as there, the machine sleeps when the OS wants.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class NetworkStatus:
    reachable: bool = True  # False only when the OS says there is no network at all
    metered: bool = False   # a connection the user pays by the byte (a phone's hotspot)


OnNetwork = Callable[[NetworkStatus], None]


class NetworkMonitor(Protocol):
    def start(self, on_change: OnNetwork) -> None:
        """Call ``on_change`` (from any thread) each time the status changes."""

    def current(self) -> NetworkStatus: ...

    def stop(self) -> None: ...


class SleepInhibitor(Protocol):
    def hold(self, reason: str) -> None:
        """Keep the machine from sleeping until ``release`` (holding twice is one hold)."""

    def release(self) -> None: ...

    def close(self) -> None: ...


@dataclass
class OsHooks:
    """What a front end hands the session for the OS side (``session.start_hands_off``):
    None means the platform's own (``netlink.for_platform``, ``inhibit.for_platform``)."""

    network: NetworkMonitor | None = None
    inhibitor: SleepInhibitor | None = None
    # None: from the server's address (a server on this machine needs no network)
    server_local: bool | None = None


class ManualNetwork:
    """A network whose status is set by hand: ``set(reachable=False)``."""

    def __init__(self, status: NetworkStatus = NetworkStatus()) -> None:
        self._status = status
        self._on_change: OnNetwork | None = None
        self._lock = threading.Lock()

    def start(self, on_change: OnNetwork) -> None:
        self._on_change = on_change

    def current(self) -> NetworkStatus:
        return self._status

    def set(self, *, reachable: bool | None = None, metered: bool | None = None) -> None:
        with self._lock:
            old = self._status
            self._status = NetworkStatus(old.reachable if reachable is None else reachable,
                                         old.metered if metered is None else metered)
            changed = self._status != old
        if changed and self._on_change is not None:
            self._on_change(self._status)

    def stop(self) -> None:
        self._on_change = None


class UnknownNetwork(ManualNetwork):
    """Where the OS cannot tell: always reachable, never metered, never changes."""


class ManualInhibitor:
    """Records whether the machine is being kept awake (and how often it was asked)."""

    def __init__(self) -> None:
        self.held = False
        self.holds = 0
        self.reason = ""
        self._cond = threading.Condition()

    def hold(self, reason: str) -> None:
        with self._cond:
            if not self.held:
                self.holds += 1
            self.held, self.reason = True, reason
            self._cond.notify_all()

    def release(self) -> None:
        with self._cond:
            self.held = False
            self._cond.notify_all()

    def close(self) -> None:
        self.release()

    def wait_for(self, held: bool, timeout: float) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: self.held is held, timeout)


class NoInhibitor:
    def hold(self, reason: str) -> None:
        pass

    def release(self) -> None:
        pass

    def close(self) -> None:
        pass
