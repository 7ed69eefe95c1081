"""What the pipeline does about the laptop's own events (the OS behind ``system/api.py``).

* The network comes back: every backoff sleep ends and its attempt runs at once, and an
  open breaker is probed now (``JobManager.network_back``), instead of sleeping it out.
* While there is no network at all the uploads are held (``uploadhold.py``: no attempt
  is spent on a network that is not there, each continues from its offset when it is
  back) and the front ends hear ``NetworkChanged(offline=True)``: "Offline - waiting for
  the network", not a count of failed attempts.
* A metered connection, with ``pause_on_metered`` on, holds the uploads too.
* While jobs are in flight the machine is kept awake (``keep_awake``), released when the
  queue is idle.

A server on this machine (the embedded backend) does not need the network: then neither
the offline state nor a metered link matters to it.

The OS calls (a D-Bus round trip, a portal's answer) run on one thread of their own, in
order, so neither the window's thread nor a worker waits for them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from desktop_app.i18n import N_, _
from desktop_app.jobs.model import (
    Event,
    JobAdded,
    JobChanged,
    JobRemoved,
    JobState,
    NetworkChanged,
)
from desktop_app.system.api import NetworkMonitor, NetworkStatus, SleepInhibitor

if TYPE_CHECKING:
    from desktop_app.jobs.manager import JobManager

log = logging.getLogger(__name__)
S = JobState
# Work in flight, that retries or continues by itself: worth keeping the machine awake for.
IN_FLIGHT = frozenset({S.QUEUED, S.VALIDATING, S.ANALYZING, S.UPLOADING, S.PROCESSING,
                       S.WAITING_RETRY, S.WAITING_SERVER})
# the OS shows it (the log-out dialog lists what blocks sleep): translated when held
INHIBIT_REASON = N_("Uploading videos")


class HandsOff:
    def __init__(self, manager: JobManager, network: NetworkMonitor, inhibitor: SleepInhibitor,
                 *, pause_on_metered: bool, keep_awake: bool, server_local: bool) -> None:
        self.manager = manager
        self.network = network
        self.inhibitor = inhibitor
        self.pause_on_metered = pause_on_metered
        self.keep_awake = keep_awake
        self.server_local = server_local
        self._os = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hands-off")
        self._lock = threading.Lock()  # events come from every worker thread
        self._in_flight: set[str] = set()
        self._awake = False
        self._status = NetworkStatus()
        self._told: NetworkChanged | None = None

    def start(self) -> None:
        self._status = self.network.current()
        self.network.start(self._network_changed)
        self._do(self._apply_network, None)

    def stop(self) -> None:
        self.network.stop()
        self._do(self._stop_awake)
        self._os.shutdown(wait=True)

    def set_options(self, *, pause_on_metered: bool, keep_awake: bool) -> None:
        """The settings changed (the window's Settings dialog)."""
        self.pause_on_metered, self.keep_awake = pause_on_metered, keep_awake
        self._do(self._apply_network, None)
        self._do(self._apply_awake)

    # ---- the network ------------------------------------------------------------------

    def _network_changed(self, status: NetworkStatus) -> None:
        before, self._status = self._status, status
        self._do(self._apply_network, before)

    def _apply_network(self, before: NetworkStatus | None) -> None:
        status = self._status
        remote = not self.server_local
        offline = remote and not status.reachable
        metered = remote and status.metered
        held = offline or (metered and self.pause_on_metered)
        hold = self.manager.upload_hold
        if held and not hold.held:
            hold.hold("offline" if offline else "metered connection")
        elif not held and hold.held:
            hold.release()
        if before is not None and remote and not before.reachable and status.reachable:
            log.info("the network is back: retrying now")
            self.manager.network_back()
        told = NetworkChanged(offline=offline, metered=metered, uploads_held=held)
        if told != self._told and (self._told is not None or told != NetworkChanged(
                offline=False, metered=False, uploads_held=False)):
            self._told = told
            self.manager.life.emit(told)

    # ---- keeping the machine awake ----------------------------------------------------

    def on_event(self, event: Event) -> None:
        """Every manager event (the session tees them here): which jobs are in flight."""
        if isinstance(event, JobAdded | JobChanged):
            job_id, busy = event.job.job_id, event.job.state in IN_FLIGHT
        elif isinstance(event, JobRemoved):
            job_id, busy = event.job_id, False
        else:
            return
        with self._lock:
            was = bool(self._in_flight)
            (self._in_flight.add if busy else self._in_flight.discard)(job_id)
            changed = bool(self._in_flight) != was
        if changed:
            self._do(self._apply_awake)

    def _apply_awake(self) -> None:
        with self._lock:
            want = self.keep_awake and bool(self._in_flight)
        if want and not self._awake:
            self.inhibitor.hold(_(INHIBIT_REASON))
        elif not want and self._awake:
            self.inhibitor.release()
        self._awake = want

    def _stop_awake(self) -> None:
        if self._awake:
            self.inhibitor.release()
            self._awake = False
        self.inhibitor.close()

    def _do(self, fn: Callable[..., None], *args: object) -> None:
        def run() -> None:
            try:
                fn(*args)
            except Exception:  # an OS that says no must not stop the uploads
                log.exception("hands-off reaction failed")

        try:
            self._os.submit(run)
        except RuntimeError:  # stopping: nothing more to do
            pass
