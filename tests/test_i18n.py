"""Languages: complete catalogues, the language chosen, the CLI speaking it, data staying English.

No Qt here (the window's side is tests/gui/test_translation.py).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from desktop_app import cli, i18n, locale_format
from desktop_app.errors import CATALOGUE, ErrorSpec, RetryClass, UserAction, shown_message

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "packaging"))

import translations  # noqa: E402  (packaging/translations.py)

SHIPPED = [code for code in i18n.LANGUAGES if code != i18n.SOURCE_LANGUAGE]


@pytest.fixture
def language():
    """Switch the process's language for one test; English again afterwards."""
    yield i18n.set_language
    i18n.set_language("en")


# -- the catalogues are complete ----------------------------------------------------------

def test_the_shipped_catalogues_are_complete_and_compiled():
    assert translations.problems() == []


@pytest.mark.parametrize("lang", SHIPPED)
def test_every_catalogue_message_hint_and_action_reads_in_each_language(lang, language):
    language(lang)
    untranslated = [text for entry in CATALOGUE.values() for text in (entry.message, entry.hint)
                    if i18n._(text) == text]
    untranslated += [a.value for a in UserAction if i18n._(a.value) == a.value]
    assert untranslated == []


def test_a_new_catalogue_row_without_translations_fails_the_check(monkeypatch):
    row = ErrorSpec("DISK_ON_FIRE", 500, RetryClass.NEVER, "The disk is on fire.",
                    UserAction.CONTACT_SUPPORT, "Put it out, then Retry.")
    monkeypatch.setitem(CATALOGUE, row.code, row)
    found = translations.problems()
    for lang in SHIPPED:
        assert f"{lang}: not translated: 'The disk is on fire.'" in found
        assert f"{lang}: not translated: 'Put it out, then Retry.'" in found


def _copy_locale(tmp_path: Path) -> Path:
    locale = tmp_path / "locale"
    shutil.copytree(translations.LOCALE, locale)
    return locale


def test_a_translation_that_drops_a_placeholder_fails_the_check(tmp_path):
    locale = _copy_locale(tmp_path)
    po = translations.po_path("de", locale)
    text = po.read_text(encoding="utf-8")
    good = 'msgstr "Melden Sie sich bei {server} an, um hochzuladen."'
    assert good in text
    po.write_text(text.replace(good, 'msgstr "Melden Sie sich beim Server an."'),
                  encoding="utf-8")
    found = translations.problems(locale)
    assert any(p.startswith("de: placeholders [] instead of ['server']") for p in found), found
    # ...and the .mo no longer is the .po compiled
    assert "de: video-uploader.mo is not video-uploader.po compiled " \
           "(run: packaging/translations.py extract)" in found


def test_a_message_missing_from_a_catalogue_fails_the_check(tmp_path):
    locale = _copy_locale(tmp_path)
    po = translations.po_path("es", locale)
    text = po.read_text(encoding="utf-8")
    entry = 'msgid "Retry all failed"\nmsgstr "Reintentar las fallidas"\n'
    assert entry in text
    po.write_text(text.replace(entry, 'msgid "Retry all failed"\nmsgstr ""\n'), encoding="utf-8")
    assert "es: not translated: 'Retry all failed'" in translations.problems(locale)


# -- which language -----------------------------------------------------------------------

@pytest.mark.parametrize(("environ", "expected"), [
    ({"LANG": "de_DE.UTF-8"}, "de"),
    ({"LANG": "es_MX.UTF-8"}, "es"),
    ({"LANGUAGE": "fr:es", "LANG": "fr_FR.UTF-8"}, "es"),  # the first shipped one of the list
    ({"LC_ALL": "C", "LANG": "de_DE.UTF-8"}, "en"),  # LC_ALL wins over LANG
    ({"LC_MESSAGES": "de_AT.UTF-8@euro"}, "de"),
    ({"LANG": "fr_FR.UTF-8"}, "en"),  # not shipped: English
    ({}, "en"),
])
def test_the_system_locale_picks_a_shipped_language(environ, expected):
    assert i18n.system_language(environ) == expected


def test_the_language_setting_overrides_the_system():
    assert i18n.choose("es", {"LANG": "de_DE.UTF-8"}) == "es"
    assert i18n.choose("", {"LANG": "de_DE.UTF-8"}) == "de"
    assert i18n.choose("xx", {"LANG": "de_DE.UTF-8"}) == "de"  # an unknown setting: the system


# -- what the user reads changes; data does not ---------------------------------------------

