"""Text from a file name or a server, shown as the characters it is: the one helper.

Qt renders some text as HTML on its own: a tooltip (and a label in the automatic
format) is rich text as soon as it looks like markup (``Qt.mightBeRichText``), so a
folder named ``<b>bold<`` would embolden the rest of a path. A desktop notification's
body is markup on Linux desktops. Buttons and actions read ``&`` as a mnemonic, window
titles read ``[*]`` as the "modified" mark. Every such string passes through one of
these functions (``tests/gui/test_plain_text.py`` scans for calls that bypass them).
"""

from __future__ import annotations

import html
from typing import Protocol

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QLabel


def tooltip(text: str) -> str:
    """A tooltip showing ``text`` literally, laid out as a plain one is (spaces and line
    breaks kept, no wrapping).

    Text with neither ``<`` nor ``&`` is never taken for rich text, so it stays as it
    is (the model writes thousands of tooltips: the common case costs two scans)."""
    if "<" not in text and "&" not in text:
        return text
    return f'<p style="white-space:pre">{html.escape(text)}</p>'


class _TextWidget(Protocol):
    def setTextFormat(self, fmt: Qt.TextFormat) -> None: ...  # noqa: N802 (Qt's names)
    def setText(self, text: str) -> None: ...  # noqa: N802


def set_text(widget: _TextWidget, text: str) -> None:
    """Put ``text`` in a label (or a message box) as plain text, whatever its format was."""
    widget.setTextFormat(Qt.TextFormat.PlainText)
    widget.setText(text)


def label(text: str = "", *, bold: bool = False, name: str = "", selectable: bool = True) -> QLabel:
    """A word-wrapped label that can never interpret its text as HTML."""
    widget = QLabel()
    set_text(widget, text)
    widget.setWordWrap(True)
    if selectable:
        widget.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if bold:
        font = QFont(widget.font())
        font.setBold(True)
        widget.setFont(font)
    if name:
        widget.setObjectName(name)
        widget.setAccessibleName(name)
    return widget


def button_text(text: str) -> str:
    """Text for a button or action: a literal ``&`` instead of a mnemonic."""
    return text.replace("&", "&&")


def title(text: str) -> str:
    """A window title: a literal ``[*]`` instead of the modified-document mark."""
    return text.replace("[*]", "[*][*]")


def notification(text: str, *, markup: bool) -> str:
    """The body of a desktop notification; ``markup`` when the notification server
    reads it as markup (the freedesktop one Qt uses on Linux: ``desktop/tray.py``)."""
    return html.escape(text, quote=False) if markup else text
