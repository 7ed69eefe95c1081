"""The bundled icons (``resources/icons/ui/*.svg``), drawn in the palette's colours.

The SVGs use a fixed set of token colours (their light-scheme look, so they preview as
they are); each is replaced by the palette's colour for its role before Qt renders the
file. Rendered once per (icon, size, pixel ratio, palette) into a pixmap: a table cell or
a tool button then shows a plain pixmap, drawn by Qt alone, crisp at 1x and 2x, the same
on every platform.
"""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QGuiApplication, QIcon, QImage, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer

from desktop_app.gui.theme.colours import colours
from desktop_app.i18n import resources_dir

ICON_DIR = resources_dir() / "icons" / "ui"
# token colour in the files -> the Colours field that replaces it
_TOKENS = {"#000000": "fg", "#6e7781": "muted", "#f6f8fa": "bg", "#1f6feb": "accent",
           "#ffffff": "on_accent", "#1a7f37": "success", "#9a6700": "warning",
           "#cf222e": "danger"}
_cache: dict[tuple[str, int, float, int], QPixmap] = {}


@cache
def _source(name: str) -> str:
    return (ICON_DIR / f"{name}.svg").read_text(encoding="utf-8")


def screen_ratio() -> float:
    screen = QGuiApplication.primaryScreen()
    return screen.devicePixelRatio() if screen is not None else 1.0


def _palette(palette: QPalette | None) -> QPalette:
    return palette if palette is not None else QGuiApplication.palette()


def pixmap(name: str, size: int, ratio: float | None = None,
           palette: QPalette | None = None) -> QPixmap:
    """``name`` drawn ``size`` logical pixels square at ``ratio`` (default: the screen's)."""
    pal = _palette(palette)
    ratio = ratio or screen_ratio()
    key = (name, size, ratio, pal.cacheKey())
    pix = _cache.get(key)
    if pix is not None:
        return pix
    if len(_cache) > 600:  # the palette changed a few times: forget the old drawings
        _cache.clear()
    c = colours(pal)
    svg = _source(name)
    for token, role in _TOKENS.items():
        svg = svg.replace(f'"{token}"', f'"{getattr(c, role).name()}"')
    side = max(1, round(size * ratio))
    image = QImage(side, side, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    try:
        QSvgRenderer(QByteArray(svg.encode())).render(painter, QRectF(0, 0, side, side))
    finally:
        painter.end()
    pix = QPixmap.fromImage(image)
    pix.setDevicePixelRatio(ratio)
    _cache[key] = pix
    return pix


def icon(name: str, sizes: tuple[int, ...] = (16, 20, 24, 32),
         palette: QPalette | None = None) -> QIcon:
    """A QIcon holding ``name`` at each size, at 1x and 2x (and the screen's own ratio)."""
    out = QIcon()
    ratios = sorted({1.0, 2.0, screen_ratio()})
    for size in sizes:
        for ratio in ratios:
            out.addPixmap(pixmap(name, size, ratio, palette))
    return out
