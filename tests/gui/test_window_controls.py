"""Toolbar, shortcuts, accessibility and remembered window state."""

from __future__ import annotations

import keyring
from keyring.backend import KeyringBackend
from keyring.errors import KeyringError
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QTableView

from desktop_app import paths
from desktop_app.gui.dialogs.sign_in import SignInDialog
from desktop_app.gui.models.columns import Tab
from desktop_app.gui.widgets.toolbar import MainAction
from desktop_app.jobs.model import JobState
from desktop_app.settings import Settings
from tests.gui.helpers import rows, states


def test_ctrl_o_adds_the_chosen_files(make_window, qtbot, dialogs, sample_video, not_a_video):
    window = make_window()
    window.job_actions.toggle_pause()
    dialogs.files = [str(sample_video), str(not_a_video)]
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    qtbot.keyClick(window, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(states(window)) == 2, timeout=10_000)
    assert sorted(r["File"] for r in rows(window, Tab.QUEUE) + rows(window, Tab.FAILED)) == \
        sorted([sample_video.name, not_a_video.name])
    # rows can show before the intake reports its summary: wait for the line, do not race it
    qtbot.waitUntil(lambda: window.status.summary_label.text() == "2 added", timeout=10_000)


def test_pause_all_then_start_all(make_window, qtbot, sample_video):
    window = make_window()
    pause = window.toolbar.action_map[MainAction.PAUSE]
    pause.trigger()
    assert pause.text() == "Start all"
    window.add_paths([str(sample_video)])
    qtbot.waitUntil(lambda: len(states(window)) == 1, timeout=10_000)
    pause.trigger()  # pause the job that arrived meanwhile too
    pause.trigger()
    qtbot.waitUntil(lambda: set(states(window).values()) == {JobState.PAUSED}, timeout=30_000)
    assert window.work_in_flight() == 0  # paused work does not block closing
    pause.trigger()
    assert pause.text() == "Pause all"
    qtbot.waitUntil(lambda: set(states(window).values()) == {JobState.DONE}, timeout=120_000)


def test_controls_have_accessible_names(make_window):
    window = make_window()
    for view in window.findChildren(QTableView):
        assert view.accessibleName(), view
    named = {b.accessibleName() for b in window.failed_panel.findChildren(QAbstractButton)}
    assert {"Retry", "Retry all", "Remove", "Re-select file", "Show details", "Copy details",
            "Export support bundle", "Open file location"} <= named
    assert window.status.retry_button.accessibleName() == "Retry now"
    assert window.toolbar.account_button.accessibleName() == "Account"
    assert window.toolbar.account_button.text() == "signed in: local"
    actions = window.toolbar.action_map
    assert set(actions) == set(MainAction)
    shortcuts = {a.text(): a.shortcut().toString() for a in actions.values()}
    assert shortcuts["Add Files"] == "Ctrl+O" and shortcuts["Retry all failed"] == "Ctrl+R"
    assert all(shortcuts.values())


def test_window_size_and_tab_are_remembered(make_window, qtbot):
    window = make_window()
    window.resize(760, 560)  # within the offscreen screen, which restore clamps to
    qtbot.waitUntil(lambda: window.width() == 760, timeout=5000)
    size = window.size()
    window.tabs.setCurrentIndex(2)
    make_window.close(window)
    again = make_window()
    assert again.size() == size
    assert again.tabs.currentIndex() == 2


class _NoKeyring(KeyringBackend):
    """A system without a working keyring (a real backend class that refuses)."""

    priority = 1  # type: ignore[assignment]

    def get_password(self, service, username):
        raise KeyringError("no secret service")

    def set_password(self, service, username, password):
        raise KeyringError("no secret service")

    def delete_password(self, service, username):
        raise KeyringError("no secret service")


def test_configured_server_asks_to_sign_in_and_says_once_when_no_keyring(
        make_window, qtbot, server, sample_video):
    keyring.set_keyring(_NoKeyring())
    window = make_window(Settings(server_url=server.url))
    dialogs = window.dialogs.of_type(SignInDialog)
    assert len(dialogs) == 1 and dialogs[0].server_edit.text() == server.url
    assert window.toolbar.account_button.text() == "Sign in…"
    dialog = dialogs[0]
    dialog.user_edit.setText(server.username)
    dialog.password_edit.setText(server.password)
    with qtbot.waitSignal(dialog.accepted, timeout=20_000):
        dialog.submit()
    assert window.toolbar.account_button.text() == f"signed in: {server.username}"
    assert "No keyring on this system" in window.status.summary_label.text()
    settings_text = paths.settings_path().read_text()
    assert server.password not in settings_text and "access_token" not in settings_text
    window.add_paths([str(sample_video)])
    qtbot.waitUntil(lambda: set(states(window).values()) == {JobState.DONE}, timeout=120_000)


def test_a_bad_server_address_is_reported_in_the_window_not_a_traceback(qtbot):
    from desktop_app.gui.main_window import MainWindow
    from desktop_app.gui.startup import BackendStarter
    from desktop_app.gui.threads.bridge import EventBridge

    bridge = EventBridge()
    window = MainWindow(Settings(), bridge)
    qtbot.addWidget(window)
    starter = BackendStarter(Settings(), "ftp://videos.example.org", bridge.post)
    starter.failed.connect(window.status.set_starting_failed)
    with qtbot.waitSignal(starter.failed, timeout=20_000):
        starter.start()
    starter.stop()
    bridge.stop()
    window.status.refresh()  # the once-a-second refresh keeps it
    text = window.status.connection_label.text()
    assert text == ("Could not start: The server address 'ftp://videos.example.org' is not a "
                    "web address. (INVALID_REQUEST)")


def test_settings_changed_in_the_dialog_survive_a_later_sign_in(make_window, qtbot, server):
    """Signing in saves the settings (the server and user): it must save the ones the
    user just chose in the Settings dialog, not the ones the window started with."""
    from desktop_app import settings as settings_mod
    from desktop_app.gui.dialogs.settings import SettingsDialog

    window = make_window(Settings(server_url=server.url))
    window.job_actions.open_settings()
    dialog = window.dialogs.of_type(SettingsDialog)[-1]
    dialog.uploads_spin.setValue(3)
    dialog.session_edit.setText("shoot-42")
    dialog.accept()
    assert settings_mod.load().parallel_uploads == 3
    signin = window.dialogs.of_type(SignInDialog)[-1]
    signin.user_edit.setText(server.username)
    signin.password_edit.setText(server.password)
    with qtbot.waitSignal(signin.accepted, timeout=20_000):
        signin.submit()
    saved = settings_mod.load()
    assert (saved.parallel_uploads, saved.default_session_id, saved.username) == (
        3, "shoot-42", server.username)
