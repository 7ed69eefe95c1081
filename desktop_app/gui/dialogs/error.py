"""The error dialog: what happened, what to do, the code, and collapsed details.

Every string that came from a server or a file name goes into a plain-text
label or text box (``plain.label``), so ``<b>`` or ``<img src=...>`` in
a message is shown literally, never rendered.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.errors import UserAction, spec
from desktop_app.gui import plain
from desktop_app.gui.models import formatting as fmt
from desktop_app.gui.widgets.collapsible import Collapsible
from desktop_app.jobs.model import FailureRecord

# What the buttons do; the main window acts on ``ErrorDialog.chosen``.
ACTION_RETRY = "retry"
ACTION_RESELECT = "reselect"
ACTION_SIGN_IN = "sign_in"
ACTION_SUPPORT = "support_bundle"
ACTION_CLOSE = "close"

_BUTTONS = {
    UserAction.RETRY: (ACTION_RETRY, "&Retry"),
    UserAction.CHECK_CONNECTION: (ACTION_RETRY, "&Retry"),
    UserAction.RESELECT_FILE: (ACTION_RESELECT, "Re-&select file…"),
    UserAction.CHOOSE_OTHER_FILE: (ACTION_RESELECT, "Choose &another file…"),
    UserAction.SIGN_IN: (ACTION_SIGN_IN, "&Sign in…"),
    UserAction.CONTACT_SUPPORT: (ACTION_SUPPORT, "&Export support bundle…"),
}


@dataclass
class ErrorInfo:
    """One cause to show: the failure, the file, how many other jobs share it."""

    failure: FailureRecord
    file_name: str = ""
    job_id: str = ""
    also_affected: int = 0


def details_text(info: ErrorInfo) -> str:
    f = info.failure
    lines = [
        f"Error code: {f.error_code}",
        f"File: {info.file_name}" if info.file_name else "",
        f"Stage: {f.stage}",
        f"HTTP status: {f.http_status}" if f.http_status else "HTTP status: (none)",
        f"Request id: {f.request_id or '(none)'}",
        f"Time: {fmt.clock(f.time)}",
        f"Attempts: {f.attempts}",
        f"Job id: {info.job_id}" if info.job_id else "",
        f"Technical message: {f.detail}",
    ]
    return "\n".join(line for line in lines if line)


class ErrorDialog(QDialog):
    def __init__(self, info: ErrorInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.info = info
        self.chosen = ACTION_CLOSE
        f = info.failure
        entry = spec(f.error_code)
        self.setWindowTitle("Upload problem")
        self.setAccessibleName("Error")
        layout = QVBoxLayout(self)
        self.message_label = plain.label(f.message or entry.message, bold=True, name="Error message")
        self.file_label = plain.label(info.file_name, name="File name")
        self.hint_label = plain.label(f"What to do: {f.hint or entry.hint}", name="What to do")
        self.code_label = plain.label(f"Error code: {f.error_code}", name="Error code")
        self.more_label = plain.label(
            f"{info.also_affected} more file(s) failed for the same reason; see the Failed tab."
            if info.also_affected else "", name="Also affected")
        self.more_label.setVisible(info.also_affected > 0)
        self.details = Collapsible("Details", details_text(info), self)
        for w in (self.message_label, self.file_label, self.hint_label, self.code_label,
                  self.more_label, self.details):
            layout.addWidget(w)
        self.file_label.setVisible(bool(info.file_name))

        buttons = QDialogButtonBox(self)
        self.action_buttons: dict[str, QPushButton] = {}
        mapped = _BUTTONS.get(entry.action)
        if mapped is not None:
            action, text = mapped
            btn = buttons.addButton(text, QDialogButtonBox.ButtonRole.AcceptRole)
            btn.setAccessibleName(text.replace("&", "").rstrip("…"))
            btn.clicked.connect(lambda _=False, a=action: self._choose(a))
            btn.setDefault(True)
            self.action_buttons[action] = btn
        copy = buttons.addButton("&Copy details", QDialogButtonBox.ButtonRole.ActionRole)
        copy.setAccessibleName("Copy details")
        copy.clicked.connect(self.copy_details)
        close = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        close.clicked.connect(self.reject)
        layout.addWidget(buttons)
        self.setMinimumWidth(460)

    def set_also_affected(self, n: int) -> None:
        self.info.also_affected = n
        plain.set_text(self.more_label,
                       f"{n} more file(s) failed for the same reason; see the Failed tab.")
        self.more_label.setVisible(n > 0)
        self.details.text.setPlainText(details_text(self.info))

    def copy_details(self) -> None:
        QApplication.clipboard().setText(
            f"{self.message_label.text()}\n{self.hint_label.text()}\n\n{details_text(self.info)}")

    def _choose(self, action: str) -> None:
        self.chosen = action
        self.accept()
