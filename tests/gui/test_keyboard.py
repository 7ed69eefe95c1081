"""The main flow from the keyboard alone, and a name and description for every control.

Every key goes to the widget that has the focus, as a keyboard would send it
(``QTest.keyClick``); file pickers are answered by the dialog factory (ScriptedDialogs).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QTabBar,
    QWidget,
)

from desktop_app.gui.dialogs.error import ErrorDialog
from desktop_app.gui.dialogs.settings import SettingsDialog
from desktop_app.gui.models.columns import Tab
from desktop_app.gui.widgets.toolbar import MainAction
from desktop_app.jobs.model import JobState

CTRL, SHIFT, ALT = (Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier,
                    Qt.KeyboardModifier.AltModifier)


def press(key: Qt.Key, modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    """One key, to whatever has the keyboard focus now (a dialog, a table, the window)."""
    target = QApplication.focusWidget() or QApplication.activeWindow()
    assert target is not None, "nothing has the keyboard focus"
    QTest.keyClick(target, key, modifiers)


def _failed_ids(window) -> list[str]:
    return [jid for jid, r in window.rows.rows.items() if r.job.state is JobState.FAILED]


def test_the_main_flow_works_from_the_keyboard_alone(make_window, dialogs, qtbot, sample_video,
                                                     corrupt_video, tmp_path):
    window = make_window()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    # The empty queue offers its buttons to the keyboard.
    press(Qt.Key.Key_1, ALT)
    assert QApplication.focusWidget() is window.tabs.drop_target.files_button
    assert window.tabs.drop_target.files_button.hasFocus()  # visible focus: Fusion draws it

    # Add files (Ctrl+O; the picker is answered by the factory).
    dialogs.files = [str(sample_video), str(corrupt_video)]
    press(Qt.Key.Key_O, CTRL)
    qtbot.waitUntil(lambda: len(window.rows.rows) == 2, timeout=10_000)
    assert window.tabs.queue_page.currentWidget() is window.queue_view  # the target made way

    # The corrupt file fails: its dialog comes up; Escape closes it.
    qtbot.waitUntil(lambda: _failed_ids(window) != [], timeout=120_000)
    qtbot.waitUntil(lambda: isinstance(QApplication.activeWindow(), ErrorDialog),
                    timeout=5_000)
    press(Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None, timeout=5_000)
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)  # the keyboard is back

    # Pause and start again (Ctrl+P).
    press(Qt.Key.Key_P, CTRL)
    assert window.toolbar.action_map[MainAction.PAUSE].text() == "Start all"
    qtbot.waitUntil(lambda: all(r.job.state is JobState.PAUSED or r.job.state.finished
                                for r in window.rows.rows.values()), timeout=10_000)
    press(Qt.Key.Key_P, CTRL)
    assert window.toolbar.action_map[MainAction.PAUSE].text() == "Pause all"

    # Open the failed job: Alt+2 puts the keyboard in the Failed list, on its first job.
    press(Qt.Key.Key_2, ALT)
    assert QApplication.focusWidget() is window.failed_panel.view
    press(Qt.Key.Key_Down)
    job_id = _failed_ids(window)[0]
    assert window.failed_panel.selected_ids() == [job_id]
    assert window.details.job_id == job_id  # the details pane follows the selection

    # Enter: what happened and what to do.
    opened = len(dialogs.opened)
    press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(dialogs.opened) > opened, timeout=5_000)
    shown = dialogs.opened[-1]
    assert isinstance(shown, ErrorDialog) and shown.info.job_id == job_id
    assert shown.code_label.text() == "Error code: VIDEO_CORRUPTED"
    qtbot.waitUntil(lambda: QApplication.activeWindow() is shown, timeout=5_000)
    press(Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not shown.isVisible() and window.isActiveWindow(), timeout=5_000)

    # Open the full details (Ctrl+I): the technical record, expanded.
    press(Qt.Key.Key_I, CTRL)
    qtbot.waitUntil(lambda: dialogs.opened[-1] is not shown, timeout=5_000)
    details = dialogs.opened[-1]
    assert isinstance(details, ErrorDialog) and details.details.text.isVisible()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is details, timeout=5_000)
    press(Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not details.isVisible() and window.isActiveWindow(), timeout=5_000)

    # Export a support bundle (Ctrl+E; the save picker is answered by the factory).
    bundle = tmp_path / "support.zip"
    dialogs.save_path = str(bundle)
    assert QApplication.focusWidget() is window.failed_panel.view
    press(Qt.Key.Key_E, CTRL)
    qtbot.waitUntil(bundle.exists, timeout=20_000)
    qtbot.waitUntil(lambda: "Support bundle saved" in window.status.summary_label.text(),
                    timeout=20_000)

    # Retry it (Ctrl+Shift+R): it leaves the Failed tab and runs again.
    press(Qt.Key.Key_R, CTRL | SHIFT)
    qtbot.waitUntil(lambda: window.rows.rows[job_id].job.state is not JobState.FAILED
                    or window.rows.rows[job_id].job.failure.time
                    > details.info.failure.time, timeout=20_000)
    qtbot.waitUntil(lambda: window.rows.models[Tab.COMPLETED].rowCount() == 1, timeout=120_000)


def _interactive(root: QWidget) -> list[QWidget]:
    """Buttons, and every widget the Tab key reaches."""
    return [w for w in root.findChildren(QWidget)
            if w.isVisibleTo(root) and not isinstance(w.parentWidget(), QAbstractSpinBox)
            and (isinstance(w, QAbstractButton)  # (a spin box's own text box is the spin box)
                 or w.focusPolicy().value & Qt.FocusPolicy.TabFocus.value)]


def _unnamed(root: QWidget) -> list[str]:
    missing = []
    for w in _interactive(root):
        iface = QAccessible.queryAccessibleInterface(w)
        assert iface is not None, w
        # A tab bar is read out tab by tab: each tab is its own accessible element.
        parts = ([iface.child(i) for i in range(iface.childCount())
                  if not iface.child(i).state().invisible]  # not its hidden scroll buttons
                 if isinstance(w, QTabBar) else [iface])
        for part in parts:
            name = part.text(QAccessible.Text.Name)
            description = part.text(QAccessible.Text.Description)
            if not name or not description:
                missing.append(f"{type(w).__name__} {w.objectName()!r} name={name!r} "
                               f"description={description!r}")
    return missing


def test_every_interactive_widget_has_an_accessible_name_and_description(make_window, qtbot,
                                                                        sample_video):
    window = make_window()
    assert _interactive(window) and _unnamed(window) == []  # the empty queue's drop target
    qtbot.waitUntil(lambda: window.backend is not None, timeout=10_000)
    window.add_paths([str(sample_video)])
    qtbot.waitUntil(lambda: len(window.rows.rows) == 1, timeout=10_000)
    for index in range(3):
        window.show_tab(index)
        assert _unnamed(window) == [], index
    settings = SettingsDialog(window.settings, window)
    qtbot.addWidget(settings)
    assert _unnamed(settings) == []


def test_a_screen_reader_hears_what_the_status_bar_says(qtbot):
    """The status bar's labels are named for what they are ("Connection"); their text (offline,
    metered, waiting for the server) is their description, so it is read out too."""
    from desktop_app.gui.widgets.status_bar import StatusBar
    from desktop_app.jobs.model import NetworkChanged

    bar = StatusBar()
    qtbot.addWidget(bar)
    bar.set_ready("https://uploads.example")

    def heard() -> tuple[str, str]:
        iface = QAccessible.queryAccessibleInterface(bar.connection_label)
        return iface.text(QAccessible.Text.Name), iface.text(QAccessible.Text.Description)

    bar.set_network(NetworkChanged(offline=True, metered=False, uploads_held=True))
    assert heard() == ("Connection", "Offline - waiting for the network")
    bar.set_network(NetworkChanged(offline=False, metered=True, uploads_held=True))
    assert heard() == ("Connection", "Uploads paused: metered connection")
    bar.set_work(0, 0.0, 3)
    work = QAccessible.queryAccessibleInterface(bar.work_label)
    assert work.text(QAccessible.Text.Description) == "3 left"
