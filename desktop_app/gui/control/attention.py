"""When the user is needed: one dialog per cause, tray notifications.

Errors that retry on their own are row states, never dialogs. A job that fails
for good opens an error dialog, unless one for the same error code is already
open, which then counts it ("3 more files failed for the same reason"). Twenty
jobs hitting an expired sign-in raise one sign-in request. What the user picks in a
dialog, and a needed sign-in, leave as signals: the window connects them to the
job actions.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from desktop_app import APP_DISPLAY_NAME
from desktop_app.errors import Family, UserAction, shown_hint, shown_message, spec
from desktop_app.gui.desktop.tray import Tray
from desktop_app.gui.dialogs.error import ErrorDialog, ErrorInfo
from desktop_app.gui.dialogs.factory import Dialogs
from desktop_app.i18n import N_, _, ngettext
from desktop_app.jobs.model import Alert, Job, SignInRequired

_ALERT_TITLES = {"batch_done": N_("Uploads finished"), "needs_attention": N_("Needs your attention"),
                 "breaker_open": N_("Server unavailable"), "error_rate": N_("Server errors")}


# jobs/batch.py says how a batch ended as English data ("3 uploaded, 1 failed"), and
# jobs/monitor.py names the failing server or the failure rate: what they carry is said
# again in the user's language.
_BATCH_END = re.compile(r"(\d+) uploaded(?:, (\d+) failed)?")
_BREAKER_OPEN = re.compile(r"The server at (.+) keeps failing; uploads pause until it "
                           r"recovers \(next try at (.+)\)\.", re.DOTALL)
_ERROR_RATE = re.compile(r"(\d+)% of recent requests to the server failed; the app keeps "
                         r"retrying\.")


def _monitor_text(ev: Alert) -> str | None:
    if ev.kind == "breaker_open" and (m := _BREAKER_OPEN.fullmatch(ev.message)):
        server = _("the backend") if m.group(1) == "the backend" else m.group(1)
        when = _("soon") if m.group(2) == "soon" else m.group(2)
        return _("The server at {server} keeps failing; uploads pause until it recovers "
                 "(next try at {time}).").format(server=server, time=when)
    if ev.kind == "error_rate" and (m := _ERROR_RATE.fullmatch(ev.message)):
        return _("{percent}% of recent requests to the server failed; the app keeps "
                 "retrying.").format(percent=m.group(1))
    return None


def alert_text(ev: Alert) -> str:
    """An alert's message as the user reads it (an alert the app does not know: as it is)."""
    match = _BATCH_END.fullmatch(ev.message)
    if ev.kind not in ("batch_done", "needs_attention") or match is None:
        return _monitor_text(ev) or _(ev.message)
    done, failed = int(match.group(1)), int(match.group(2) or 0)
    text = ngettext("{n} uploaded", "{n} uploaded", done).format(n=done)
    if failed:
        text += ", " + ngettext("{n} failed", "{n} failed", failed).format(n=failed)
    return text


class Attention(QObject):
    sign_in_needed = Signal(str)  # why, for the sign-in dialog
    chosen = Signal(str, list)  # an error dialog's action (ACTION_*), the job ids it stood for

    def __init__(self, dialogs: Dialogs, window: QWidget) -> None:
        super().__init__(window)
        self._dialogs = dialogs
        self._window = window  # the dialogs' parent; notified only when it is not active
        self.tray = Tray(window)  # the icon itself appears once the core is up (show_icon)
        self.open_errors: dict[str, tuple[ErrorDialog, list[str]]] = {}  # code -> dialog, jobs

    def job_failed(self, job: Job) -> None:
        f = job.failure
        if f is None:
            return
        entry_spec = spec(f.error_code)
        if entry_spec.action is UserAction.NONE:  # cancelled: nothing to tell
            return
        if entry_spec.is_in(Family.SIGN_IN):
            self.sign_in_needed.emit(f"{shown_message(f.message, f.error_code)} "
                                     f"{shown_hint(f.hint, f.error_code)}")
            return
        entry = self.open_errors.get(f.error_code)
        if entry is not None and entry[0].isVisible():
            dialog, job_ids = entry
            job_ids.append(job.job_id)
            dialog.set_also_affected(len(job_ids) - 1)
            return
        dialog = ErrorDialog(ErrorInfo(f, job.file_name, job.job_id), self._window)
        job_ids = [job.job_id]
        self.open_errors[f.error_code] = (dialog, job_ids)
        self._dialogs.show(dialog, lambda _r: self._closed(f.error_code, dialog, job_ids))
        if not self._window.isActiveWindow():
            self.tray.notify(_("Needs your attention"),
                             f"{job.file_name}: {shown_message(f.message, f.error_code)}",
                             warning=True)

    def _closed(self, code: str, dialog: ErrorDialog, job_ids: list[str]) -> None:
        if self.open_errors.get(code, (None,))[0] is dialog:
            del self.open_errors[code]
        self.chosen.emit(dialog.chosen, job_ids)

    def core_event(self, ev: object) -> None:
        """A manager event that is about the user, not a row."""
        if isinstance(ev, SignInRequired):
            entry = spec(ev.error_code)
            waiting = (" " + ngettext("{n} job is waiting.", "{n} jobs are waiting.",
                                      ev.waiting_jobs).format(n=ev.waiting_jobs)
                       if ev.waiting_jobs else "")
            self.sign_in_needed.emit(f"{entry.shown_message} {entry.shown_hint}{waiting}")
            self.tray.notify(_("Sign in needed"), entry.shown_message, warning=True)
        elif isinstance(ev, Alert):  # batch done, needs attention, breaker open, error rate
            title = _ALERT_TITLES.get(ev.kind)
            self.tray.notify(_(title) if title else APP_DISPLAY_NAME, alert_text(ev),
                             warning=ev.kind != "batch_done")

    def close(self) -> None:
        self.tray.hide()
