"""The error dialog: what happened, what to do, the code, and collapsed details.

Every string that came from a server or a file name goes into a plain-text
label or text box (``plain.label``), so ``<b>`` or ``<img src=...>`` in
a message is shown literally, never rendered.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.errors import UserAction, shown_hint, shown_message, spec
from desktop_app.gui import plain
from desktop_app.gui.models import formatting as fmt
from desktop_app.gui.widgets.collapsible import Collapsible
from desktop_app.i18n import N_, _, ngettext
from desktop_app.jobs.model import FailureRecord

# What the buttons do; the main window acts on ``ErrorDialog.chosen``.
ACTION_RETRY = "retry"
ACTION_RESELECT = "reselect"
ACTION_SIGN_IN = "sign_in"
ACTION_SUPPORT = "support_bundle"
ACTION_CLOSE = "close"

_BUTTONS = {
    UserAction.RETRY: (ACTION_RETRY, N_("&Retry")),
    UserAction.CHECK_CONNECTION: (ACTION_RETRY, N_("&Retry")),
    UserAction.RESELECT_FILE: (ACTION_RESELECT, N_("Re-&select file…")),
    UserAction.CHOOSE_OTHER_FILE: (ACTION_RESELECT, N_("Choose &another file…")),
    UserAction.SIGN_IN: (ACTION_SIGN_IN, N_("&Sign in…")),
    UserAction.CONTACT_SUPPORT: (ACTION_SUPPORT, N_("&Export support bundle…")),
}


@dataclass
class ErrorInfo:
    """One cause to show: the failure, the file, how many other jobs share it."""

    failure: FailureRecord
    file_name: str = ""
    job_id: str = ""
    also_affected: int = 0


def details_text(info: ErrorInfo) -> str:
    """The technical record, for support: its labels translated, its values as stored (the
    code, the stage, the server's and the specific English message: what support reads)."""
    f = info.failure
    none = _("(none)")
    lines = [
        _("Error code: {code}").format(code=f.error_code),
        _("File: {file}").format(file=info.file_name) if info.file_name else "",
        _("Stage: {stage}").format(stage=f.stage),
        _("HTTP status: {status}").format(status=f.http_status or none),
        _("Request id: {request_id}").format(request_id=f.request_id or none),
        _("Time: {time}").format(time=fmt.clock(f.time)),
        _("Attempts: {n}").format(n=f.attempts),
        _("Job id: {job_id}").format(job_id=info.job_id) if info.job_id else "",
        _("Message: {message}").format(message=f.message)
        if f.message and shown_message(f.message, f.error_code) != f.message else "",
        _("Technical message: {detail}").format(detail=f.detail),
    ]
    return "\n".join(line for line in lines if line)


def also_affected_text(n: int) -> str:
    return ngettext("{n} more file failed for the same reason; see the Failed tab.",
                    "{n} more files failed for the same reason; see the Failed tab.",
                    n).format(n=n)


class ErrorDialog(QDialog):
    def __init__(self, info: ErrorInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.info = info
        self.chosen = ACTION_CLOSE
        f = info.failure
        entry = spec(f.error_code)
        self.setWindowTitle(_("Upload problem"))
        self.setAccessibleName(_("Error"))
        layout = QVBoxLayout(self)
        message = shown_message(f.message, f.error_code)
        self.setAccessibleDescription(message)
        self.message_label = plain.label(message, bold=True, name=_("Error message"))
        self.file_label = plain.label(info.file_name, name=_("File name"))
        self.hint_label = plain.label(
            _("What to do: {hint}").format(hint=shown_hint(f.hint, f.error_code)),
            name=_("What to do"))
        self.code_label = plain.label(_("Error code: {code}").format(code=f.error_code),
                                      name=_("Error code"))
        self.more_label = plain.label(
            also_affected_text(info.also_affected) if info.also_affected else "",
            name=_("Also affected"))
        self.more_label.setVisible(info.also_affected > 0)
        self.details = Collapsible(_("Details"), details_text(info), self)
        for w in (self.message_label, self.file_label, self.hint_label, self.code_label,
                  self.more_label, self.details):
            layout.addWidget(w)
        self.file_label.setVisible(bool(info.file_name))

        buttons = QDialogButtonBox(self)
        self.action_buttons: dict[str, QPushButton] = {}
        mapped = _BUTTONS.get(entry.action)
        if mapped is not None:
            action, text = mapped
            btn = buttons.addButton(_(text), QDialogButtonBox.ButtonRole.AcceptRole)
            btn.setAccessibleName(_(text).replace("&", "").rstrip("…"))
            btn.setAccessibleDescription(shown_hint(f.hint, f.error_code))
            btn.clicked.connect(lambda _=False, a=action: self._choose(a))
            btn.setDefault(True)
            self.action_buttons[action] = btn
        copy = buttons.addButton(_("&Copy details"), QDialogButtonBox.ButtonRole.ActionRole)
        copy.setAccessibleName(_("Copy details"))
        copy.setAccessibleDescription(_("Copy the technical record for support"))
        copy.clicked.connect(self.copy_details)
        close = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        close.setIcon(QIcon())  # Fusion's fixed-colour glyph is unreadable on a dark palette
        close.setAccessibleDescription(_("Close this message; the job stays in the Failed tab"))
        close.clicked.connect(self.reject)
        layout.addWidget(buttons)
        self.setMinimumWidth(460)

    def set_also_affected(self, n: int) -> None:
        self.info.also_affected = n
        plain.set_text(self.more_label, also_affected_text(n))
        self.more_label.setVisible(n > 0)
        self.details.text.setPlainText(details_text(self.info))

    def copy_details(self) -> None:
        QApplication.clipboard().setText(
            f"{self.message_label.text()}\n{self.hint_label.text()}\n\n{details_text(self.info)}")

    def _choose(self, action: str) -> None:
        self.chosen = action
        self.accept()
