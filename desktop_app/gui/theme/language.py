"""The window's language: our catalogues (``desktop_app.i18n``) and Qt's own strings.

Qt translates its standard buttons, the file dialog and the text boxes' context menus
from ``qtbase_<lang>.qm`` (the bundle keeps only the shipped languages': see
packaging/bundle_rules.py); QLocale's default follows, so spin boxes write numbers as
the rest of the window does.
"""

from __future__ import annotations

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtWidgets import QApplication

from desktop_app import i18n

_QT_LOCALES = {"en": QLocale.Language.English, "de": QLocale.Language.German,
               "es": QLocale.Language.Spanish}
_installed: list[QTranslator] = []


def apply(app: QApplication, setting: str) -> str:
    """Speak the language the setting (or else the system) asks for; returns its code."""
    code = i18n.set_language(i18n.choose(setting))
    for old in _installed:
        app.removeTranslator(old)
    _installed.clear()
    QLocale.setDefault(QLocale(_QT_LOCALES.get(code, QLocale.Language.English)))
    if code != i18n.SOURCE_LANGUAGE:
        translator = QTranslator(app)
        folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        if translator.load(f"qtbase_{code}", folder):
            app.installTranslator(translator)
            _installed.append(translator)
    return code
