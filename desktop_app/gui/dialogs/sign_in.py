"""Sign-in: server URL, username, password. The token goes to the keyring (by the
``sign_in`` callable), never to a settings file or a log; the password is never kept."""

from __future__ import annotations

import threading
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from desktop_app.errors import AppError, unexpected
from desktop_app.gui import plain
from desktop_app.i18n import _

# (server_url, username, password) -> None; raises AppError. Runs off the GUI thread.
SignInFunc = Callable[[str, str, str], None]


class SignInDialog(QDialog):
    _finished_sign_in = Signal(object)  # None on success, else AppError

    def __init__(self, sign_in: SignInFunc, *, server_url: str = "", username: str = "",
                 reason: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._sign_in = sign_in
        self.setWindowTitle(_("Sign in"))
        self.setAccessibleName(_("Sign in"))
        self.setAccessibleDescription(reason or _("Sign in to the upload server"))
        layout = QVBoxLayout(self)
        self.reason_label = plain.label(reason, name=_("Why sign in"))
        self.reason_label.setVisible(bool(reason))
        layout.addWidget(self.reason_label)
        form = QFormLayout()
        self.server_edit = QLineEdit(server_url)
        self.server_edit.setAccessibleName(_("Server URL"))
        self.server_edit.setAccessibleDescription(_("The address of the upload server"))
        self.user_edit = QLineEdit(username)
        self.user_edit.setAccessibleName(_("Username"))
        self.user_edit.setAccessibleDescription(_("Your user name on that server"))
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setAccessibleName(_("Password"))
        self.password_edit.setAccessibleDescription(
            _("Your password; it is never stored, only the sign-in it gives"))
        form.addRow(_("&Server URL:"), self.server_edit)
        form.addRow(_("&Username:"), self.user_edit)
        form.addRow(_("&Password:"), self.password_edit)
        layout.addLayout(form)
        self.error_label = plain.label("", name=_("Sign-in error"))
        self.error_label.setVisible(False)
        layout.addWidget(self.error_label)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        for button in self.buttons.buttons():
            button.setIcon(QIcon())  # Fusion's fixed-colour glyphs: unreadable when dark
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText(_("Sign &in"))
        ok.setAccessibleDescription(_("Sign in to the upload server"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setAccessibleDescription(
            _("Close without signing in"))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._finished_sign_in.connect(self._on_result, Qt.ConnectionType.QueuedConnection)
        (self.password_edit if username else self.user_edit).setFocus()
        self.setMinimumWidth(380)

    def submit(self) -> None:
        server, user, password = (self.server_edit.text().strip(), self.user_edit.text().strip(),
                                  self.password_edit.text())
        if not user or not password:
            self._show_error(_("Enter your username and password."))
            return
        self.buttons.setEnabled(False)
        self.error_label.setVisible(False)

        def work() -> None:
            try:
                self._sign_in(server, user, password)
                result: object = None
            except AppError as err:
                result = err
            except Exception as exc:  # a bug must not kill the dialog silently
                result = unexpected(exc)
            self._finished_sign_in.emit(result)

        threading.Thread(target=work, name="sign-in", daemon=True).start()

    def _on_result(self, err: AppError | None) -> None:
        self.buttons.setEnabled(True)
        self.password_edit.clear()
        if err is None:
            self.accept()
            return
        self._show_error(f"{err.shown_message} {err.shown_hint} ({err.code})")

    def _show_error(self, text: str) -> None:
        plain.set_text(self.error_label, text)
        self.error_label.setVisible(True)
