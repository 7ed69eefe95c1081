"""What the toolbar, the failed panel and the dialogs ask the manager to do.

Each manager call returns at once (work happens on its threads), so these run
on the GUI thread; only file pickers and the close question block.
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING

from desktop_app import settings as settings_mod
from desktop_app.errors import AppError
from desktop_app.gui.error_dialog import ErrorDialog, ErrorInfo

if TYPE_CHECKING:
    from desktop_app.gui.main_window import MainWindow
    from desktop_app.gui.signin_dialog import SignInDialog


class JobActions:
    def __init__(self, window: MainWindow) -> None:
        self.w = window
        self.paused = False
        self.signin_dialog: SignInDialog | None = None

    def _manager(self):
        return self.w.manager

    def _report(self, err: AppError) -> None:
        self.w.status.set_summary(f"{err.message} ({err.code})")

    # -- adding ------------------------------------------------------------------------
    def add_files(self) -> None:
        files = self.w.dialogs.open_files(self.w)
        if files:
            self.w.add_paths(files)

    def add_folder(self) -> None:
        folder = self.w.dialogs.open_folder(self.w)
        if folder:
            self.w.add_paths([folder])

    # -- queue-wide --------------------------------------------------------------------
    def toggle_pause(self) -> None:
        m = self._manager()
        if m is None:
            return
        self.paused = not self.paused
        self.w.calls.submit(m.pause if self.paused else m.resume, None)
        self.w.pause_action.setText("Start all" if self.paused else "Pause all")

    def retry_all(self) -> None:
        m = self._manager()
        if m is not None:
            self.w.calls.submit(m.retry_all_failed, on_done=self._retried)

    def _retried(self, n: object) -> None:
        if isinstance(n, AppError):
            self._report(n)
        else:
            self.w.status.set_summary(f"Retrying {n} failed job(s)")

    def probe_now(self) -> None:
        if (m := self._manager()) is not None:
            self.w.calls.submit(m.probe_now)

    # -- per job -----------------------------------------------------------------------
    def retry(self, job_ids: list[str]) -> None:
        m = self._manager()
        for jid in job_ids if m else []:
            self.w.calls.submit(m.retry, jid)

    def remove(self, job_ids: list[str]) -> None:
        m = self._manager()
        if m is None or not job_ids:
            return
        for jid in job_ids:
            self.w.calls.submit(m.remove, jid)
            self.w.rows.remove(jid)  # the event follows; removing twice is harmless

    def reselect(self, job_id: str) -> None:
        m, job = self._manager(), self.w.job(job_id)
        if m is None or job is None:
            return
        path = self.w.dialogs.reselect_file(self.w, job.path)
        if path:
            self.w.calls.submit(m.reselect, job_id, path)

    def show_details(self, job_id: str) -> None:
        job = self.w.job(job_id)
        if job is None or job.failure is None:
            return
        dialog = ErrorDialog(ErrorInfo(job.failure, job.file_name, job.job_id), self.w)
        dialog.details.toggle.setChecked(True)
        self.w.dialogs.show(dialog, lambda _r: self.w.attention.act_on(dialog, [job_id]))

    def export_bundle(self, job_id: str) -> str | None:
        """Ask where, then write the zip off the GUI thread; returns the chosen path."""
        m, job = self._manager(), self.w.job(job_id)
        if m is None or job is None:
            return None
        stamp = time.strftime("%Y%m%d-%H%M%S")
        suggested = os.path.join(os.path.expanduser("~"), f"support-{job.file_name}-{stamp}.zip")
        dest = self.w.dialogs.save_file(self.w, "Export support bundle", suggested, "Zip (*.zip)")
        if not dest:
            return None
        def saved(out: object) -> None:
            if isinstance(out, AppError):
                self._report(out)
            else:
                self.w.status.set_summary(f"Support bundle saved: {out}")

        self.w.calls.submit(m.export_support_bundle, job_id, dest, on_done=saved)
        return dest

    # -- dialogs -----------------------------------------------------------------------
    def open_settings(self) -> None:
        from desktop_app.gui.settings_dialog import SettingsDialog  # first use only: fast start

        dialog = SettingsDialog(self.w.settings, self.w)

        def done(result: int) -> None:
            if result:
                new = dialog.result_settings()
                restart = new.server_url != self.w.settings.server_url
                settings_mod.save(new)
                self.w.settings = new
                if restart:
                    self.w.status.set_summary("The new server is used from the next start.")

        self.w.dialogs.show(dialog, done)

    def sign_in(self, reason: str) -> SignInDialog | None:
        """Open the sign-in dialog, or raise the one already open (one per cause)."""
        from desktop_app.gui.signin_dialog import SignInDialog  # first use only: fast start

        backend = self.w.backend
        if backend is None or backend.sign_in is None:
            return None
        if self.signin_dialog is not None and self.signin_dialog.isVisible():
            self.signin_dialog.raise_()
            return self.signin_dialog
        dialog = SignInDialog(backend.sign_in, server_url=backend.server_url,
                              username=backend.username or self.w.settings.username,
                              reason=reason, parent=self.w)
        self.signin_dialog = dialog

        def done(result: int) -> None:
            self.signin_dialog = None
            if result:
                backend.username = dialog.user_edit.text().strip()
                self.w.set_account(backend.username)
                self.w.note_keyring()
                self.w.calls.submit(backend.manager.sign_in_completed)

        self.w.dialogs.show(dialog, done)
        return dialog
