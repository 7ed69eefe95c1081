"""The main window's toolbar and shortcuts (Add, Start/Pause all, Retry all failed,
Settings, account)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QToolBar, QToolButton, QWidget

if TYPE_CHECKING:
    from desktop_app.gui.main_window import MainWindow


def build_toolbar(self: MainWindow) -> None:
    """Toolbar actions with shortcuts, the account button, window-wide shortcuts, and the
    failed panel's requests wired to the same actions."""
    bar = QToolBar("Main toolbar")
    bar.setObjectName("main-toolbar")
    bar.setAccessibleName("Main toolbar")
    bar.setMovable(False)
    bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    self.addToolBar(bar)
    a = self.actions_

    def act(text: str, slot, keys, tip: str) -> QAction:
        action = QAction(text, self)
        action.setShortcuts(keys if isinstance(keys, list) else [keys])
        action.setToolTip(f"{tip} ({action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)})")
        action.triggered.connect(lambda _=False: slot())
        bar.addAction(action)
        return action

    self.add_files_action = act("+ Add Files", a.add_files, QKeySequence(QKeySequence.StandardKey.Open),
                                "Add video files")
    self.add_folder_action = act("Add Folder", a.add_folder, QKeySequence("Ctrl+Shift+O"),
                                 "Add every video in a folder")
    self.pause_action = act("Pause all", a.toggle_pause, QKeySequence("Ctrl+P"),
                            "Pause or start every job")
    self.retry_all_action = act("Retry all failed", a.retry_all, QKeySequence("Ctrl+R"),
                                "Retry every failed job")
    self.settings_action = act("Settings", a.open_settings,
                               [QKeySequence("Ctrl+,"), QKeySequence(QKeySequence.StandardKey.Preferences)],
                               "Server, parallel uploads, retries, bandwidth")
    spacer = QWidget()
    spacer.setSizePolicy(spacer.sizePolicy().Policy.Expanding, spacer.sizePolicy().Policy.Preferred)
    bar.addWidget(spacer)
    self.account_button = QToolButton()
    self.account_button.setAccessibleName("Account")
    self.account_button.setText("not signed in")
    self.account_button.clicked.connect(lambda: a.sign_in(""))
    bar.addWidget(self.account_button)
    quit_action = QAction("Quit", self)
    quit_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Quit))
    quit_action.triggered.connect(self.close)
    self.addAction(quit_action)
    for i in range(3):  # Alt+1..3 switch tabs
        tab_action = QAction(self)
        tab_action.setShortcut(QKeySequence(f"Alt+{i + 1}"))
        tab_action.triggered.connect(lambda _=False, n=i: self.tabs.setCurrentIndex(n))
        self.addAction(tab_action)
    self.failed_panel.retry_all_requested.connect(a.retry_all)
    self.failed_panel.retry_requested.connect(a.retry)
    self.failed_panel.remove_requested.connect(a.remove)
    self.failed_panel.reselect_requested.connect(a.reselect)
    self.failed_panel.details_requested.connect(a.show_details)
    self.failed_panel.bundle_requested.connect(a.export_bundle)
