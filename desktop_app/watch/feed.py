"""From a watched folder to the job manager.

* A settled file the job store already knows (same path, size, mtime and server: uploaded,
  queued, failed or cancelled, by this run or an earlier one) is left alone; the others
  are submitted as one batch. So a restart, or a card plugged in again, queues nothing twice.
* A folder that comes back (the card plugged in again) retries its jobs that failed because
  their file was gone (``FILE_NOT_FOUND``), now that it is there again as it was.
"""

from __future__ import annotations

import logging
import os

from desktop_app.errors import AppError
from desktop_app.files import FileIdentity
from desktop_app.jobs.known import Added, Request
from desktop_app.jobs.manager import JobManager
from desktop_app.jobs.model import JobState

log = logging.getLogger(__name__)
GONE_CODES = frozenset({"FILE_NOT_FOUND"})


class WatchFeed:
    def __init__(self, manager: JobManager, request: Request | None = None) -> None:
        self.manager = manager
        self.request = request or Request()

    def __call__(self, folder: str, paths: list[str]) -> list[Added]:
        new = self.unknown(paths)
        if not new:
            return []
        log.info("queueing %d new file(s) from watched folder %s", len(new), folder)
        return self.manager.submit(new, self.request)

    def unknown(self, paths: list[str]) -> list[str]:
        """The files no job of this server is for (as they are now)."""
        idents: list[FileIdentity] = []
        for path in paths:
            try:
                idents.append(FileIdentity.of(path))
            except AppError:  # gone again meanwhile: the next event brings it back
                continue
        stored = self.manager.store.find_many([(i.path, i.size, i.mtime_ns) for i in idents],
                                              self.manager.server_key)
        return [i.path for i in idents if (i.path, i.size, i.mtime_ns) not in stored]

    def folder_back(self, folder: str) -> int:
        """Retry the jobs under ``folder`` that failed because their file was gone and
        that find it again unchanged; how many."""
        prefix = os.path.abspath(folder).rstrip(os.sep) + os.sep
        retried = 0
        for job in self.manager.store.jobs(states={JobState.FAILED},
                                           server_url=self.manager.server_key):
            if not job.path.startswith(prefix) or job.failure is None \
                    or job.failure.error_code not in GONE_CODES:
                continue
            try:
                ident = FileIdentity.of(job.path)
            except AppError:
                continue
            if (ident.size, ident.mtime_ns) == (job.size, job.mtime_ns):
                self.manager.retry(job.job_id)
                retried += 1
        return retried
