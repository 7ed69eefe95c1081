"""The window over the real job manager and the real embedded backend."""

from __future__ import annotations

import hashlib
import shutil

import httpx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from desktop_app.gui.dialogs.error import ErrorDialog
from desktop_app.gui.models.columns import Tab
from desktop_app.jobs.model import STATE_LABELS, JobState
from tests.fixtures.server import api_token
from tests.gui.helpers import all_finished, drop, row_for, rows


def test_drop_mixed_files_and_folder_adds_videos_and_summarises_skips(
        make_window, qtbot, tmp_path, sample_video, not_a_video):
    folder = tmp_path / "card"
    (folder / "DCIM").mkdir(parents=True)
    shutil.copy(sample_video, folder / "DCIM" / "clip1.mp4")
    shutil.copy(sample_video, folder / "clip2.MOV")
    (folder / "notes.txt").write_text("shot list")
    (folder / "DCIM" / "thumb.jpg").write_bytes(b"\xff\xd8\xff")
    loose = tmp_path / "loose.mp4"
    shutil.copy(sample_video, loose)
    readme = tmp_path / "readme.pdf"
    readme.write_bytes(b"%PDF-1.4")
    window = make_window()
    window.job_actions.toggle_pause()  # keep the jobs put: this test is about adding them
    drop(window, [folder, loose, readme])
    qtbot.waitUntil(lambda: "added" in window.status.summary_label.text(), timeout=10_000)
    assert window.status.summary_label.text() == "3 added, 3 skipped: not video files"
    names = sorted(r["File"] for r in rows(window, Tab.QUEUE))
    assert names == ["clip1.mp4", "clip2.MOV", "loose.mp4"]
    qtbot.waitUntil(lambda: window.tabs.tabText(0) == "Queue (3)", timeout=2_000)


def test_a_dropped_video_goes_through_to_done(make_window, qtbot, server, sample_video):
    window = make_window()
    drop(window, [sample_video])
    qtbot.waitUntil(lambda: all_finished(window, 1), timeout=120_000)
    tab, row = row_for(window, sample_video.name)
    assert tab is Tab.COMPLETED and row["Stage"] == "Done"
    job = next(iter(window.rows.rows.values())).job
    assert job.state is JobState.DONE and job.video_id
    # The server stored exactly the file's bytes.
    video = httpx.get(f"{server.api_url}/videos/{job.video_id}", timeout=10,
                      headers={"Authorization": f"Bearer {api_token(server)}"}).json()
    assert video["sha256"] == hashlib.sha256(sample_video.read_bytes()).hexdigest()
    assert video["bytes"] == sample_video.stat().st_size
    qtbot.waitUntil(lambda: window.tabs.tabText(2) == "Completed (1)", timeout=2_000)
    # Details: analysis facts and the history, for the selected job.
    window.tabs.setCurrentIndex(2)
    window.completed_view.selectRow(0)
    assert "320x240" in window.details.facts.text()
    assert f"Server video id: {job.video_id}" in window.details.result.text()
    qtbot.waitUntil(lambda: "→ Done" in window.details.history.toPlainText(), timeout=10_000)
    assert not window.dialogs.opened  # nothing went wrong, nothing popped up
    # ...but the desktop is told the batch is done.
    qtbot.waitUntil(lambda: ("Uploads finished", "1 uploaded") in window.attention.tray.history,
                    timeout=10_000)


def test_corrupt_files_fail_with_their_code_and_one_plain_text_dialog(
        make_window, qtbot, tmp_path, corrupt_video):
    # File names are file-provided text: markup in them must be shown literally.
    # (no "/" in a file name, so no closing tags: an opening <b> is enough to embolden)
    hostile = [tmp_path / "<b>bold take.mp4", tmp_path / '<img src="x.png"> take.mp4']
    for path in hostile:
        shutil.copy(corrupt_video, path)
    window = make_window()
    drop(window, hostile)
    qtbot.waitUntil(lambda: all_finished(window, 2), timeout=120_000)
    failed = rows(window, Tab.FAILED)
    assert sorted(r["File"] for r in failed) == sorted(p.name for p in hostile)
    assert {r["Code"] for r in failed} == {"VIDEO_CORRUPTED"}
    assert all(r["Message"] for r in failed)
    qtbot.waitUntil(lambda: window.tabs.tabText(1) == "Failed (2)", timeout=2_000)
    errors = window.dialogs.of_type(ErrorDialog)
    assert len(errors) == 1, "one dialog per cause, not one per file"
    dialog = errors[0]
    assert dialog.more_label.text().startswith("1 more file failed for the same reason")
    assert dialog.file_label.text() in {p.name for p in hostile}
    assert "<" in dialog.file_label.text()  # literally, not rendered away
    assert all(lb.textFormat() == Qt.TextFormat.PlainText for lb in dialog.findChildren(QLabel))
    assert dialog.code_label.text() == "Error code: VIDEO_CORRUPTED"
    dialog.reject()


