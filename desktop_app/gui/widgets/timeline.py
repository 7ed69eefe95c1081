"""The clip's timeline strip: brightness and sharpness over time, black and frozen
segments shaded, scene cuts as ticks. Drawn with QPainter from the analysis record, in
the palette's colours (``theme.colours``), so it reads in light and dark alike."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from desktop_app.gui.models.analysis_view import Timeline
from desktop_app.gui.theme.colours import colours
from desktop_app.i18n import _, ngettext


def _alpha(colour: QColor, alpha: int) -> QColor:
    out = QColor(colour)
    out.setAlpha(alpha)
    return out


class TimelineStrip(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data = Timeline()
        self.setAccessibleName(_("Timeline"))
        self.setMinimumHeight(48)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setToolTip(_("Brightness (solid) and sharpness (dashed) over the clip; "
                          "black segments shaded, frozen segments hatched, scene cuts as ticks"))

    def sizeHint(self) -> QSize:
        return QSize(400, 56)

    def set_timeline(self, data: Timeline) -> None:
        self.data = data
        self.setAccessibleDescription(", ".join((
            ngettext("{n} black segment", "{n} black segments", len(data.black))
            .format(n=len(data.black)),
            ngettext("{n} frozen segment", "{n} frozen segments", len(data.frozen))
            .format(n=len(data.frozen)),
            ngettext("{n} scene cut", "{n} scene cuts", len(data.cuts)).format(n=len(data.cuts)))))
        self.update()

    def paintEvent(self, _event) -> None:  # noqa: N802 (Qt name)
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        c = colours(pal)
        r = QRectF(self.rect()).adjusted(1, 1, -1, -1)
        p.fillRect(r, pal.color(QPalette.ColorRole.Base))
        p.setPen(QPen(pal.color(QPalette.ColorRole.Mid)))
        p.drawRect(r)
        d = self.data
        if d.duration <= 0:
            p.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
            p.drawText(r, Qt.AlignmentFlag.AlignCenter, _("timeline after analysis"))
            return

        def x(t: float) -> float:
            return r.left() + r.width() * max(0.0, min(1.0, t / d.duration))

        # Black segments: the text colour over the base (dark on light, light on dark);
        # frozen ones: the accent, hatched.
        for start, end in d.black:
            p.fillRect(QRectF(x(start), r.top(), max(2.0, x(end) - x(start)), r.height()),
                       _alpha(c.fg, 110))
        hatch = QBrush(_alpha(c.accent, 170), Qt.BrushStyle.BDiagPattern)
        for start, end in d.frozen:
            seg = QRectF(x(start), r.top(), max(2.0, x(end) - x(start)), r.height())
            p.fillRect(seg, _alpha(c.accent, 40))
            p.fillRect(seg, hatch)
        highlight = c.accent
        # Brightness on its absolute 0-255 scale (a dark clip looks dark); sharpness
        # relative to the clip's own peak (its scale depends on the content).
        self._curve(p, r, x, d.times, d.brightness, QPen(highlight, 1.5), top=255.0)
        sharp_pen = QPen(pal.color(QPalette.ColorRole.Text), 1.0, Qt.PenStyle.DashLine)
        self._curve(p, r, x, d.times, d.sharpness, sharp_pen, top=max(d.sharpness or [1.0]) * 1.15)
        p.setPen(QPen(c.warning, 2))
        for t in d.cuts:
            p.drawLine(QPointF(x(t), r.bottom()), QPointF(x(t), r.bottom() - r.height() * 0.35))

    @staticmethod
    def _curve(p: QPainter, r: QRectF, x, times: list[float], values: list[float], pen: QPen,
               top: float) -> None:
        n = min(len(times), len(values))
        if n < 2:
            return
        top = top or 1.0
        path = QPainterPath()
        for i in range(n):
            pt = QPointF(x(times[i]), r.bottom() - 3 - (r.height() - 6) * values[i] / top)
            path.moveTo(pt) if i == 0 else path.lineTo(pt)
        p.setPen(pen)
        p.drawPath(path)
