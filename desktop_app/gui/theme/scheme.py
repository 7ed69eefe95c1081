"""Light or dark, as the system says (``QStyleHints.colorScheme``), switched live.

Where the platform's theme already gives the style a palette of the right darkness
(Windows 11, macOS, a desktop whose portal reports the scheme to a native style), the
palette is left alone. Otherwise (Fusion on most Linux desktops, which keeps its light
palette) the app sets a dark palette of its own, or the style's light one back. Every
custom-painted part reads its colours from the palette, so ``changed`` only has to make
the parts that keep drawings (the table cells' icons and bars, the tool buttons) draw
them again.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from desktop_app.gui.theme.colours import is_dark

_R, _G = QPalette.ColorRole, QPalette.ColorGroup

# A dark palette in the spirit of Fusion's own: text at >= 7:1 on the window and base,
# the highlight readable with white text (4.6:1).
_DARK = {
    _R.Window: "#2b2d30", _R.WindowText: "#e8e8e8", _R.Base: "#1e1f22",
    _R.AlternateBase: "#26282b", _R.ToolTipBase: "#3c3f41", _R.ToolTipText: "#e8e8e8",
    _R.PlaceholderText: "#9a9da1", _R.Text: "#e8e8e8", _R.Button: "#3a3d41",
    _R.ButtonText: "#e8e8e8", _R.BrightText: "#ff8b8b", _R.Light: "#50545a",
    _R.Midlight: "#43464b", _R.Mid: "#35373b", _R.Dark: "#18191b", _R.Shadow: "#0c0c0d",
    _R.Highlight: "#2f6fd6", _R.HighlightedText: "#ffffff", _R.Link: "#79aefc",
    _R.LinkVisited: "#c29ffb",
}
_DARK_DISABLED = {_R.WindowText: "#7c7f84", _R.Text: "#7c7f84", _R.ButtonText: "#7c7f84",
                  _R.Highlight: "#45484d", _R.HighlightedText: "#b0b0b0"}


def dark_palette() -> QPalette:
    pal = QPalette()
    for role, colour in _DARK.items():
        pal.setColor(role, QColor(colour))
    for role, colour in _DARK_DISABLED.items():
        pal.setColor(_G.Disabled, role, QColor(colour))
    return pal


class Appearance(QObject):
    """Follows the system's colour scheme; ``changed`` after every palette switch."""

    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        self._app = app
        self._own = False  # whether the palette in force is one we set
        self.scheme = app.styleHints().colorScheme()
        app.styleHints().colorSchemeChanged.connect(self.follow)
        self.follow(self.scheme)

    @property
    def dark(self) -> bool:
        return is_dark(self._app.palette())

    def follow(self, scheme: Qt.ColorScheme) -> None:
        """Match the palette to ``scheme`` (the system's; tests and screenshots pass one)."""
        self.scheme = scheme
        want_dark = scheme is Qt.ColorScheme.Dark
        if scheme is Qt.ColorScheme.Unknown or want_dark == self.dark:
            return  # nothing said, or the palette in force already matches
        if want_dark:
            self._app.setPalette(dark_palette())
            self._own = True
        else:
            self._app.setPalette(self._app.style().standardPalette())
            self._own = False
        self.changed.emit()