def test_details_pane_follows_the_selected_job_to_done(make_window, qtbot, server, sample_video):
    """Row changes are signalled only for the job the details pane shows: that job's
    pane still follows it through every stage to Done."""
    window = make_window()
    drop(window, [sample_video])
    qtbot.waitUntil(lambda: window.rows.models[Tab.QUEUE].rowCount() == 1, timeout=10_000)
    window.queue_view.selectRow(0)
    job_id = window.rows.models[Tab.QUEUE].job_id(0)
    assert window.details.job_id == job_id
    qtbot.waitUntil(lambda: all_finished(window, 1), timeout=120_000)
    done = STATE_LABELS[JobState.DONE]
    qtbot.waitUntil(lambda: window.details.title.text().endswith(done), timeout=5_000)
    assert window.details.title.text() == f"{sample_video.name} — {done}"


@pytest.mark.slow
def test_five_thousand_files_dropped_at_once_end_as_five_thousand_rows(
        make_window, qtbot, tmp_path, sample_video):
    """A large drop is added in slices and handled over many event-loop turns: it still
    ends as every file's row, in order, with one summary line and the right tab count."""
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(5000):
        (folder / f"clip{i:05d}.mp4").hardlink_to(sample_video)
    for i in range(3):
        (folder / f"notes{i}.txt").write_text("shot list")
    window = make_window()
    drop(window, [folder])
    qtbot.waitUntil(lambda: "added" in window.status.summary_label.text(), timeout=60_000)
    assert window.status.summary_label.text() == "5000 added, 3 skipped: not video files"
    window.manager.pause()  # the first jobs may be done by now; the rest stay where they are
    qtbot.waitUntil(lambda: not window.events_pending(), timeout=10_000)
    tabs = (Tab.QUEUE, Tab.FAILED, Tab.COMPLETED)
    names = sorted(r["File"] for tab in tabs for r in rows(window, tab))
    assert names == [f"clip{i:05d}.mp4" for i in range(5000)]
    queued = [r["File"] for r in rows(window, Tab.QUEUE)]
    assert queued == sorted(queued), "the queue keeps the drop's order"

    def labels() -> list[str]:
        return [window.tabs.tabText(i) for i in range(3)]

    qtbot.waitUntil(lambda: labels() == [f"{name} ({window.rows.models[tab].rowCount()})"
                                         for name, tab in zip(("Queue", "Failed", "Completed"),
                                                              tabs, strict=True)],
                    timeout=5_000)


def test_choosing_another_file_in_the_error_dialog_finishes_the_job(
        make_window, qtbot, dialogs, tmp_path, corrupt_video, sample_video):
    """The dialog that pops up for a failure acts on the job it stands for: "Choose
    another file…" points the job at the new file, and it goes through to Done."""
    from desktop_app.gui.dialogs.error import ACTION_RESELECT

    broken = tmp_path / "take 7.mp4"
    shutil.copy(corrupt_video, broken)
    fixed = tmp_path / "take 7 (copied again).mp4"
    shutil.copy(sample_video, fixed)
    dialogs.reselect_path = str(fixed)
    window = make_window()
    drop(window, [broken])
    qtbot.waitUntil(lambda: len(window.dialogs.of_type(ErrorDialog)) == 1, timeout=120_000)
    dialog = window.dialogs.of_type(ErrorDialog)[0]
    dialog.action_buttons[ACTION_RESELECT].click()
    qtbot.waitUntil(lambda: all_finished(window, 1)
                    and row_for(window, fixed.name) is not None, timeout=120_000)
    assert [r["File"] for t in Tab for r in rows(window, t)] == [fixed.name]  # one row
    tab, row = row_for(window, fixed.name)
    assert tab is Tab.COMPLETED and row["Stage"] == "Done"
