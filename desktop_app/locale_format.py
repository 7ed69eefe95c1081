"""Numbers, sizes, speeds, durations and dates as the current language writes them (no Qt).

One formatter for the window and the CLI, so both say "1,2 GB" in German. A small table
of the shipped languages' conventions (CLDR's, as Qt's QLocale has them:
``tests/test_i18n.py`` compares) instead of Babel: Babel's locale data is ~30 MB, more
than the whole .deb's headroom, for three languages that need a dozen facts.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from desktop_app import i18n


@dataclass(frozen=True)
class Conventions:
    decimal: str
    group: str
    min_grouping: int  # digits before the first group separator appears (es: 10 000, not 1 000)
    date: str  # strftime pattern of a date with time


_CONVENTIONS = {
    "en": Conventions(".", ",", 1, "%Y-%m-%d %H:%M:%S"),
    "de": Conventions(",", ".", 1, "%d.%m.%Y %H:%M:%S"),
    "es": Conventions(",", ".", 2, "%d/%m/%Y %H:%M:%S"),
}
_UNITS = ("B", "KB", "MB", "GB", "TB")


def conventions(language: str | None = None) -> Conventions:
    return _CONVENTIONS.get(language or i18n.language(), _CONVENTIONS["en"])


def number(value: float, decimals: int = 0, language: str | None = None) -> str:
    c = conventions(language)
    if 0 <= value < 1000:  # the common case (every size cell): no sign, no groups
        text = f"{value:.{decimals}f}"
        return text if c.decimal == "." else text.replace(".", c.decimal)
    text = f"{abs(value):.{decimals}f}"
    whole, _, frac = text.partition(".")
    if len(whole) > 3 and len(whole) >= 3 + c.min_grouping:
        groups: list[str] = []
        while len(whole) > 3:
            whole, tail = whole[:-3], whole[-3:]
            groups.insert(0, tail)
        whole = c.group.join([whole, *groups])
    sign = "-" if value < 0 and float(text) != 0 else ""
    return sign + whole + (c.decimal + frac if frac else "")


def size(n: float, language: str | None = None) -> str:
    """Decimal units (1 KB = 1,000 bytes), as the file managers show them."""
    value = float(n)
    for unit in _UNITS:
        if value < 1000 or unit == _UNITS[-1]:
            decimals = 0 if unit == "B" else 1
            return f"{number(value, decimals, language)} {unit}"
        value /= 1000
    return f"{n} B"  # unreachable


def speed(bytes_per_s: float, language: str | None = None) -> str:
    return f"{size(bytes_per_s, language)}/s" if bytes_per_s > 0 else ""


def percent(value: int, language: str | None = None) -> str:
    return f"{number(value, 0, language)} %"


def duration(seconds: float | None) -> str:
    """m:ss or h:mm:ss (the same in every shipped language)."""
    if seconds is None or seconds < 0:
        return ""
    s = int(round(seconds))
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def date_time(ts: float | None, language: str | None = None) -> str:
    if not ts:
        return ""
    return time.strftime(conventions(language).date, time.localtime(ts))


def time_of_day(ts: float | None) -> str:
    return time.strftime("%H:%M:%S", time.localtime(ts)) if ts else ""
