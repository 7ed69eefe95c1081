"""The empty queue's invitation: a large drop target with Add Files / Add Folder.

Painted from the palette (a dashed rounded frame, the accent while files are dragged
over the window); the words and buttons are ordinary widgets, so they are read out,
translated and reached with Tab like any other.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop_app.gui.theme import icons
from desktop_app.gui.theme.colours import colours
from desktop_app.i18n import _

ICON_SIZE = 56


class DropTarget(QWidget):
    add_files = Signal()
    add_folder = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(_("Drop videos or folders here"))
        self.setAccessibleDescription(_("The queue is empty. Drop video files or folders "
                                        "anywhere on the window, or use the buttons."))
        self.highlighted = False
        self.icon = QLabel()
        self.icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.icon.setAccessibleName(_("Drop icon"))
        self.title = QLabel(_("Drop videos or folders here"))
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        self.title.setFont(font)
        self.hint = QLabel(_("Folders are searched for videos; other files are skipped."))
        self.hint.setTextFormat(Qt.TextFormat.PlainText)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setWordWrap(True)
        self.files_button = QPushButton(_("Add &Files…"))
        self.files_button.setAccessibleName(_("Add Files"))
        self.files_button.setAccessibleDescription(_("Choose video files to upload (Ctrl+O)"))
        self.files_button.clicked.connect(self.add_files)
        self.folder_button = QPushButton(_("Add F&older…"))
        self.folder_button.setAccessibleName(_("Add Folder"))
        self.folder_button.setAccessibleDescription(
            _("Choose a folder; every video in it is uploaded (Ctrl+Shift+O)"))
        self.folder_button.clicked.connect(self.add_folder)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.files_button)
        buttons.addWidget(self.folder_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 32, 48, 32)
        layout.addStretch(1)
        layout.addWidget(self.icon)
        layout.addWidget(self.title)
        layout.addWidget(self.hint)
        layout.addSpacing(8)
        layout.addLayout(buttons)
        layout.addStretch(1)
        self.restyle()

    def restyle(self) -> None:
        self.icon.setPixmap(icons.pixmap("drop", ICON_SIZE, palette=self.palette()))
        self.update()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt's name)
        # The widget's own palette follows the application's a moment after a switch.
        if event.type() == QEvent.Type.PaletteChange:
            self.restyle()
        super().changeEvent(event)

    def set_highlighted(self, on: bool) -> None:
        if on != self.highlighted:
            self.highlighted = on
            self.update()

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 (Qt's name)
        c = colours(self.palette())
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        frame = QRectF(self.rect()).adjusted(16, 16, -16, -16)
        line = QColor(c.accent if self.highlighted else c.muted)
        if self.highlighted:
            fill = QColor(c.accent)
            fill.setAlpha(28)
            p.setBrush(fill)
        else:
            p.setBrush(Qt.BrushStyle.NoBrush)
        pen = QPen(line, 3 if self.highlighted else 2, Qt.PenStyle.DashLine)
        pen.setDashPattern([4, 3])
        p.setPen(pen)
        p.drawRoundedRect(frame, 14, 14)
        p.end()
