"""The Progress column's bar: a native progress bar drawn once per percent and width into a
pixmap, which the cell shows as its decoration.

Not a delegate: a Python ``paint`` would run per visible row on every repaint, each call
waiting for the GIL while workers run Python; a cell's pixmap is drawn by Qt alone.
The bar fills its column: its width follows the column's in steps of ``WIDTH_STEP`` px
(``bar_width``), so a resize redraws at most 101 bars per step, not one per pixel. The
bars of the width in use are drawn ahead of need (``draw_ahead``, a few per turn), so a
progress update seldom has to draw one itself.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QPainter, QPixmap
from PySide6.QtWidgets import QApplication, QStyle, QStyleOptionProgressBar

from desktop_app import locale_format
from desktop_app.gui.theme.icons import screen_ratio

BAR_HEIGHT = 16
WIDTH_STEP = 8
MIN_WIDTH = 48
CELL_PADDING = 8  # room left around the bar inside its cell
DEFAULT_WIDTH = 120

_cache: dict[tuple[int, int, int, float], QPixmap] = {}


def bar_width(column_width: int) -> int:
    """The bar for a column this wide: as wide as fits, rounded down to a step."""
    return max(MIN_WIDTH, (column_width - CELL_PADDING) // WIDTH_STEP * WIDTH_STEP)


def bar_pixmap(percent: int, width: int = DEFAULT_WIDTH) -> QPixmap:
    """The bar for ``percent`` (0-100), ``width`` px wide, in the current style and palette."""
    palette = QApplication.palette()
    ratio = screen_ratio()
    key = (percent, width, palette.cacheKey(), ratio)
    pix = _cache.get(key)
    if pix is None:
        if len(_cache) > 1200:  # many widths or palettes since: forget the old bars
            _cache.clear()
        pix = QPixmap(round(width * ratio), round(BAR_HEIGHT * ratio))
        pix.setDevicePixelRatio(ratio)
        pix.fill(Qt.GlobalColor.transparent)
        bar = QStyleOptionProgressBar()
        bar.rect = QRect(0, 0, width, BAR_HEIGHT)
        bar.minimum, bar.maximum, bar.progress = 0, 100, percent
        bar.text = locale_format.percent(percent)
        bar.textVisible = True
        bar.state = QStyle.StateFlag.State_Enabled | QStyle.StateFlag.State_Horizontal
        bar.palette = palette
        painter = QPainter(pix)
        try:
            QApplication.style().drawControl(QStyle.ControlElement.CE_ProgressBar, bar, painter)
        finally:
            painter.end()
        _cache[key] = pix
    return pix


def draw_ahead(width: int = DEFAULT_WIDTH, count: int = 10) -> bool:
    """Draw up to ``count`` bars of this width not drawn yet; True once all 101 are there."""
    key, ratio = QApplication.palette().cacheKey(), screen_ratio()
    missing = [p for p in range(101) if (p, width, key, ratio) not in _cache]
    for percent in missing[:count]:
        bar_pixmap(percent, width)
    return len(missing) <= count
