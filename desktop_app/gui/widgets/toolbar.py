"""The main toolbar: Add Files, Add Folder, Start/Pause all, Retry all failed, Settings,
and the account button. Its actions, with their icons and shortcuts, are a typed map (as
MusicBrainz Picard's ``MainAction``); the window connects them to what they do."""

from __future__ import annotations

import enum

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QSizePolicy, QToolBar, QToolButton, QWidget

from desktop_app.gui import plain
from desktop_app.gui.theme import icons
from desktop_app.i18n import N_, _


class MainAction(enum.Enum):
    ADD_FILES = "add_files"
    ADD_FOLDER = "add_folder"
    PAUSE = "pause"
    RETRY_ALL = "retry_all"
    SETTINGS = "settings"


_Keys = QKeySequence.StandardKey
ICON_SIZE = 20
# text, icon (resources/icons/ui), shortcuts (the first is named in the tooltip), what it
# does. Key sequences are made in the toolbar: a standard key needs the application.
_SPECS: dict[MainAction, tuple[str, str, tuple[_Keys | str, ...], str]] = {
    MainAction.ADD_FILES: (N_("Add Files"), "add-files", (_Keys.Open,), N_("Add video files")),
    MainAction.ADD_FOLDER: (N_("Add Folder"), "add-folder", ("Ctrl+Shift+O",),
                            N_("Add every video in a folder")),
    MainAction.PAUSE: (N_("Pause all"), "pause", ("Ctrl+P",), N_("Pause or start every job")),
    MainAction.RETRY_ALL: (N_("Retry all failed"), "retry", ("Ctrl+R",),
                           N_("Retry every failed job")),
    MainAction.SETTINGS: (N_("Settings"), "settings", ("Ctrl+,", _Keys.Preferences),
                          N_("Server, parallel uploads, retries, bandwidth, language")),
}


class MainToolbar(QToolBar):
    account_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(_("Main toolbar"), parent)
        self.setObjectName("main-toolbar")
        self.setAccessibleName(_("Main toolbar"))
        self.setMovable(False)
        self.setIconSize(QSize(ICON_SIZE, ICON_SIZE))
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.action_map: dict[MainAction, QAction] = {}
        self._paused = False
        for key, (text, _icon, keys, tip) in _SPECS.items():
            action = QAction(_(text), self)
            action.setShortcuts([QKeySequence(k) for k in keys])
            native = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            description = _(tip) + f" ({native})"
            action.setToolTip(plain.tooltip(description))
            self.addAction(action)
            self.action_map[key] = action
            button = self.widgetForAction(action)
            button.setAccessibleName(_(text))
            button.setAccessibleDescription(description)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.addWidget(spacer)
        self.account_button = QToolButton()
        self.account_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.account_button.setAccessibleName(_("Account"))
        self.account_button.setAccessibleDescription(_("Sign in, or sign in as someone else"))
        self.account_button.setToolTip(_("Sign in, or sign in as someone else"))
        self.account_button.setText(_("not signed in"))
        self.account_button.clicked.connect(self.account_clicked)
        self.addWidget(self.account_button)
        self.restyle()

    def restyle(self) -> None:
        """Draw the icons in the palette in force (after a light/dark switch)."""
        for key, (_text, name, _keys, _tip) in _SPECS.items():
            if key is MainAction.PAUSE and self._paused:
                name = "start"
            self.action_map[key].setIcon(icons.icon(name, (ICON_SIZE,)))
        self.account_button.setIcon(icons.icon("account", (ICON_SIZE,)))

    def set_paused(self, paused: bool) -> None:
        self._paused = paused
        action = self.action_map[MainAction.PAUSE]
        action.setText(_("Start all") if paused else _("Pause all"))
        self.widgetForAction(action).setAccessibleName(action.text())
        self.restyle()

    def set_account(self, username: str) -> None:
        self.account_button.setText(
            plain.button_text(_("signed in: {username}").format(username=username)) if username
            else _("Sign in…"))
