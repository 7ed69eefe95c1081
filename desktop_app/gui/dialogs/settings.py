"""Settings: server, default user/session, parallelism, retries, bandwidth, chunk size,
how long to wait for a server that is down before giving up."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop_app.gui import plain
from desktop_app.settings import Settings


def _spin(lo: int, hi: int, value: int, name: str, suffix: str = "", special: str = "") -> QSpinBox:
    box = QSpinBox()
    box.setRange(lo, hi)
    box.setValue(value)
    box.setAccessibleName(name)
    if suffix:
        box.setSuffix(suffix)
    if special:
        box.setSpecialValueText(special)
    return box


class SettingsDialog(QDialog):
    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setAccessibleName("Settings")
        self._original = settings
        s = settings
        self.server_edit = QLineEdit(s.server_url)
        self.server_edit.setPlaceholderText("empty: built-in local server")
        self.server_edit.setAccessibleName("Server URL")
        self.user_id_edit = QLineEdit(s.default_user_id)
        self.user_id_edit.setAccessibleName("Default user id")
        self.session_edit = QLineEdit(s.default_session_id)
        self.session_edit.setAccessibleName("Default session id")
        self.uploads_spin = _spin(1, 4, s.parallel_uploads, "Parallel uploads")
        self.analyses_spin = _spin(0, 16, s.parallel_analyses, "Parallel analyses",
                                   special="Automatic")
        self.attempts_spin = _spin(3, 5, s.retry_attempts, "Retry attempts")
        self.bandwidth_spin = _spin(0, 10_000_000, s.bandwidth_limit_kbps, "Bandwidth limit",
                                    " KiB/s", special="Unlimited")
        self.chunk_spin = _spin(1, 256, s.chunk_size_mib, "Chunk size", " MiB")
        # the contract: a server's own chunk size hint wins (the built-in server's is 32 MiB)
        self.chunk_spin.setToolTip("Used with servers that do not suggest a chunk size; "
                                   "the server's suggestion wins.")
        # minutes here, seconds in the settings; 0 ("Never"): wait for the server for ever
        self.give_up_spin = _spin(0, 24 * 60, (s.give_up_after_s + 59) // 60,
                                  "Give up waiting for the server after", " min",
                                  special="Never")
        self.give_up_spin.setToolTip("While the server is down or unreachable, uploads wait "
                                     "for it and continue when it is back. With a time set, "
                                     "they fail after that long with no progress at all.")
        self.minimized_check = QCheckBox("Start &minimized")
        self.minimized_check.setChecked(s.start_minimized)
        form = QFormLayout()
        form.addRow("Se&rver URL:", self.server_edit)
        form.addRow("Default &user id:", self.user_id_edit)
        form.addRow("Default &session:", self.session_edit)
        form.addRow("Parallel &uploads:", self.uploads_spin)
        form.addRow("Parallel &analyses:", self.analyses_spin)
        form.addRow("Retry &attempts:", self.attempts_spin)
        form.addRow("&Bandwidth limit:", self.bandwidth_spin)
        form.addRow("&Chunk size (if the server suggests none):", self.chunk_spin)
        form.addRow("&Give up waiting for the server after:", self.give_up_spin)
        form.addRow("", self.minimized_check)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(plain.label("A new server URL, parallelism or give-up time applies "
                                     "on next start.", selectable=False))
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def result_settings(self) -> Settings:
        return replace(
            self._original,
            server_url=self.server_edit.text().strip(),
            default_user_id=self.user_id_edit.text().strip(),
            default_session_id=self.session_edit.text().strip(),
            parallel_uploads=self.uploads_spin.value(),
            parallel_analyses=self.analyses_spin.value(),
            retry_attempts=self.attempts_spin.value(),
            bandwidth_limit_kbps=self.bandwidth_spin.value(),
            chunk_size_mib=self.chunk_spin.value(),
            give_up_after_s=self.give_up_spin.value() * 60,
            start_minimized=self.minimized_check.isChecked(),
        ).clamped()
