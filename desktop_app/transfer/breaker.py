"""Circuit breakers, one per endpoint (scheme, host, route template).

Rules (issue 4):
- CLOSED -> OPEN after 3 consecutive operations that exhausted their retries, or
  5 consecutive transient failures (attempts), whichever comes first.
- OPEN: every call fails at once with ``CIRCUIT_OPEN`` whose ``extra["next_probe_at"]``
  is the wall-clock time (``time.time()``) of the next probe.
- After the cooldown (30 s, doubling per failed probe, capped at 5 min) the breaker is
  HALF_OPEN: exactly one call goes through as the probe; others still fail fast.
- The first success closes it and resets the cooldown. Client errors (4xx, bad files,
  cancellation) never count either way.

Each state change is logged on "desktop_app.transfer" and handed to ``on_event`` as a
:class:`BreakerEvent` (the monitoring hook the job manager turns into
``ConnectionChanged``). ``probe_now()`` is the GUI's "Retry now": the next call probes.
The clock is injectable so tests step time instead of sleeping.

A breaker remembers the failure that opened it: ``CIRCUIT_OPEN`` carries it as
``extra["cause"]`` (code) and ``extra["cause_detail"]``, so a job that finally gives up
names the real cause (``CONNECTION_REFUSED``, ``NETWORK_TIMEOUT``...), not the breaker.
The registry's ``on_success`` hears every success on any endpoint (the job manager's
"no progress at all" clock).
"""

from __future__ import annotations

import enum
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from desktop_app.errors import AppError

log = logging.getLogger("desktop_app.transfer")

Clock = Callable[[], float]


