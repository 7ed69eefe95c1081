"""Sign-in limits: failed attempts counted per username and per client address.

After ``per_user`` failures for one name (or ``per_address`` from one address) within
``window_s``, sign-in for it is locked for ``first_delay_s``; each further failure
doubles the lock, up to ``max_delay_s``. While locked every attempt, with the right
password too, is 429 TOO_MANY_SIGN_IN_ATTEMPTS with ``Retry-After``, without a password
check (a guess that succeeded must not be told apart). A success clears the name's
count; the address's count only ages out, so signing in to one's own account does not
buy more guesses at others'.

Unknown names are counted like real ones, so a lock-out does not reveal which names
exist; the password check itself still takes the same time for both (``auth.py``).
Attempts for one name or address run one at a time, so a burst of parallel guesses is
judged one by one rather than all before the first failure is counted.

The counts live in memory (a restart clears them) and are bounded: at most
``MAX_TRACKED`` names and addresses, the least recently failed dropped first. The
address is the TCP peer's; ``X-Forwarded-For`` is not trusted.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field

from desktop_app.server.config import SignInLimits
from desktop_app.server.errors import ApiError
from desktop_app.server.locks import KeyedLocks

MAX_TRACKED = 10_000


@dataclass
class _Record:
    failures: deque[float] = field(default_factory=deque)
    locked_until: float = 0.0


class SignInLimiter:
    def __init__(self, limits: SignInLimits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self._clock = clock
        self._records: OrderedDict[str, _Record] = OrderedDict()
        self._turns = KeyedLocks()

    @asynccontextmanager
    async def attempt(self, username: str, address: str) -> AsyncIterator[None]:
        """Around one password check: 429 while the name or the address is locked;
        an ``INVALID_CREDENTIALS`` raised inside counts as a failure, a clean exit as a success."""
        keys = sorted({f"user:{username}", f"addr:{address}"})
        async with AsyncExitStack() as stack:
            for key in keys:  # always in the same order: no two attempts wait for each other
                await stack.enter_async_context(self._turns.hold(key))
            self._refuse_if_locked(keys)
            try:
                yield
            except ApiError as err:
                if err.code == "INVALID_CREDENTIALS":
                    self._failed(f"user:{username}", self.limits.per_user)
                    self._failed(f"addr:{address}", self.limits.per_address)
                raise
            self._records.pop(f"user:{username}", None)

    def _refuse_if_locked(self, keys: list[str]) -> None:
        now = self._clock()
        wait = max((r.locked_until - now for k in keys if (r := self._records.get(k))), default=0.0)
        if wait > 0:
            seconds = math.ceil(wait)
            raise ApiError("TOO_MANY_SIGN_IN_ATTEMPTS", f"Too many sign-in attempts, try again in {seconds} s.",
                           retry_after=seconds)

    def _failed(self, key: str, allowed: int) -> None:
        now = self._clock()
        record = self._records.pop(key, None) or _Record()
        self._records[key] = record  # most recent last
        while record.failures and record.failures[0] < now - self.limits.window_s:
            record.failures.popleft()
        record.failures.append(now)
        excess = len(record.failures) - allowed
        if excess >= 0:
            delay = self.limits.first_delay_s * 2 ** min(excess, 32)
            record.locked_until = now + min(self.limits.max_delay_s, delay)
        while len(record.failures) > allowed + 32:  # enough to reach max_delay_s
            record.failures.popleft()
        while len(self._records) > MAX_TRACKED:
            self._records.popitem(last=False)
