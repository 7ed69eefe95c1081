"""Unexpected exceptions: a dialog with copyable details instead of a silent death.

``install_excepthook`` routes uncaught exceptions on the GUI thread (Qt slots
included) to the dialog, logs them in full, and shows each distinct crash once.
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable
from types import TracebackType

from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from desktop_app import __version__
from desktop_app.gui import plain
from desktop_app.i18n import _

log = logging.getLogger(__name__)


class CrashDialog(QDialog):
    def __init__(self, details: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Something went wrong"))
        self.setAccessibleName(_("Unexpected error"))
        layout = QVBoxLayout(self)
        layout.addWidget(plain.label(
            _("Something unexpected went wrong in the app (UNEXPECTED_ERROR). Your queue is "
              "saved; you can keep working. Please copy the details below and send them to "
              "support."), name=_("Crash message")))
        self.details = QPlainTextEdit(details)
        self.details.setReadOnly(True)
        self.details.setAccessibleName(_("Crash details"))
        self.details.setAccessibleDescription(_("What support needs to find the problem"))
        self.details.setMinimumSize(560, 220)
        layout.addWidget(self.details)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        copy = buttons.addButton(_("&Copy details"), QDialogButtonBox.ButtonRole.ActionRole)
        copy.setAccessibleDescription(_("Copy the details for support"))
        copy.clicked.connect(lambda: QApplication.clipboard().setText(self.details.toPlainText()))
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


def format_crash(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> str:
    import platform

    head = f"video-uploader {__version__}, Python {platform.python_version()}, {platform.platform()}"
    return head + "\n\n" + "".join(traceback.format_exception(exc_type, exc, tb))


def install_excepthook(show: Callable[[str], None]) -> Callable[[], None]:
    """Route uncaught exceptions to ``show(details)``; returns a function restoring the old hook."""
    previous = sys.excepthook
    seen: set[str] = set()

    def hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            previous(exc_type, exc, tb)
            return
        log.error("unexpected error", exc_info=(exc_type, exc, tb))
        details = format_crash(exc_type, exc, tb)
        key = "".join(traceback.format_exception_only(exc_type, exc))
        if key in seen:  # the same bug firing in a loop: one dialog is enough
            return
        seen.add(key)
        try:
            show(details)
        except Exception:  # never recurse into the hook
            previous(exc_type, exc, tb)

    sys.excepthook = hook

    def restore() -> None:
        sys.excepthook = previous

    return restore
