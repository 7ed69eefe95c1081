"""When the user is needed: one dialog per cause, tray notifications.

Errors that retry on their own are row states, never dialogs. A job that fails
for good opens an error dialog, unless one for the same error code is already
open, which then counts it ("3 more files failed for the same reason"). Twenty
jobs hitting an expired sign-in raise one sign-in dialog.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from desktop_app.errors import UserAction, spec
from desktop_app.gui.error_dialog import (
    ACTION_RESELECT,
    ACTION_RETRY,
    ACTION_SIGN_IN,
    ACTION_SUPPORT,
    ErrorDialog,
    ErrorInfo,
)
from desktop_app.gui.tray import Tray
from desktop_app.jobs.model import (
    Alert,
    Job,
    SignInRequired,
)

if TYPE_CHECKING:
    from desktop_app.gui.main_window import MainWindow


class Attention:
    def __init__(self, window: MainWindow) -> None:
        self.w = window
        self.tray = Tray(window)  # the icon itself appears once the core is up (show_icon)
        self.open_errors: dict[str, tuple[ErrorDialog, list[str]]] = {}  # code -> dialog, jobs

    def job_failed(self, job: Job) -> None:
        f = job.failure
        if f is None or f.error_code == "CANCELLED":
            return
        if spec(f.error_code).action is UserAction.SIGN_IN:
            self.w.actions_.sign_in(f"{f.message} {f.hint}")
            return
        entry = self.open_errors.get(f.error_code)
        if entry is not None and entry[0].isVisible():
            dialog, job_ids = entry
            job_ids.append(job.job_id)
            dialog.set_also_affected(len(job_ids) - 1)
            return
        dialog = ErrorDialog(ErrorInfo(f, job.file_name, job.job_id), self.w)
        job_ids = [job.job_id]
        self.open_errors[f.error_code] = (dialog, job_ids)
        self.w.dialogs.show(dialog, lambda _r: self._closed(f.error_code, dialog, job_ids))
        if not self.w.isActiveWindow():
            self.tray.notify("Needs your attention", f"{job.file_name}: {f.message}", warning=True)

    def _closed(self, code: str, dialog: ErrorDialog, job_ids: list[str]) -> None:
        if self.open_errors.get(code, (None,))[0] is dialog:
            del self.open_errors[code]
        self.act_on(dialog, job_ids)

    def act_on(self, dialog: ErrorDialog, job_ids: list[str]) -> None:
        """Do what the user chose in an error dialog, for every job it stood for."""
        a = self.w.actions_
        if dialog.chosen == ACTION_RETRY:
            a.retry(job_ids)
        elif dialog.chosen == ACTION_RESELECT and job_ids:
            a.reselect(job_ids[0])
        elif dialog.chosen == ACTION_SIGN_IN:
            a.sign_in("")
        elif dialog.chosen == ACTION_SUPPORT and job_ids:
            a.export_bundle(job_ids[0])

    def event(self, ev: object) -> None:
        if isinstance(ev, SignInRequired):
            spec_ = spec(ev.error_code)
            waiting = f" {ev.waiting_jobs} job(s) are waiting." if ev.waiting_jobs else ""
            self.w.actions_.sign_in(f"{spec_.message} {spec_.hint}{waiting}")
            self.tray.notify("Sign in needed", spec_.message, warning=True)
        elif isinstance(ev, Alert):  # batch done, needs attention, breaker open, error rate
            titles = {"batch_done": "Uploads finished", "needs_attention": "Needs your attention",
                      "breaker_open": "Server unavailable", "error_rate": "Server errors"}
            self.tray.notify(titles.get(ev.kind, "Video Uploader"), ev.message,
                             warning=ev.kind != "batch_done")

    def close(self) -> None:
        self.tray.hide()
