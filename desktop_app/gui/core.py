"""The running core as the window sees it (plain Python, no Qt).

``session.start_window`` builds it (a ``session.Session``); the window codes against
this protocol only, so its modules never import the core's heavy ones.
"""

from __future__ import annotations

from typing import Protocol

from desktop_app.jobs.api import JobManagerAPI
from desktop_app.jobs.model import Job


class Core(Protocol):
    username: str  # the window sets it after a sign-in

    @property
    def manager(self) -> JobManagerAPI: ...

    @property
    def server_url(self) -> str: ...

    @property
    def embedded(self) -> bool: ...

    @property
    def initial_jobs(self) -> list[Job] | None:
        """The store's jobs, read on the start-up thread so the window need not wait."""

    def sign_in(self, url: str, username: str, password: str) -> None:
        """Sign in (another server: kept for the next start); raises AppError."""

    def token_memory_only(self) -> bool:
        """True when no keyring works here: the token lives in memory for this run only."""

    def apply_settings(self) -> None:
        """The Settings dialog changed them: watched folders, metered, keep awake (call
        off the GUI thread)."""

    def stop(self) -> None:
        """Stop the manager (and the embedded server); called once on quit."""
