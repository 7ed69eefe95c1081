"""The Progress column's bar: a native progress bar drawn once per percent into a
pixmap, which the cell shows as its decoration.

Why not a delegate: a Python ``paint`` runs once per visible row on every repaint, and
each call from Qt into Python waits for the GIL while worker threads run Python (up to
a switch interval each, ~18 rows per repaint). A cell's pixmap is drawn by Qt alone;
the bars are drawn in Python only when a new percent value first appears (101 at most
per palette), while the GUI thread already holds the GIL.
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
