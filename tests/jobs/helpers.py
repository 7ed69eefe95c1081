"""Shared by the job tests: an event recorder to wait on, a manager on a real server
(built as the front ends build it, through ``desktop_app.session``)."""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from desktop_app.jobs.manager import JobManager
from desktop_app.jobs.model import Event, JobChanged, JobState
from desktop_app.session import Options, Session, connect, job_store
from desktop_app.settings import Settings


class Recorder:
    """The manager's on_event: keeps every event; tests wait on conditions, not sleeps."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self._cond = threading.Condition()

    def __call__(self, event: Event) -> None:
        with self._cond:
            self.events.append(event)
            self._cond.notify_all()

    def wait(self, predicate: Callable[[list[Event]], Any], timeout: float = 60.0) -> Any:
        with self._cond:
            result = self._cond.wait_for(lambda: predicate(self.events), timeout)
        assert result, f"condition not met in {timeout} s; last events: {self.events[-5:]}"
        return result

    def of(self, kind: type) -> list[Any]:
        with self._cond:
            return [e for e in self.events if isinstance(e, kind)]

    def state_reached(self, job_id: str, state: JobState) -> Callable[[list[Event]], bool]:
        return lambda events: any(isinstance(e, JobChanged) and e.job.job_id == job_id
                                  and e.job.state is state for e in events)

    def all_finished(self, job_ids: set[str]) -> Callable[[list[Event]], bool]:
        def check(events: list[Event]) -> bool:
            last: dict[str, JobState] = {}
            for e in events:
                if isinstance(e, JobChanged) and e.job.job_id in job_ids:
                    last[e.job.job_id] = e.job.state
            return len(last) == len(job_ids) and all(s.finished for s in last.values())
        return check


def sha256(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def session_for(server: Any, *, sign_in: bool = True, kbps: int | None = None) -> Session:
    """The core as the CLI builds it for ``--server URL``, signed in as the server's user."""
    creds = {"username": server.username, "password": server.password} if sign_in else {}
    return connect(Settings(), Options(server=server.url, limit_kbps=kbps, **creds))


def manager_for(server: Any, store_path: Path, recorder: Recorder, *,
                session: Session | None = None, **kw: Any) -> JobManager:
    session = session or session_for(server)
    return session.open_manager(on_event=recorder, interactive=kw.pop("interactive", True),
                                store=job_store(store_path), **kw)


def server_videos(server: Any) -> list[dict[str, Any]]:
    """What the server actually stored (its own database)."""
    return server.ctx.store.all("SELECT * FROM videos ORDER BY created_at")


def upload_body_bytes(server: Any) -> int:
    """The server's own count of upload body bytes received (``/metrics``)."""
    text = httpx.get(server.api_url + "/metrics", timeout=10).text
    return int(re.search(r"^uploader_upload_bytes_total (\d+)$", text, re.M).group(1))


def uploads_left(server: Any) -> list[Any]:
    """Upload rows the server still keeps, and partial files in its upload directory."""
    rows = server.ctx.store.all("SELECT * FROM uploads WHERE video_id IS NULL")
    return rows + [p for p in server.ctx.uploads.directory.iterdir() if p.is_file()]