def test_switching_the_language_changes_the_cli_human_output(tmp_path, capsys, language):
    notes = tmp_path / "notes.pdf"
    notes.write_bytes(b"%PDF-1.4\n" + b"x" * 2000)
    out = {}
    for lang in ("en", "de", "es"):
        language(lang)
        assert cli.main(["validate", str(notes)]) == 1
        out[lang] = capsys.readouterr().out
    assert "INVALID_FILE_TYPE" in out["en"] and "What to do: Choose a video file" in out["en"]
    assert out["de"].startswith("FEHLGESCHLAGEN")
    assert "Was Sie tun können: Wählen Sie eine Videodatei (MP4, MOV, MKV, WebM, AVI)." \
        in out["de"]
    assert "Qué hacer: Elige un archivo de vídeo (MP4, MOV, MKV, WebM, AVI)." in out["es"]
    assert len({out["en"], out["de"], out["es"]}) == 3


def test_json_output_and_codes_stay_english_in_every_language(tmp_path, capsys, language):
    notes = tmp_path / "notes.pdf"
    notes.write_bytes(b"%PDF-1.4\n" + b"x" * 2000)
    records = {}
    for lang in ("en", "de", "es"):
        language(lang)
        assert cli.main(["validate", "--json", str(notes)]) == 1
        records[lang] = json.loads(capsys.readouterr().out)
    assert records["en"] == records["de"] == records["es"]
    assert records["de"]["error_code"] == "INVALID_FILE_TYPE"
    assert records["de"]["hint"] == CATALOGUE["INVALID_FILE_TYPE"].hint  # English


def test_a_stored_english_message_is_shown_translated(language):
    entry = CATALOGUE["VIDEO_CORRUPTED"]
    language("de")
    assert shown_message(entry.message, entry.code) == \
        "Dieses Video ist beschädigt und lässt sich nicht bis zum Ende abspielen."
    # A specific sentence made at run time (it names a file) gives way to the code's.
    assert shown_message("The file clip.mp4 changed after it was added.", "FILE_CHANGED") == \
        "Die Datei hat sich geändert, nachdem sie zur Warteschlange hinzugefügt wurde."
    language("en")
    assert shown_message("The file clip.mp4 changed after it was added.", "FILE_CHANGED") == \
        "The file clip.mp4 changed after it was added."


# -- numbers as the language writes them ---------------------------------------------------

def test_sizes_speeds_and_dates_follow_the_language():
    assert locale_format.size(1_234_567_890, "en") == "1.2 GB"
    assert locale_format.size(1_234_567_890, "de") == "1,2 GB"
    assert locale_format.speed(48_300_000, "es") == "48,3 MB/s"
    assert locale_format.number(1234567.25, 2, "de") == "1.234.567,25"
    assert locale_format.number(1234.5, 1, "es") == "1234,5"  # es groups from five digits
    assert locale_format.number(12345.5, 1, "es") == "12.345,5"
    assert locale_format.number(-0.04, 1, "en") == "0.0"
    assert locale_format.duration(3725) == "1:02:05"
    ts = 1_777_777_777  # a fixed instant; the pattern, not the time zone, is under test
    assert locale_format.date_time(ts, "de")[2] == "." and locale_format.date_time(ts, "de")[5] == "."
    assert locale_format.date_time(ts, "es")[2] == "/"
    assert locale_format.date_time(ts, "en")[4] == "-"


def test_no_translation_call_hides_inside_an_f_string():
    """The extractor cannot see ``_()`` inside an f-string's braces (Python 3.11): such a
    message would silently never be translated."""
    hidden = [f"{path.relative_to(ROOT)}:{n}" for path in (ROOT / "desktop_app").rglob("*.py")
              for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
              if "{_(" in line or "{ngettext(" in line]
    assert hidden == []


def test_the_cli_follows_the_language_setting(tmp_path):
    """A fresh process (the CLI) reads the Language setting before the system's locale."""
    import subprocess

    from desktop_app import settings

    settings.save(settings.Settings(language="es"))
    notes = tmp_path / "notes.pdf"
    notes.write_bytes(b"%PDF-1.4\n" + b"x" * 2000)
    env = dict(os.environ, LANGUAGE="de", LANG="de_DE.UTF-8")
    done = subprocess.run([sys.executable, str(ROOT / "main.py"), "validate", str(notes)],
                          env=env, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 1
    assert "Qué hacer: Elige un archivo de vídeo" in done.stdout


@pytest.mark.parametrize("lang", SHIPPED)
def test_every_advice_the_commands_and_a_gave_up_job_give_reads_in_each_language(lang, language):
    """``errors.advice()`` picks a cli_hint, a gave-up or a missing field's advice in place
    of the hint: each is translated where it is shown, like the hint."""
    from desktop_app.errors import _FIELD_ADVICE, _GAVE_UP, advice, shown_hint

    texts = [entry.cli_hint for entry in CATALOGUE.values() if entry.cli_hint]
    texts += [*_GAVE_UP, *(t for pair in _FIELD_ADVICE.values() for t in pair)]
    language(lang)
    assert [t for t in texts if i18n._(t) == t] == []
    gave_up = advice("CONNECTION_REFUSED", cli=True, gave_up=True)
    assert shown_hint(gave_up, "CONNECTION_REFUSED") != gave_up