class BreakerState(enum.StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass(frozen=True)
class BreakerEvent:
    endpoint: str
    old: BreakerState
    new: BreakerState
    next_probe_at: float | None  # time.time() of the next probe while open


@dataclass(frozen=True)
class BreakerConfig:
    failure_threshold: int = 5  # consecutive transient failures
    exhausted_threshold: int = 3  # consecutive operations that ran out of retries
    cooldown_s: float = 30.0
    max_cooldown_s: float = 300.0


def endpoint_key(url: str, route: str) -> str:
    """``scheme://host:port`` plus the route template, e.g. ``/api/v1/uploads/{id}``."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{route}"


class CircuitBreaker:
    def __init__(self, endpoint: str, config: BreakerConfig | None = None, *,
                 clock: Clock = time.time,
                 on_event: Callable[[BreakerEvent], None] | None = None) -> None:
        self.endpoint = endpoint
        self.config = config or BreakerConfig()
        self._clock = clock
        self._on_event = on_event
        self._lock = threading.Lock()
        self._state = BreakerState.CLOSED
        self._failures = 0
        self._exhausted = 0
        self._cooldown = self.config.cooldown_s
        self._next_probe_at: float | None = None
        self._probe_in_flight = False
        self.on_success: Callable[[], None] | None = None
        self.last_failure: AppError | None = None  # the latest failure counted

    @property
    def state(self) -> BreakerState:
        with self._lock:
            return self._state

    @property
    def next_probe_at(self) -> float | None:
        return self._next_probe_at

    def before_call(self) -> None:
        """Let the call through, or raise CIRCUIT_OPEN. Moves OPEN -> HALF_OPEN when due."""
        events: list[BreakerEvent] = []
        try:
            with self._lock:
                if self._state is BreakerState.CLOSED:
                    return
                now = self._clock()
                if self._state is BreakerState.OPEN and self._next_probe_at is not None \
                        and now >= self._next_probe_at:
                    events.append(self._move(BreakerState.HALF_OPEN))
                if self._state is BreakerState.HALF_OPEN and not self._probe_in_flight:
                    self._probe_in_flight = True
                    return
                next_at = self._next_probe_at if self._next_probe_at is not None else now
                cause = self.last_failure
                raise AppError(
                    "CIRCUIT_OPEN",
                    f"{self.endpoint} has been failing; next try at {time.ctime(next_at)}.",
                    extra={"next_probe_at": next_at, "endpoint": self.endpoint,
                           "probing": self._state is BreakerState.HALF_OPEN,
                           "cause": cause.code if cause else None,
                           "cause_detail": cause.detail if cause else None},
                )
        finally:
            self._emit(events)

    def record_success(self) -> None:
        if self.on_success is not None:
            self.on_success()
        events: list[BreakerEvent] = []
        with self._lock:
            self._failures = self._exhausted = 0
            self._probe_in_flight = False
            if self._state is not BreakerState.CLOSED:
                self._cooldown = self.config.cooldown_s
                self._next_probe_at = None
                events.append(self._move(BreakerState.CLOSED))
        self._emit(events)

    def record_neutral(self) -> None:
        """A client error or cancellation: the server answered, but it proves nothing."""
        with self._lock:
            self._probe_in_flight = False

    def record_failure(self, error: AppError | None = None) -> None:
        """One transient failure (an attempt that will be retried or not)."""
        events: list[BreakerEvent] = []
        with self._lock:
            if error is not None:
                self.last_failure = error
            self._failures += 1
            if self._state is BreakerState.HALF_OPEN:
                self._probe_in_flight = False
                self._cooldown = min(self._cooldown * 2, self.config.max_cooldown_s)
                events.append(self._open())
            elif self._state is BreakerState.CLOSED and \
                    self._failures >= self.config.failure_threshold:
                events.append(self._open())
        self._emit(events)

    def record_exhausted(self) -> None:
        """An operation gave up after its last retry (its failures are already counted)."""
        events: list[BreakerEvent] = []
        with self._lock:
            self._exhausted += 1
            if self._state is BreakerState.CLOSED and \
                    self._exhausted >= self.config.exhausted_threshold:
                events.append(self._open())
        self._emit(events)

    def probe_now(self) -> None:
        """'Retry now': make the next call the half-open probe without waiting."""
        with self._lock:
            if self._state is BreakerState.OPEN:
                self._next_probe_at = self._clock()

    def set_cooldown(self, seconds: float) -> None:
        """Server hint (``retry_policy.breaker_cooldown_s``) for the first cooldown."""
        with self._lock:
            seconds = min(max(1.0, seconds), self.config.max_cooldown_s)
            if self._state is BreakerState.CLOSED:
                self._cooldown = seconds
            self.config = BreakerConfig(self.config.failure_threshold,
                                        self.config.exhausted_threshold, seconds,
                                        self.config.max_cooldown_s)

    # -- internals (called with the lock held) --
    def _open(self) -> BreakerEvent:
        self._next_probe_at = self._clock() + self._cooldown
        self._failures = self._exhausted = 0
        return self._move(BreakerState.OPEN)

    def _move(self, new: BreakerState) -> BreakerEvent:
        old, self._state = self._state, new
        return BreakerEvent(self.endpoint, old, new,
                            self._next_probe_at if new is BreakerState.OPEN else None)

    def _emit(self, events: list[BreakerEvent]) -> None:
        for ev in events:
            log.warning("circuit %s: %s -> %s%s", ev.endpoint, ev.old, ev.new,
                        f", next probe at {time.ctime(ev.next_probe_at)}"
                        if ev.next_probe_at else "")
            if self._on_event is not None:
                try:
                    self._on_event(ev)
                except Exception:  # a listener's bug must not break uploads
                    log.exception("breaker event listener failed")


class BreakerRegistry:
    """All breakers of one client (or one app), created on first use per endpoint."""

    def __init__(self, on_event: Callable[[BreakerEvent], None] | None = None, *,
                 config: BreakerConfig | None = None, clock: Clock = time.time) -> None:
        self.on_event = on_event
        self.on_success: Callable[[], None] | None = None  # any success, any endpoint
        self.config = config or BreakerConfig()
        self._clock = clock
        self._lock = threading.Lock()
        self._breakers: dict[str, CircuitBreaker] = {}

    def get(self, url: str, route: str) -> CircuitBreaker:
        key = endpoint_key(url, route)
        with self._lock:
            breaker = self._breakers.get(key)
            if breaker is None:
                breaker = CircuitBreaker(key, self.config, clock=self._clock,
                                         on_event=self._emit)
                breaker.on_success = self._succeeded
                self._breakers[key] = breaker
            return breaker

    def _emit(self, event: BreakerEvent) -> None:
        if self.on_event is not None:
            self.on_event(event)

    def _succeeded(self) -> None:
        if self.on_success is not None:
            try:
                self.on_success()
            except Exception:  # a listener's bug must not break uploads
                log.exception("breaker success listener failed")

    def all(self) -> list[CircuitBreaker]:
        with self._lock:
            return list(self._breakers.values())

    def probe_now(self) -> None:
        for breaker in self.all():
            breaker.probe_now()

    def set_cooldown(self, seconds: float) -> None:
        with self._lock:
            self.config = BreakerConfig(self.config.failure_threshold,
                                        self.config.exhausted_threshold,
                                        min(max(1.0, seconds), self.config.max_cooldown_s),
                                        self.config.max_cooldown_s)
        for breaker in self.all():
            breaker.set_cooldown(seconds)
