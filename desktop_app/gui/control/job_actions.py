"""What the toolbar, the failed panel and the dialogs ask the manager to do.

Each manager call goes through the ``CallQueue`` (off the GUI thread) and returns at
once; only file pickers and the close question block. Its collaborators are passed
in: the call queue, the dialog factory, the rows (to find and drop jobs), the shared
settings and the window that parents the dialogs. What the window should show in
return leaves as signals.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from desktop_app import settings as settings_mod
from desktop_app.errors import AppError
from desktop_app.gui.core import Core
from desktop_app.gui.dialogs.error import (
    ACTION_RESELECT,
    ACTION_RETRY,
    ACTION_SIGN_IN,
    ACTION_SUPPORT,
    ErrorDialog,
    ErrorInfo,
)
from desktop_app.gui.dialogs.factory import Dialogs
from desktop_app.gui.models.job_rows import JobRows
from desktop_app.gui.threads.calls import CallQueue
from desktop_app.i18n import _, ngettext
from desktop_app.jobs.api import JobManagerAPI
from desktop_app.jobs.model import WatchedFolderChanged
from desktop_app.settings import Settings

if TYPE_CHECKING:
    from desktop_app.gui.dialogs.sign_in import SignInDialog


class JobActions(QObject):
    summary = Signal(str)  # a line for the status bar
    paused_changed = Signal(bool)
    signed_in = Signal(str)  # username

    def __init__(self, *, calls: CallQueue, dialogs: Dialogs, rows: JobRows, settings: Settings,
                 window: QWidget, add_paths: Callable[[list[str]], None]) -> None:
        super().__init__(window)
        self._calls = calls
        self._dialogs = dialogs
        self._rows = rows
        self._settings = settings  # shared with the window and the core: updated in place
        self._window = window
        self._add_paths = add_paths
        self.core: Core | None = None
        self.paused = False
        self.signin_dialog: SignInDialog | None = None
        self.folder_states: dict[str, str] = {}  # watched folder -> its last state

    def set_core(self, core: Core) -> None:
        self.core = core

    def _manager(self) -> JobManagerAPI | None:
        return self.core.manager if self.core is not None else None

    def _report(self, err: AppError) -> None:
        self.summary.emit(f"{err.shown_message} ({err.code})")

    # -- adding ------------------------------------------------------------------------
    def add_files(self) -> None:
        files = self._dialogs.open_files(self._window)
        if files:
            self._add_paths(files)

    def add_folder(self) -> None:
        folder = self._dialogs.open_folder(self._window)
        if folder:
            self._add_paths([folder])

    # -- queue-wide --------------------------------------------------------------------
    def toggle_pause(self) -> None:
        m = self._manager()
        if m is None:
            return
        self.paused = not self.paused
        self._calls.submit(m.pause if self.paused else m.resume, None)
        self.paused_changed.emit(self.paused)

    def retry_all(self) -> None:
        m = self._manager()
        if m is not None:
            self._calls.submit(m.retry_all_failed, on_done=self._retried)

    def _retried(self, n: object) -> None:
        if isinstance(n, AppError):
            self._report(n)
        else:
            count = n if isinstance(n, int) else 0
            self.summary.emit(ngettext("Retrying {n} failed job", "Retrying {n} failed jobs",
                                       count).format(n=n))

    def probe_now(self) -> None:
        if (m := self._manager()) is not None:
            self._calls.submit(m.probe_now)

    def folder_changed(self, ev: WatchedFolderChanged) -> None:
        """A watched folder went away or came back: one line, not one per file."""
        before = self.folder_states.get(ev.path)
        self.folder_states[ev.path] = ev.state
        name = os.path.basename(ev.path.rstrip(os.sep)) or ev.path
        if ev.state == "absent" and before != "absent":
            self.summary.emit(_("Watched folder {name} is not there (unplugged?); "
                                "waiting for it").format(name=name))
        elif ev.state == "watching" and before == "absent":
            self.summary.emit(_("Watched folder {name} is back").format(name=name))

    # -- per job -----------------------------------------------------------------------
    def upload_anyway(self, job_ids: list[str]) -> None:
        """Jobs found "Already on the server": upload their files again all the same."""
        m = self._manager()
        if m is None:
            return
        for jid in job_ids:
            self._calls.submit(m.upload_anyway, jid)

    def retry(self, job_ids: list[str]) -> None:
        m = self._manager()
        if m is None:
            return
        for jid in job_ids:
            self._calls.submit(m.retry, jid)

    def remove(self, job_ids: list[str]) -> None:
        m = self._manager()
        if m is None or not job_ids:
            return
        for jid in job_ids:
            self._calls.submit(m.remove, jid)
            self._rows.remove(jid)  # the event follows; removing twice is harmless

    def reselect(self, job_id: str) -> None:
        m, job = self._manager(), self._rows.job(job_id)
        if m is None or job is None:
            return
        path = self._dialogs.reselect_file(self._window, job.path)
        if path:
            self._calls.submit(m.reselect, job_id, path)

    def show_details(self, job_id: str) -> None:
        job = self._rows.job(job_id)
        if job is None or job.failure is None:
            return
        dialog = ErrorDialog(ErrorInfo(job.failure, job.file_name, job.job_id), self._window)
        dialog.details.toggle.setChecked(True)
        self._dialogs.show(dialog, lambda _r: self.act_on(dialog.chosen, [job_id]))

    def act_on(self, action: str, job_ids: list[str]) -> None:
        """Do what the user chose in an error dialog, for every job it stood for."""
        if action == ACTION_RETRY:
            self.retry(job_ids)
        elif action == ACTION_RESELECT and job_ids:
            self.reselect(job_ids[0])
        elif action == ACTION_SIGN_IN:
            self.sign_in("")
        elif action == ACTION_SUPPORT and job_ids:
            self.export_bundle(job_ids[0])

    def export_bundle(self, job_id: str) -> str | None:
        """Ask where, then write the zip off the GUI thread; returns the chosen path."""
        m, job = self._manager(), self._rows.job(job_id)
        if m is None or job is None:
            return None
        stamp = time.strftime("%Y%m%d-%H%M%S")
        suggested = os.path.join(os.path.expanduser("~"), f"support-{job.file_name}-{stamp}.zip")
        dest = self._dialogs.save_file(self._window, _("Export support bundle"), suggested,
                                       _("Zip archive (*.zip)"))
        if not dest:
            return None

        def saved(out: object) -> None:
            if isinstance(out, AppError):
                self._report(out)
            else:
                self.summary.emit(_("Support bundle saved: {path}").format(path=out))

        self._calls.submit(m.export_support_bundle, job_id, dest, on_done=saved)
        return dest

    # -- dialogs -----------------------------------------------------------------------
    def open_settings(self) -> None:
        from desktop_app.gui.dialogs.settings import SettingsDialog  # first use only: fast start

        dialog = SettingsDialog(self._settings, self._window, dialogs=self._dialogs,
                                folder_states=dict(self.folder_states))

        def done(result: int) -> None:
            if result:
                new = dialog.result_settings()
                restart = new.server_url != self._settings.server_url
                # In place: the core's sign-in saves this same object later.
                for f in dataclasses.fields(Settings):
                    setattr(self._settings, f.name, getattr(new, f.name))
                settings_mod.save(self._settings)
                if self.core is not None:  # watched folders, metered, keep awake: now
                    self._calls.submit(self.core.apply_settings)
                if restart:
                    self.summary.emit(_("The new server is used from the next start."))

        self._dialogs.show(dialog, done)

    def sign_in(self, reason: str) -> SignInDialog | None:
        """Open the sign-in dialog, or raise the one already open (one per cause)."""
        from desktop_app.gui.dialogs.sign_in import SignInDialog  # first use only: fast start

        core = self.core
        if core is None:
            return None
        if self.signin_dialog is not None and self.signin_dialog.isVisible():
            self.signin_dialog.raise_()
            return self.signin_dialog
        dialog = SignInDialog(core.sign_in, server_url=core.server_url,
                              username=core.username or self._settings.username,
                              reason=reason, parent=self._window)
        self.signin_dialog = dialog

        def done(result: int) -> None:
            self.signin_dialog = None
            if result:
                core.username = dialog.user_edit.text().strip()
                self.signed_in.emit(core.username)
                self._calls.submit(core.manager.sign_in_completed)

        self._dialogs.show(dialog, done)
        return dialog
