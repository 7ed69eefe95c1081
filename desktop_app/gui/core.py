"""The running core as the window sees it: the manager plus sign-in (plain Python, no Qt)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from desktop_app.jobs.api import JobManagerAPI
from desktop_app.jobs.model import Job


@dataclass
class Core:
    manager: JobManagerAPI
    server_url: str
    username: str = ""
    # (server_url, username, password) -> None; stores the token in the keyring; raises AppError.
    sign_in: Callable[[str, str, str], None] | None = None
    embedded: bool = False
    # True when no keyring works here: the token lives in memory for this session only.
    token_memory_only: Callable[[], bool] = field(default=lambda: False)
    # The store's jobs, read on the start-up thread so the window does not wait for them.
    initial_jobs: list[Job] | None = None
    # Stops the manager (and the embedded server); called once on quit.
    stop: Callable[[], None] = field(default=lambda: None)
