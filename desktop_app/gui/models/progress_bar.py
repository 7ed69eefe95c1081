"""The Progress column's bar: a native progress bar drawn once per percent into a
pixmap, which the cell shows as its decoration.

Not a delegate: a Python ``paint`` would run per visible row on every repaint, each call
waiting for the GIL while workers run Python; a cell's pixmap is drawn by Qt alone.
The bars are drawn in Python, 101 per palette, ahead of need (``draw_ahead``, a few per
turn once the window is up), so a progress update seldom has to draw one itself.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QGuiApplication, QPainter, QPixmap
from PySide6.QtWidgets import QApplication, QStyle, QStyleOptionProgressBar

BAR_WIDTH = 120  # the Progress column is 130 px wide
BAR_HEIGHT = 16

_cache: dict[tuple[int, int], QPixmap] = {}


def bar_pixmap(percent: int) -> QPixmap:
    """The bar for ``percent`` (0-100) in the current style and palette."""
    palette = QApplication.palette()
    key = (percent, palette.cacheKey())
    pix = _cache.get(key)
    if pix is None:
        if len(_cache) > 400:  # palettes changed a few times: forget the old bars
            _cache.clear()
        screen = QGuiApplication.primaryScreen()
        dpr = screen.devicePixelRatio() if screen is not None else 1.0
        pix = QPixmap(int(BAR_WIDTH * dpr), int(BAR_HEIGHT * dpr))
        pix.setDevicePixelRatio(dpr)
        pix.fill(Qt.GlobalColor.transparent)
        bar = QStyleOptionProgressBar()
        bar.rect = QRect(0, 0, BAR_WIDTH, BAR_HEIGHT)
        bar.minimum, bar.maximum, bar.progress = 0, 100, percent
        bar.text = f"{percent} %"
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


def draw_ahead(count: int = 10) -> bool:
    """Draw up to ``count`` bars not drawn yet; True once all 101 are there."""
    key = QApplication.palette().cacheKey()
    missing = [p for p in range(101) if (p, key) not in _cache]
    for percent in missing[:count]:
        bar_pixmap(percent)
    return len(missing) <= count
