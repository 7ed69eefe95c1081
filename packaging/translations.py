"""The translation catalogues: extract, compile, check (Babel; a development tool only).

    .venv/bin/python packaging/translations.py extract   # update every .po, compile the .mo
    .venv/bin/python packaging/translations.py check     # exit 1 listing what is missing

What is extracted: every ``_()``, ``N_()`` and ``ngettext()`` call with a literal under
``desktop_app/``, plus the tables whose English is data: the error catalogue's messages,
hints, command-line hints and actions (``errors.CATALOGUE``), the advice ``errors.advice()``
gives in their place (``errors._GAVE_UP``, ``errors._FIELD_ADVICE``, each for the window
and the command line) and the job states' labels (``jobs.model.STATE_LABELS``); they are
translated where they are shown (``errors.shown_hint`` and its kin). So a new catalogue row
needs no marking: run ``extract``, translate the new empty entries in
``resources/locale/*/LC_MESSAGES/video-uploader.po``, run ``extract`` again (it compiles
the ``.mo``), commit both.

``check`` (and ``tests/test_i18n.py``) fails when a message has no translation in a
shipped language, a translation is still fuzzy, a translation drops or invents a
``{placeholder}``, or a committed ``.mo`` is not its ``.po`` compiled. The ``.mo`` files are
committed so that running from a checkout and the installers need no build step.
"""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from desktop_app import i18n  # noqa: E402

KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
TRANSLATED = [code for code in i18n.LANGUAGES if code != i18n.SOURCE_LANGUAGE]


LOCALE = ROOT / "resources" / "locale"


def po_path(lang: str, locale: Path = LOCALE) -> Path:
    return locale / lang / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"


def mo_path(lang: str, locale: Path = LOCALE) -> Path:
    return po_path(lang, locale).with_suffix(".mo")


def _data_messages() -> Iterator[tuple[str, str]]:
    """(message, where) for the English kept as data rather than in ``_()`` calls."""
    from desktop_app.errors import _FIELD_ADVICE, _GAVE_UP, CATALOGUE, UserAction
    from desktop_app.jobs.model import STATE_LABELS

    for code, entry in CATALOGUE.items():
        yield entry.message, f"errors.CATALOGUE[{code}].message"
        yield entry.hint, f"errors.CATALOGUE[{code}].hint"
        if entry.cli_hint:
            yield entry.cli_hint, f"errors.CATALOGUE[{code}].cli_hint"
    for where, text in zip(("window", "cli"), _GAVE_UP, strict=True):
        yield text, f"errors._GAVE_UP[{where}]"
    for field, texts in _FIELD_ADVICE.items():
        for where, text in zip(("window", "cli"), texts, strict=True):
            yield text, f"errors._FIELD_ADVICE[{field}][{where}]"
    for action in UserAction:
        yield action.value, f"errors.UserAction.{action.name}"
    for state, label in STATE_LABELS.items():
        yield label, f"jobs.model.STATE_LABELS[{state.name}]"


def template() -> Catalog:
    """Every message the app can show, in English, with where it comes from."""
    catalog = Catalog(project="video-uploader", domain=i18n.DOMAIN, fuzzy=False)
    for filename, lineno, message, comments, _context in extract_from_dir(
            str(ROOT / "desktop_app"), method_map=[("**.py", "python")], keywords=KEYWORDS,
            comment_tags=("TRANSLATORS:",), strip_comment_tags=True):
        if not message or (isinstance(message, tuple) and not all(message)):
            continue
        catalog.add(message, locations=[(f"desktop_app/{filename}", lineno)],
                    auto_comments=comments)
    for message, where in _data_messages():
        catalog.add(message, locations=[(where, None)])
    return catalog


def _read(lang: str, locale: Path = LOCALE) -> Catalog:
    path = po_path(lang, locale)
    if not path.exists():
        return Catalog(locale=lang, domain=i18n.DOMAIN, project="video-uploader", fuzzy=False)
    with path.open("rb") as fh:
        return read_po(fh, locale=lang, domain=i18n.DOMAIN)


def compiled(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def extract() -> None:
    tmpl = template()
    for lang in TRANSLATED:
        catalog = _read(lang)
        catalog.update(tmpl, no_fuzzy_matching=True, update_header_comment=False,
                       update_creation_date=False)
        path = po_path(lang)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as fh:
            write_po(fh, catalog, width=100, ignore_obsolete=True, include_previous=False,
                     omit_header=False, sort_output=False)
        mo_path(lang).write_bytes(compiled(_read(lang)))
        missing = sum(1 for m in catalog if m.id and not _translated(m))
        print(f"{path.relative_to(ROOT)}: {len(tmpl)} messages, {missing} to translate")


def _translated(message) -> bool:
    strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
    return bool(strings) and all(strings) and not message.fuzzy


def _ids(message_id) -> list[str]:
    return list(message_id) if isinstance(message_id, (list, tuple)) else [message_id]


def problems(locale: Path = LOCALE) -> list[str]:
    """Everything that keeps the catalogues (under ``locale``) from being complete and current."""
    found = []
    tmpl = template()
    for lang in TRANSLATED:
        catalog = _read(lang, locale)
        for message in tmpl:
            if not message.id:
                continue
            key = message.id if isinstance(message.id, str) else message.id[0]
            entry = catalog.get(key)
            shown = _ids(message.id)[0]
            if entry is None or not _translated(entry):
                found.append(f"{lang}: not translated: {shown!r}")
                continue
            wanted = set().union(*(i18n.placeholders(i) for i in _ids(message.id)))
            strings = entry.string if isinstance(entry.string, (list, tuple)) else [entry.string]
            for string in strings:
                if i18n.placeholders(string) != wanted:
                    found.append(f"{lang}: placeholders {sorted(i18n.placeholders(string))} "
                                 f"instead of {sorted(wanted)}: {shown!r} -> {string!r}")
        mo = mo_path(lang, locale)
        if not mo.exists() or mo.read_bytes() != compiled(catalog):
            found.append(f"{lang}: {mo.name} is not {po_path(lang).name} compiled "
                         "(run: packaging/translations.py extract)")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=("extract", "check"))
    args = parser.parse_args()
    if args.command == "extract":
        extract()
        return 0
    found = problems()
    for line in found:
        print(line)
    print(f"{len(found)} problem(s)" if found else "catalogues complete")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
