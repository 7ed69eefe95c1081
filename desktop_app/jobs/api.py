"""What front ends (CLI, GUI) may call on the job manager.

The manager in ``jobs/manager.py`` implements this; the GUI codes against it and
wraps ``on_event`` (called from worker threads) in a queued Qt signal. Every
method returns quickly: work happens on the manager's own worker threads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Protocol

from desktop_app.jobs.model import Event, Job

if TYPE_CHECKING:
    from desktop_app.jobs.known import Added, Request

EventCallback = Callable[[Event], None]


class JobManagerAPI(Protocol):
    def start(self) -> None:
        """Start worker pools; resume jobs found mid-stage in the store."""

    def shutdown(self, wait: bool = True) -> None:
        """Stop workers within about a second; unfinished jobs stay in the store."""

    def add_files(
        self,
        paths: Iterable[str],
        *,
        user_id: str | None = None,
        session_id: str | None = None,
        session_title: str | None = None,
        recorded_at: str | None = None,
        batch_title: str | None = None,
    ) -> list[Job]:
        """Queue files (committed to the store before this returns); a file the store
        knows continues its job (``jobs/known.py``). ``batch_title``: the session title
        of jobs given no session (a drop added in slices passes one for all)."""

    def submit(
        self,
        files: Iterable[str],
        request: Request | None = None,
        *,
        batch_title: str | None = None,
        force: bool = False,
        queue_unreadable: bool = False,
    ) -> list[Added]:
        """``add_files`` telling, per file, whether its job is new, known (resumed,
        retried, already stored) or why the file could not be added."""

    def jobs(self) -> list[Job]:
        """Snapshot of every job in the store, oldest first."""

    def get(self, job_id: str) -> Job | None: ...

    def history(self, job_id: str) -> list[dict]:
        """The job's event history: state changes and each attempt (time, code, delay)."""

    def pause(self, job_id: str | None = None) -> None:
        """Pause one job, or all when ``job_id`` is None."""

    def resume(self, job_id: str | None = None) -> None: ...

    def cancel(self, job_id: str) -> None: ...

    def retry(self, job_id: str) -> None:
        """Re-run a failed job from the stage that failed, original parameters."""

    def retry_all_failed(self) -> int: ...

    def remove(self, job_id: str) -> None: ...

    def reselect(self, job_id: str, new_path: str) -> None:
        """Point a FILE_NOT_FOUND / FILE_CHANGED job at the file where it is now."""

    def upload_anyway(self, job_id: str) -> Job | None:
        """A job found "Already on the server": upload its file again all the same."""

    def sign_in_completed(self) -> None:
        """Resume every job waiting for sign-in."""

    def probe_now(self) -> None:
        """'Retry now' in the status bar: half-open the breaker at once."""

    def export_support_bundle(self, job_id: str, dest: str) -> str: ...
