"""The window speaks the chosen language: our sentences, Qt's own buttons, numbers."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QLocale, Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from desktop_app import i18n, locale_format
from desktop_app.errors import CATALOGUE
from desktop_app.gui.dialogs.error import ErrorDialog, ErrorInfo
from desktop_app.gui.dialogs.settings import SettingsDialog
from desktop_app.gui.theme import language
from desktop_app.jobs.model import FailureRecord
from desktop_app.settings import Settings


@pytest.fixture
def speak(qapp):
    """Switch the window's language (ours and Qt's) for one test; English afterwards."""
    yield lambda code: language.apply(qapp, code)
    language.apply(qapp, "en")


def _dialog(qtbot) -> ErrorDialog:
    entry = CATALOGUE["VIDEO_CORRUPTED"]
    # As the store keeps it: English, whatever language the failure happened in.
    failure = FailureRecord(stage="validate", error_code=entry.code, message=entry.message,
                            hint=entry.hint, detail="moov atom ends past the end of the file")
    dialog = ErrorDialog(ErrorInfo(failure, "beach.mp4", "job-1"))
    qtbot.addWidget(dialog)
    return dialog


def test_switching_the_language_changes_the_error_dialogs_sentence(qtbot, speak):
    speak("en")
    english = _dialog(qtbot)
    assert english.message_label.text() == "This video is damaged and cannot be played to the end."
    speak("de")
    german = _dialog(qtbot)
    assert german.message_label.text() == \
        "Dieses Video ist beschädigt und lässt sich nicht bis zum Ende abspielen."
    assert german.hint_label.text().startswith("Was Sie tun können: Kopieren Sie die Datei")
    assert german.code_label.text() == "Fehlercode: VIDEO_CORRUPTED"  # the code itself stays
    assert german.action_buttons["reselect"].text() == "&Andere Datei wählen…"
    speak("es")
    assert _dialog(qtbot).message_label.text() == \
        "Este vídeo está dañado y no se puede reproducir hasta el final."


def test_qts_own_buttons_follow_the_language(qtbot, speak):
    speak("de")
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close
                           | QDialogButtonBox.StandardButton.Cancel)
    qtbot.addWidget(box)
    texts = {b.text().replace("&", "") for b in box.buttons()}
    assert texts == {"Schließen", "Abbrechen"}


@pytest.mark.parametrize(("code", "qt_language"), [("de", QLocale.Language.German),
                                                    ("es", QLocale.Language.Spanish),
                                                    ("en", QLocale.Language.English)])
def test_the_cores_number_format_agrees_with_qlocale(qapp, code, qt_language):
    qt = QLocale(qt_language)
    for value in (0.5, 42.0, 1234.5, 12345.34, 1234567.8):  # no ties: rounding modes differ
        ours = locale_format.number(value, 1, code)
        theirs = qt.toString(value, "f", 1)
        assert ours == theirs, (code, value)


def test_the_language_setting_is_offered_and_kept(qtbot, speak):
    speak("en")
    dialog = SettingsDialog(Settings(language=""))
    qtbot.addWidget(dialog)
    combo = dialog.language_combo
    assert [combo.itemText(i) for i in range(combo.count())] == \
        ["System default", "English", "Deutsch", "Español"]
    combo.setCurrentIndex(combo.findData("es"))
    assert dialog.result_settings().language == "es"
    assert i18n.choose(dialog.result_settings().language, {"LANG": "de_DE.UTF-8"}) == "es"


def test_the_window_reads_in_german(make_window, speak):
    speak("de")
    window = make_window()
    assert window.tabs.tabText(0) == "Warteschlange (0)"
    assert window.tabs.drop_target.title.text() == "Videos oder Ordner hier ablegen"
    header = window.queue_view.model().headerData(0, Qt.Orientation.Horizontal)
    assert header == "Datei"
    assert QApplication.translate("QPlatformTheme", "Close") == "Schließen"
