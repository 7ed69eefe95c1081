"""The few colours custom-painted parts use, each read from the palette.

QPalette has no "success" or "danger"; those come in a light and a dark shade, picked by
how dark the palette's window is, so they keep their contrast in both schemes.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QPalette

_R = QPalette.ColorRole


def is_dark(palette: QPalette) -> bool:
    return palette.color(_R.Window).lightness() < 128


@dataclass(frozen=True)
class Colours:
    fg: QColor  # text and glyphs
    muted: QColor  # secondary glyphs, hints
    bg: QColor  # the window behind a glyph
    accent: QColor  # working, the app's own actions
    on_accent: QColor  # a glyph on a filled accent/success/danger disc
    success: QColor
    warning: QColor
    danger: QColor


def _opaque(colour: QColor, under: QColor) -> QColor:
    """``colour`` as it looks over ``under`` (an icon's colours must be opaque: the
    placeholder text of a light Fusion palette is black at half opacity)."""
    a = colour.alphaF()
    return QColor.fromRgbF(colour.redF() * a + under.redF() * (1 - a),
                           colour.greenF() * a + under.greenF() * (1 - a),
                           colour.blueF() * a + under.blueF() * (1 - a))


def colours(palette: QPalette) -> Colours:
    dark = is_dark(palette)
    window = palette.color(_R.Window)
    return Colours(
        fg=palette.color(_R.WindowText),
        muted=_opaque(palette.color(_R.PlaceholderText), window),
        bg=palette.color(_R.Window),
        accent=palette.color(_R.Highlight),
        on_accent=palette.color(_R.HighlightedText),
        success=QColor("#3fb950" if dark else "#1a7f37"),
        warning=QColor("#d29922" if dark else "#9a6700"),
        danger=QColor("#f85149" if dark else "#cf222e"),
    )
