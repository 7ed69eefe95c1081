"""Settings → Watched folders (add, remove, pause) and the laptop's own events (pause on a
metered connection, keep the computer awake): one section of the Settings dialog.

Each folder is a row with a check box: checked is watched, unchecked is paused (kept in
the list, nothing queued from it). "Add card or drive" lists the media mounted now under
the usual places (``watch/places.py``): a camera card may be chosen and unplugged; it is
watched again when it is back. Folder names are shown as the characters they are.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QCheckBox,
    QGroupBox,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.gui import plain
from desktop_app.gui.dialogs.factory import Dialogs
from desktop_app.i18n import N_, _
from desktop_app.settings import Settings
from desktop_app.watch.places import removable_places

STATE_NOTES = {"absent": N_("not there now (unplugged?): watched again when it is back"),
               "scanning only": N_("no change events here: looked through every 30 s")}


class WatchedFoldersBox(QGroupBox):
    def __init__(self, settings: Settings, *, dialogs: Dialogs | None = None,
                 states: dict[str, str] | None = None,
                 places: Callable[[], list[Path]] = removable_places,
                 parent: QWidget | None = None) -> None:
        super().__init__(_("Watched folders"), parent)
        self.setAccessibleName(_("Watched folders"))
        self.setAccessibleDescription(_("Folders whose new videos are queued by themselves"))
        self._dialogs = dialogs or Dialogs()
        self._states = states or {}
        self._places = places
        self.folders = QListWidget()
        self.folders.setAccessibleName(_("Watched folders list"))
        folders_tip = _("New videos in these folders (and their sub-folders) are queued once "
                        "they stop growing. Untick a folder to pause it.")
        self.folders.setAccessibleDescription(folders_tip)
        self.folders.setToolTip(plain.tooltip(folders_tip))
        for path, paused in settings.watched():
            self._add_row(path, paused)
        self.add_button = QPushButton(_("&Add folder…"))
        self.add_button.setAccessibleName(_("Add folder"))
        self.add_button.setAccessibleDescription(_("Choose a folder to watch"))
        self.add_button.clicked.connect(self._add_folder)
        self.card_button = QToolButton()
        self.card_button.setText(_("Add &card or drive"))
        self.card_button.setAccessibleName(_("Add card or drive"))
        self.card_button.setAccessibleDescription(
            _("Watch a camera card or drive that is plugged in now"))
        self.card_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.card_menu = QMenu(self.card_button)
        self.card_menu.aboutToShow.connect(self._fill_card_menu)
        self.card_button.setMenu(self.card_menu)
        self.pause_button = QPushButton(_("&Pause"))
        self.pause_button.setAccessibleName(_("Pause or resume folder"))
        self.pause_button.setAccessibleDescription(
            _("Stop or start queueing new videos from the selected folder"))
        self.pause_button.clicked.connect(self._toggle_pause)
        self.remove_button = QPushButton(_("&Remove"))
        self.remove_button.setAccessibleName(_("Remove folder"))
        self.remove_button.setAccessibleDescription(
            _("Stop watching the selected folder; its jobs stay in the queue"))
        self.remove_button.clicked.connect(self._remove)
        buttons = QHBoxLayout()
        for button in (self.add_button, self.card_button, self.pause_button,
                       self.remove_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.metered_check = QCheckBox(_("Pause uploads on a &metered connection"))
        self.metered_check.setChecked(settings.pause_on_metered)
        metered_tip = _("On a connection you pay by the byte (a phone's hotspot) uploads wait; "
                        "they continue where they stopped on another network.")
        self.metered_check.setAccessibleDescription(metered_tip)
        self.metered_check.setToolTip(plain.tooltip(metered_tip))
        self.awake_check = QCheckBox(_("Keep the computer a&wake while uploading"))
        self.awake_check.setAccessibleDescription(
            _("The computer does not go to sleep while uploads run"))
        self.awake_check.setChecked(settings.keep_awake)
        layout = QVBoxLayout(self)
        layout.addWidget(self.folders)
        layout.addLayout(buttons)
        layout.addWidget(self.metered_check)
        layout.addWidget(self.awake_check)
        self.folders.currentItemChanged.connect(self._update_buttons)
        self.folders.itemChanged.connect(self._update_buttons)
        self._update_buttons()

    # ---- rows -------------------------------------------------------------------------

    def _add_row(self, path: str, paused: bool = False) -> None:
        path = os.path.abspath(path)
        if path in self.paths():
            return
        item = QListWidgetItem(path)  # item text is plain text: the name as it is
        item.setData(Qt.ItemDataRole.UserRole, path)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Unchecked if paused else Qt.CheckState.Checked)
        note = _(STATE_NOTES[state]) if (state := self._states.get(path, "")) in STATE_NOTES \
            else None
        item.setToolTip(plain.tooltip(f"{path}\n{note}" if note else path))
        self.folders.addItem(item)
        self.folders.setCurrentItem(item)

    def _items(self) -> list[QListWidgetItem]:
        return [self.folders.item(i) for i in range(self.folders.count())]

    def paths(self) -> list[str]:
        return [str(item.data(Qt.ItemDataRole.UserRole)) for item in self._items()]

    def paused(self) -> list[str]:
        return [str(item.data(Qt.ItemDataRole.UserRole)) for item in self._items()
                if item.checkState() is Qt.CheckState.Unchecked]

    # ---- actions ----------------------------------------------------------------------

    def _add_folder(self) -> None:
        folder = self._dialogs.open_folder(self)
        if folder:
            self._add_row(folder)

    def _fill_card_menu(self) -> None:
        self.card_menu.clear()
        places = self._places()
        for place in places:
            action = QAction(str(place).replace("&", "&&"), self.card_menu)  # no mnemonic
            action.triggered.connect(lambda _=False, p=str(place): self._add_row(p))
            self.card_menu.addAction(action)
        if not places:
            none = QAction(_("No card or drive is plugged in"), self.card_menu)
            none.setEnabled(False)
            self.card_menu.addAction(none)

    def _toggle_pause(self) -> None:
        item = self.folders.currentItem()
        if item is not None:
            paused = item.checkState() is Qt.CheckState.Unchecked
            item.setCheckState(Qt.CheckState.Checked if paused else Qt.CheckState.Unchecked)

    def _remove(self) -> None:
        row = self.folders.currentRow()
        if row >= 0:
            self.folders.takeItem(row)
        self._update_buttons()

    def _update_buttons(self, *_args: object) -> None:
        item = self.folders.currentItem()
        self.pause_button.setEnabled(item is not None)
        self.remove_button.setEnabled(item is not None)
        resume = item is not None and item.checkState() is Qt.CheckState.Unchecked
        self.pause_button.setText(_("Res&ume") if resume else _("&Pause"))

    def apply_to(self, settings: Settings) -> Settings:
        return replace(settings, watched_folders=self.paths(), paused_folders=self.paused(),
                       pause_on_metered=self.metered_check.isChecked(),
                       keep_awake=self.awake_check.isChecked()).clamped()
