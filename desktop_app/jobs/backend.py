"""What the job manager needs from the server, on top of ``transfer.BackendClient``.

The manager talks to one ``Backend``: the client (sign-in, sessions, uploads,
video status, breakers) plus the few things only the pipeline cares about —
who "me" is when a job has no user id, breaker events in plain terms, and
moving a persisted upload URL to the embedded server's new port (the embedded
backend keeps its data between runs but listens on a fresh port each time).
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

from desktop_app.errors import AppError
from desktop_app.transfer.breaker import BreakerEvent, BreakerState
from desktop_app.transfer.cancel import CancelToken
from desktop_app.transfer.client import BackendClient

BreakerListener = Callable[[str, str, float | None], None]  # endpoint, state, next_probe_at


class Backend:
    def __init__(self, client: BackendClient, *, embedded: bool = False) -> None:
        self.client = client
        self.embedded = embedded

    @property
    def base_url(self) -> str:
        return self.client.server_url

    def user_id(self) -> str:
        tokens = self.client.auth.tokens
        if tokens is None or not tokens.user_id:
            raise AppError("MISSING_FIELD", "no user id given and the sign-in does not say "
                           "who you are", field="user_id",
                           message="No user id was given for these uploads.")
        return tokens.user_id

    def set_breaker_listener(self, listener: BreakerListener) -> None:
        def on_event(event: BreakerEvent) -> None:
            listener(event.endpoint, event.new.value, event.next_probe_at)

        self.client.breakers.on_event = on_event

    def set_progress_listeners(self, *, stored: Callable[[], None],
                               answered: Callable[[], None]) -> None:
        """``stored()`` whenever the server confirms more bytes of an upload (or a whole
        one), ``answered()`` on every request it answered successfully."""
        self.client.on_stored = lambda _offset: stored()
        self.client.breakers.on_success = answered

    def check_file_type(self, path: str, cancel: CancelToken) -> None:
        """Refuse a type the server does not accept (``GET /config``'s allowed_extensions)
        before any work is spent on the file. A server that cannot say now is asked
        again before the upload (``BackendClient.upload_video``)."""
        cfg = self.client.config_if_reachable(cancel)
        if cfg is not None:
            cfg.check_accepts(path)

    def open_probe_at(self) -> float | None:
        """When the earliest open breaker probes next; None when none is open."""
        times = [b.next_probe_at or 0.0 for b in self.client.breakers.all()
                 if b.state is BreakerState.OPEN]
        return min(times) if times else None

    def probe_now(self) -> None:
        self.client.breakers.probe_now()

    def local_url(self, url: str | None) -> str | None:
        """An upload URL stored by an earlier run, pointed at this run's server when
        the backend is the embedded one (same data, new port)."""
        if not url or not self.embedded:
            return url
        here = urlsplit(self.base_url)
        there = urlsplit(url)
        return urlunsplit((here.scheme, here.netloc, there.path, there.query, there.fragment))

    def close(self) -> None:
        self.client.close()
