"""Every dialog the window opens goes through this factory, so tests can answer them.

``show`` opens a dialog without blocking (no nested event loop) and records it
in ``opened``; ``ask`` and the file pickers are the only blocking calls, and a
test subclass overrides them with scripted answers.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox, QWidget

from desktop_app.gui import plain
from desktop_app.i18n import _
from desktop_app.media.formats import VIDEO_SUFFIXES


def video_filter() -> str:
    """The file types the app adds (media/formats), as a file dialog's name filter."""
    patterns = " ".join("*" + s for s in sorted(VIDEO_SUFFIXES))
    return _("Videos ({patterns});;All files (*)").format(patterns=patterns)


class Dialogs:
    def __init__(self) -> None:
        self.opened: list[QDialog] = []

    def show(self, dialog: QDialog, on_done: Callable[[int], None] | None = None) -> None:
        self.opened.append(dialog)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
        if on_done is not None:
            dialog.finished.connect(on_done)
        # The keyboard goes back to the window the dialog came from (without a window
        # manager, or with a focus-stealing-prevention one, nothing else gives it back).
        parent = dialog.parentWidget()
        if parent is not None:
            top = parent.window()
            dialog.finished.connect(lambda _r: top.activateWindow())
        dialog.open()

    def of_type(self, cls: type) -> list:
        return [d for d in self.opened if isinstance(d, cls)]

    def ask(self, parent: QWidget | None, title: str, text: str, yes: str, no: str) -> bool:
        box = QMessageBox(parent)  # an instance with plain text, never the static helpers
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(plain.title(title))
        plain.set_text(box, text)
        yes_btn = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
        box.addButton(no, QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(yes_btn)
        box.exec()
        return box.clickedButton() is yes_btn

    def open_files(self, parent: QWidget | None) -> list[str]:
        files, _filt = QFileDialog.getOpenFileNames(parent, _("Add videos"), "", video_filter())
        return files

    def open_folder(self, parent: QWidget | None) -> str | None:
        return QFileDialog.getExistingDirectory(parent, _("Add a folder of videos")) or None

    def reselect_file(self, parent: QWidget | None, old_path: str) -> str | None:
        path, _filt = QFileDialog.getOpenFileName(parent, _("Where is this file now?"), old_path,
                                                  video_filter())
        return path or None

    def save_file(self, parent: QWidget | None, title: str, suggested: str, filt: str) -> str | None:
        path, _filt = QFileDialog.getSaveFileName(parent, title, suggested, filt)
        return path or None
