"""Dialogs a user reads: server and file text always shown literally, never as HTML."""

from __future__ import annotations

import json
import sys

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel

from desktop_app import paths
from desktop_app import settings as settings_mod
from desktop_app.errors import spec
from desktop_app.gui.dialogs.crash import CrashDialog, install_excepthook
from desktop_app.gui.dialogs.error import ACTION_RESELECT, ErrorDialog, ErrorInfo
from desktop_app.gui.dialogs.settings import SettingsDialog
from desktop_app.gui.dialogs.sign_in import SignInDialog
from desktop_app.gui.wiring import make_client
from desktop_app.jobs.model import FailureRecord
from desktop_app.settings import Settings

HOSTILE = 'Bad <b>bold</b> <img src="file:///etc/passwd"> <a href="x">link</a>'


def _failure(code: str = "VIDEO_CORRUPTED", **kw) -> FailureRecord:
    entry = spec(code)
    values = dict(stage="analyse", error_code=code, message=entry.message, hint=entry.hint,
                  detail=f"HTTP 422: {HOSTILE}", http_status=422, request_id="req-<b>1</b>",
                  attempts=1)
    values.update(kw)
    return FailureRecord(**values)


def test_error_dialog_shows_server_and_file_text_literally(qtbot):
    info = ErrorInfo(_failure(message=f"The server said: {HOSTILE}"), file_name="<b>clip</b>.mp4",
                     job_id="j1")
    dialog = ErrorDialog(info)
    qtbot.addWidget(dialog)
    dialog.show()
    labels = dialog.findChildren(QLabel)
    assert labels and all(lb.textFormat() == Qt.TextFormat.PlainText for lb in labels)
    assert dialog.message_label.text() == f"The server said: {HOSTILE}"
    assert dialog.file_label.text() == "<b>clip</b>.mp4"
    # Order of the dialog: friendly sentence, what to do, error code, collapsed details.
    assert dialog.hint_label.text().startswith("What to do: Copy the file again")
    assert dialog.code_label.text() == "Error code: VIDEO_CORRUPTED"
    assert not dialog.details.text.isVisible()
    dialog.details.toggle.click()
    assert dialog.details.text.isVisible()
    details = dialog.details.text.toPlainText()
    for piece in ("HTTP status: 422", "Request id: req-<b>1</b>", HOSTILE, "Time: "):
        assert piece in details
    # The action fits the cause: a damaged video offers choosing another file.
    dialog.action_buttons[ACTION_RESELECT].click()
    assert dialog.chosen == ACTION_RESELECT


def test_error_dialog_copy_details_puts_the_record_on_the_clipboard(qtbot):
    dialog = ErrorDialog(ErrorInfo(_failure(), file_name="a.mp4", job_id="job-42"))
    qtbot.addWidget(dialog)
    dialog.copy_details()
    text = QApplication.clipboard().text()
    assert "VIDEO_CORRUPTED" in text and "job-42" in text and HOSTILE in text


def test_sign_in_dialog_wrong_then_right_password_stores_token_in_keyring_only(
        qtbot, server, memory_keyring):
    settings = Settings(server_url=server.url)
    client = make_client(server.url, settings)

    def sign_in(url: str, user: str, password: str) -> None:
        client.sign_in(user, password)

    dialog = SignInDialog(sign_in, server_url=server.url, username=server.username)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.server_edit.text() == server.url
    dialog.password_edit.setText("not-the-password")
    dialog.submit()
    qtbot.waitUntil(lambda: dialog.error_label.isVisible(), timeout=10_000)
    assert "INVALID_CREDENTIALS" in dialog.error_label.text()
    assert dialog.error_label.textFormat() == Qt.TextFormat.PlainText
    assert dialog.password_edit.text() == ""  # never kept around
    dialog.password_edit.setText(server.password)
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        dialog.submit()
    stored = [v for (service, _user), v in memory_keyring.secrets.items() if server.url in service]
    assert stored and "access_token" in stored[0]
    client.close()
    assert not paths.settings_path().exists() or server.password not in paths.settings_path().read_text()


def test_settings_dialog_saves_choices_and_clamps(qtbot):
    dialog = SettingsDialog(Settings())
    qtbot.addWidget(dialog)
    dialog.server_edit.setText("https://videos.example.org")
    dialog.uploads_spin.setValue(4)
    dialog.attempts_spin.setValue(9)  # the box allows 3-5 only
    dialog.bandwidth_spin.setValue(512)
    dialog.chunk_spin.setValue(16)
    dialog.user_id_edit.setText("alice")
    new = dialog.result_settings()
    assert (new.server_url, new.parallel_uploads, new.retry_attempts, new.bandwidth_limit_kbps,
            new.chunk_size_mib, new.default_user_id) == (
        "https://videos.example.org", 4, 5, 512, 16, "alice")
    settings_mod.save(new)
    saved = json.loads(paths.settings_path().read_text())
    assert saved["parallel_uploads"] == 4 and "password" not in json.dumps(saved).lower()
    names = {w.accessibleName() for w in (dialog.uploads_spin, dialog.attempts_spin,
                                          dialog.bandwidth_spin, dialog.chunk_spin)}
    assert names == {"Parallel uploads", "Retry attempts", "Bandwidth limit", "Chunk size"}


def test_settings_give_up_waiting_for_the_server_is_never_by_default(qtbot):
    dialog = SettingsDialog(Settings())
    qtbot.addWidget(dialog)
    assert dialog.give_up_spin.text() == "Never" and dialog.result_settings().give_up_after_s == 0
    dialog.give_up_spin.setValue(10)  # minutes
    assert dialog.result_settings().give_up_after_s == 600
    assert dialog.give_up_spin.accessibleName() == "Give up waiting for the server after"


def test_unexpected_exception_opens_crash_dialog_with_copyable_details(qtbot):
    shown: list[CrashDialog] = []

    def show(details: str) -> None:
        dialog = CrashDialog(details)
        qtbot.addWidget(dialog)
        shown.append(dialog)

    restore = install_excepthook(show)
    try:
        try:
            raise ZeroDivisionError("boom <b>here</b>")
        except ZeroDivisionError:
            sys.excepthook(*sys.exc_info())
            sys.excepthook(*sys.exc_info())  # the same bug again: no second dialog
    finally:
        restore()
    assert len(shown) == 1
    text = shown[0].details.toPlainText()
    assert "ZeroDivisionError: boom <b>here</b>" in text and "Traceback" in text
    assert shown[0].details.isReadOnly()
    from PySide6.QtWidgets import QPushButton

    button = next(b for b in shown[0].findChildren(QPushButton) if "Copy" in b.text())
    button.click()
    assert "ZeroDivisionError" in QApplication.clipboard().text()
