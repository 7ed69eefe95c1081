"""The main toolbar: Add Files, Add Folder, Start/Pause all, Retry all failed, Settings,
and the account button. Its actions, with their shortcuts, are a typed map (as
MusicBrainz Picard's ``MainAction``); the window connects them to what they do."""

from __future__ import annotations

import enum

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QSizePolicy, QToolBar, QToolButton, QWidget

from desktop_app.gui import plain


class MainAction(enum.Enum):
    ADD_FILES = "add_files"
    ADD_FOLDER = "add_folder"
    PAUSE = "pause"
    RETRY_ALL = "retry_all"
    SETTINGS = "settings"


_Keys = QKeySequence.StandardKey
# text, shortcuts (the first is named in the tooltip), what it does. Key sequences are
# made in the toolbar: a standard key needs the application to exist.
_SPECS: dict[MainAction, tuple[str, tuple[_Keys | str, ...], str]] = {
    MainAction.ADD_FILES: ("+ Add Files", (_Keys.Open,), "Add video files"),
    MainAction.ADD_FOLDER: ("Add Folder", ("Ctrl+Shift+O",), "Add every video in a folder"),
    MainAction.PAUSE: ("Pause all", ("Ctrl+P",), "Pause or start every job"),
    MainAction.RETRY_ALL: ("Retry all failed", ("Ctrl+R",), "Retry every failed job"),
    MainAction.SETTINGS: ("Settings", ("Ctrl+,", _Keys.Preferences),
                          "Server, parallel uploads, retries, bandwidth"),
}


class MainToolbar(QToolBar):
    account_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Main toolbar", parent)
        self.setObjectName("main-toolbar")
        self.setAccessibleName("Main toolbar")
        self.setMovable(False)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.action_map: dict[MainAction, QAction] = {}
        for key, (text, keys, tip) in _SPECS.items():
            action = QAction(text, self)
            action.setShortcuts([QKeySequence(k) for k in keys])
            native = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            action.setToolTip(plain.tooltip(f"{tip} ({native})"))
            self.addAction(action)
            self.action_map[key] = action
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.addWidget(spacer)
        self.account_button = QToolButton()
        self.account_button.setAccessibleName("Account")
        self.account_button.setText("not signed in")
        self.account_button.clicked.connect(self.account_clicked)
        self.addWidget(self.account_button)

    def set_paused(self, paused: bool) -> None:
        self.action_map[MainAction.PAUSE].setText("Start all" if paused else "Pause all")

    def set_account(self, username: str) -> None:
        self.account_button.setText(plain.button_text(f"signed in: {username}") if username
                                    else "Sign in…")
