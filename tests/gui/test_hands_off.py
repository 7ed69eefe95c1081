"""Hands-off in the window: the "Offline" and "metered" states, Settings → Watched folders,
and "Upload again anyway" for a file the server already had."""

from __future__ import annotations

import shutil

from desktop_app.gui.dialogs.settings import SettingsDialog
from desktop_app.gui.models.columns import Tab
from desktop_app.gui.widgets.status_bar import METERED_TEXT, OFFLINE_TEXT
from desktop_app.jobs.model import JobState
from desktop_app.settings import Settings
from desktop_app.system.api import ManualInhibitor, ManualNetwork, NetworkStatus, OsHooks
from tests.gui.helpers import all_finished, drop, row_for, states
from tests.jobs.helpers import server_videos

S = JobState


def controllable(network: ManualNetwork | None = None) -> OsHooks:
    # the embedded server is on loopback: say it is remote, so the network matters
    return OsHooks(network or ManualNetwork(), ManualInhibitor(), server_local=False)


def connection_text(window) -> str:
    return window.status.connection_label.text()


def test_offline_is_said_instead_of_failed_attempts_and_the_job_goes_on_when_back(
        make_window, qtbot, server, sample_video):
    server.inject_fault("POST", "/sessions/*/videos", status=503, retry_after=120, count=1)
    network = ManualNetwork()
    window = make_window(os_hooks=controllable(network))
    drop(window, [sample_video])
    qtbot.waitUntil(lambda: S.WAITING_RETRY in states(window).values(), timeout=60_000)
    network.set(reachable=False)
    qtbot.waitUntil(lambda: connection_text(window) == OFFLINE_TEXT, timeout=5_000)
    window._tick()  # the once-a-second tally sees a row waiting to retry: still "Offline"
    assert connection_text(window) == OFFLINE_TEXT
    assert not window.status.retry_button.isVisible()
    network.set(reachable=True)  # back: the 120 s backoff is not slept out
    qtbot.waitUntil(lambda: all_finished(window, 1), timeout=30_000)
    qtbot.waitUntil(lambda: connection_text(window) == "Online", timeout=5_000)


def test_a_metered_connection_pauses_uploads_and_says_so(make_window, qtbot, sample_video):
    network = ManualNetwork(NetworkStatus(metered=True))
    window = make_window(Settings(pause_on_metered=True), os_hooks=controllable(network))
    qtbot.waitUntil(lambda: connection_text(window) == METERED_TEXT, timeout=5_000)
    drop(window, [sample_video])
    qtbot.waitUntil(lambda: (row_for(window, sample_video.name) or (None, {}))[1].get("Stage")
                    == "Queued for upload", timeout=60_000)
    network.set(metered=False)
    qtbot.waitUntil(lambda: all_finished(window, 1), timeout=60_000)
    assert connection_text(window) == "Online"


def test_settings_watched_folders_add_pause_and_remove(
        make_window, qtbot, dialogs, tmp_path, sample_video, video_factory):
    folder = tmp_path / "camera drop"
    folder.mkdir()
    window = make_window(os_hooks=controllable())
    dialogs.files = [str(folder)]  # what the folder picker answers
    window.job_actions.open_settings()
    dialog = dialogs.of_type(SettingsDialog)[-1]
    box = dialog.watched
    box.add_button.click()
    assert box.paths() == [str(folder)]
    box.metered_check.setChecked(True)
    dialog.accept()
    assert window.settings.watched_folders == [str(folder)]
    assert window.settings.pause_on_metered
    shutil.copyfile(sample_video, folder / "watched.mp4")  # queued by itself
    qtbot.waitUntil(lambda: all_finished(window, 1), timeout=60_000)
    assert row_for(window, "watched.mp4")[0] is Tab.COMPLETED
    # paused: kept in the list, nothing queued from it
    window.job_actions.open_settings()
    dialog = dialogs.of_type(SettingsDialog)[-1]
    dialog.watched.pause_button.click()
    assert dialog.watched.pause_button.text() == "Res&ume"
    dialog.accept()
    assert window.settings.paused_folders == [str(folder)]
    qtbot.waitUntil(lambda: window.job_actions.folder_states.get(str(folder)) == "paused",
                    timeout=10_000)
    window.job_actions.open_settings()
    dialog = dialogs.of_type(SettingsDialog)[-1]
    dialog.watched.remove_button.click()
    dialog.accept()
    assert window.settings.watched_folders == [] and window.settings.paused_folders == []
    assert len(window.rows.rows) == 1


def test_a_copy_is_already_on_the_server_and_can_be_uploaded_again_anyway(
        make_window, qtbot, server, sample_video, tmp_path):
    copy = tmp_path / "sample (copy).mp4"
    shutil.copyfile(sample_video, copy)
    window = make_window(os_hooks=controllable())
    drop(window, [sample_video])
    qtbot.waitUntil(lambda: all_finished(window, 1), timeout=60_000)
    drop(window, [copy])
    qtbot.waitUntil(lambda: all_finished(window, 2), timeout=60_000)
    tab, row = row_for(window, copy.name)
    assert tab is Tab.COMPLETED and row["Stage"] == "Already on the server"
    assert "nothing sent" in row["Status"] and len(server_videos(server)) == 1
    model = window.rows.models[Tab.COMPLETED]
    window.tabs.setCurrentIndex(2)
    window.completed_view.selectRow(next(r for r in range(model.rowCount())
                                         if model.index(r, 0).data() == copy.name))
    assert window.upload_again.isEnabled()
    window.upload_again.trigger()
    qtbot.waitUntil(lambda: len(server_videos(server)) == 2, timeout=60_000)
    qtbot.waitUntil(lambda: all_finished(window, 2), timeout=30_000)
    tab, row = row_for(window, copy.name)
    assert row["Stage"] == "Done" and "Stored as video" in row["Status"]
