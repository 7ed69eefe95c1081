"""Settings: server, default user/session, parallelism, retries, bandwidth, chunk size, how long to wait for a server
that is down before giving up, language;
then, as a section of its own, watched folders and the laptop's events
(``watched_folders.py``).

Grouped in sections (``QGroupBox``es in one column): a new section is one ``_section``
call, so other settings are added beside these, not into them.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop_app import i18n
from desktop_app.gui import plain
from desktop_app.gui.dialogs.factory import Dialogs
from desktop_app.gui.dialogs.watched_folders import WatchedFoldersBox
from desktop_app.i18n import _
from desktop_app.settings import Settings


def _spin(lo: int, hi: int, value: int, name: str, suffix: str = "", special: str = "",
          description: str = "") -> QSpinBox:
    box = QSpinBox()
    box.setRange(lo, hi)
    box.setValue(value)
    box.setAccessibleName(name)
    box.setAccessibleDescription(description or name)
    if suffix:
        box.setSuffix(suffix)
    if special:
        box.setSpecialValueText(special)
    return box


def _edit(text: str, name: str, description: str) -> QLineEdit:
    edit = QLineEdit(text)
    edit.setAccessibleName(name)
    edit.setAccessibleDescription(description)
    return edit


class SettingsDialog(QDialog):
    def __init__(self, settings: Settings, parent: QWidget | None = None, *,
                 dialogs: Dialogs | None = None,
                 folder_states: dict[str, str] | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Settings"))
        self.setAccessibleName(_("Settings"))
        self._original = settings
        s = settings
        self.server_edit = _edit(s.server_url, _("Server URL"),
                                 _("The upload server; empty uses the built-in local server"))
        self.server_edit.setPlaceholderText(_("empty: built-in local server"))
        self.user_id_edit = _edit(s.default_user_id, _("Default user id"),
                                  _("The user the uploads are for, unless a job says otherwise"))
        self.session_edit = _edit(s.default_session_id, _("Default session id"),
                                  _("The recording session new uploads join"))
        self.uploads_spin = _spin(1, 4, s.parallel_uploads, _("Parallel uploads"),
                                  description=_("How many files upload at the same time (1-4)"))
        self.analyses_spin = _spin(0, 16, s.parallel_analyses, _("Parallel analyses"),
                                   special=_("Automatic"),
                                   description=_("How many files are analysed at the same time"))
        self.attempts_spin = _spin(3, 5, s.retry_attempts, _("Retry attempts"),
                                   description=_("How often a failing request is tried (3-5)"))
        self.bandwidth_spin = _spin(0, 10_000_000, s.bandwidth_limit_kbps, _("Bandwidth limit"),
                                    " " + _("KiB/s"), special=_("Unlimited"),
                                    description=_("The most the uploads send per second"))
        # the contract: a server's own chunk size hint wins (the built-in server's is 32 MiB)
        chunk_tip = _("Used with servers that do not suggest a chunk size; the server's "
                      "suggestion wins.")
        self.chunk_spin = _spin(1, 256, s.chunk_size_mib, _("Chunk size"), " " + _("MiB"),
                                description=chunk_tip)
        self.chunk_spin.setToolTip(plain.tooltip(chunk_tip))
        # minutes here, seconds in the settings; 0 ("Never"): wait for the server for ever
        give_up_tip = _("While the server is down or unreachable, uploads wait for it and "
                        "continue when it is back. With a time set, they fail after that long "
                        "with no progress at all.")
        self.give_up_spin = _spin(0, 24 * 60, (s.give_up_after_s + 59) // 60,
                                  _("Give up waiting for the server after"), " " + _("min"),
                                  special=_("Never"), description=give_up_tip)
        self.give_up_spin.setToolTip(plain.tooltip(give_up_tip))
        self.minimized_check = QCheckBox(_("Start &minimized"))
        self.minimized_check.setChecked(s.start_minimized)
        self.minimized_check.setAccessibleDescription(_("Open the window minimized at start"))
        self.language_combo = QComboBox()
        self.language_combo.addItem(_("System default"), "")
        for code, name in i18n.LANGUAGES.items():
            self.language_combo.addItem(name, code)  # each language in its own words
        self.language_combo.setCurrentIndex(max(0, self.language_combo.findData(s.language)))
        self.language_combo.setAccessibleName(_("Language"))
        self.language_combo.setAccessibleDescription(
            _("The language of the window and the command line; applies on next start"))

        layout = QVBoxLayout(self)
        self._section(layout, _("Server"), [
            (_("Se&rver URL:"), self.server_edit),
            (_("Default &user id:"), self.user_id_edit),
            (_("Default &session:"), self.session_edit)])
        self._section(layout, _("Transfers"), [
            (_("Parallel &uploads:"), self.uploads_spin),
            (_("Parallel &analyses:"), self.analyses_spin),
            (_("Retry &attempts:"), self.attempts_spin),
            (_("&Bandwidth limit:"), self.bandwidth_spin),
            (_("&Chunk size (if the server suggests none):"), self.chunk_spin),
            (_("&Give up waiting for the server after:"), self.give_up_spin)])
        self._section(layout, _("Window"), [
            (_("&Language:"), self.language_combo),
            ("", self.minimized_check)])
        self.watched = WatchedFoldersBox(settings, dialogs=dialogs, states=folder_states)
        layout.addWidget(self.watched)
        layout.addWidget(plain.label(_("A new server URL, parallelism, give-up time or language "
                                       "applies on next start."), selectable=False))
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        B = QDialogButtonBox.StandardButton
        for button in self.buttons.buttons():
            button.setIcon(QIcon())  # Fusion's fixed-colour glyphs: unreadable when dark
        self.buttons.button(B.Ok).setAccessibleDescription(_("Keep these settings"))
        self.buttons.button(B.Cancel).setAccessibleDescription(_("Close without changing anything"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    @staticmethod
    def _section(layout: QVBoxLayout, title: str, rows: list[tuple[str, QWidget]]) -> QFormLayout:
        box = QGroupBox(title)
        form = QFormLayout(box)
        for label, widget in rows:
            form.addRow(label, widget)
        layout.addWidget(box)
        return form

    def result_settings(self) -> Settings:
        return self.watched.apply_to(self._form_settings())

    def _form_settings(self) -> Settings:
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
            language=str(self.language_combo.currentData() or ""),
        ).clamped()
