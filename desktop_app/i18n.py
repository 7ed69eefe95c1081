"""Which language the app speaks, and the one way every user-facing string is translated.

    from desktop_app.i18n import _, N_, ngettext
    _("Retry all failed")                      # translated now
    _("{n} left").format(n=3)                  # placeholders are str.format names
    ngettext("{n} file", "{n} files", n).format(n=n)
    N_("Queued")                               # marked for extraction, translated where shown

Stdlib ``gettext`` (no Qt), so the core, the CLI and the window share the catalogues in
``resources/locale/<lang>/LC_MESSAGES/video-uploader.po`` (compiled ``.mo`` beside them;
``packaging/translations.py`` extracts, compiles and checks them). Qt's own strings (the
standard buttons, the file dialog) come from Qt's ``qtbase_<lang>.qm``: ``gui/theme/language.py``.

The language: the Language setting when it names a shipped one, else the first shipped
language of the system locale (``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``, ``LANG``), else
English. Error codes, ``--json`` output, logs and stored records stay English: they are
translated where they are shown, never where they are made.
"""

from __future__ import annotations

import gettext
import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path

DOMAIN = "video-uploader"
# Shipped languages, by code, with the name each calls itself (the Language setting lists these).
LANGUAGES: dict[str, str] = {"en": "English", "de": "Deutsch", "es": "Español"}
SOURCE_LANGUAGE = "en"
_ENV_VARS = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)[^{}]*\}")


def resources_dir() -> Path:
    """The app's bundled data: ``resources/`` in a checkout, beside the executable when frozen."""
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def locale_dir() -> Path:
    return resources_dir() / "locale"


def N_(text: str) -> str:  # noqa: N802 (gettext's conventional name)
    """Mark ``text`` for extraction without translating it (it is translated where shown)."""
    return text


def placeholders(text: str) -> set[str]:
    """The ``{name}`` fields of a message (a translation must keep every one)."""
    return set(_PLACEHOLDER.findall(text))


def system_language(environ: Mapping[str, str] | None = None) -> str:
    """The first shipped language the locale environment asks for; English otherwise."""
    env = os.environ if environ is None else environ
    for var in _ENV_VARS:
        value = env.get(var, "")
        if not value:
            continue
        # LANGUAGE is a colon list ("de_AT:de"); the others one locale ("es_ES.UTF-8").
        for item in value.split(":"):
            code = item.split(".")[0].split("@")[0].split("_")[0].lower()
            if code in LANGUAGES:
                return code
            if code in ("c", "posix"):
                return SOURCE_LANGUAGE
        if var != "LANGUAGE":  # LC_ALL/LC_MESSAGES/LANG set to an unshipped language
            return SOURCE_LANGUAGE
    return SOURCE_LANGUAGE


def choose(setting: str = "", environ: Mapping[str, str] | None = None) -> str:
    """The Language setting ("" = follow the system) resolved to a shipped language."""
    return setting if setting in LANGUAGES else system_language(environ)


class _State:
    """The active catalogue (one per process; ``set_language`` swaps it)."""

    def __init__(self) -> None:
        self.language = ""
        self.translations: gettext.NullTranslations = gettext.NullTranslations()


_state = _State()


def set_language(code: str) -> str:
    """Translate into ``code`` from now on (unshipped codes: English); returns the language."""
    code = code if code in LANGUAGES else SOURCE_LANGUAGE
    if code == SOURCE_LANGUAGE:
        translations: gettext.NullTranslations = gettext.NullTranslations()
    else:
        translations = gettext.translation(DOMAIN, str(locale_dir()), [code], fallback=True)
    _state.translations, _state.language = translations, code
    return code


def _setting() -> str:
    """The Language setting, for a front end that did not set the language itself (the CLI)."""
    try:
        from desktop_app import settings

        return settings.load().language
    except Exception:  # no readable settings: the system's language
        return ""


def language() -> str:
    """The language strings are translated into (on first use: the setting, else the system)."""
    if not _state.language:
        set_language(choose(_setting()))
    return _state.language


def _(text: str) -> str:
    """``text`` in the current language (itself when the catalogue has no translation)."""
    if not _state.language:
        language()
    return _state.translations.gettext(text) if text else text


def ngettext(singular: str, plural: str, n: int) -> str:
    if not _state.language:
        language()
    return _state.translations.ngettext(singular, plural, n)

