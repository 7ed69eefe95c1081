"""How many connections the server holds: in all, and per client address.

uvicorn counts connections but has no cap per address, and its ``limit_concurrency``
answers past the cap with a plain-text 503 that is not the contract's error shape (and
still holds the connection). So ``protocol.py`` asks ``admit`` as each connection opens
and closes the ones past a cap at once: a flood of idle sockets from one address
cannot take the file descriptors the other clients need. The header-read timeout, for
the connections that are admitted, is in ``protocol.py`` too.

Refusals are logged at most once per ``LOG_EVERY_S`` per kind, with a count, so a
flood does not flood the log as well. One guard per server; all its calls come from
that server's event loop.
"""

from __future__ import annotations

import logging
import time
from collections import Counter

from desktop_app.server.config import ConnectionLimits

log = logging.getLogger("desktop_app.server")
LOG_EVERY_S = 10.0


class ConnectionGuard:
    def __init__(self, limits: ConnectionLimits) -> None:
        self.limits = limits
        self.total = 0
        self._per_address: Counter[str] = Counter()
        self._unlogged: Counter[str] = Counter()
        self._logged_at: dict[str, float] = {}

    def admit(self, address: str) -> bool:
        """Count a new connection from ``address``; False (not counted) past a cap."""
        if self.total >= self.limits.max_connections:
            self.note("server-full", f"refused connections: the server holds its maximum of "
                      f"{self.limits.max_connections} (serve --max-connections)")
            return False
        if self._per_address[address] >= self.limits.max_per_client:
            self.note("address-full", f"refused connections from {address} and others: each holds its "
                      f"maximum of {self.limits.max_per_client} (serve --max-connections-per-client)")
            return False
        self.total += 1
        self._per_address[address] += 1
        return True

    def release(self, address: str) -> None:
        self.total -= 1
        self._per_address[address] -= 1
        if self._per_address[address] <= 0:
            del self._per_address[address]

    def note(self, kind: str, text: str) -> None:
        """Log ``text`` now and then per ``kind``, with how often it happened since."""
        self._unlogged[kind] += 1
        now = time.monotonic()
        if now - self._logged_at.get(kind, -LOG_EVERY_S) >= LOG_EVERY_S:
            log.warning("%s (%d times since last logged)", text, self._unlogged.pop(kind))
            self._logged_at[kind] = now
