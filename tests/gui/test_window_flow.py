"""The window over the real job manager and the real embedded backend."""

from __future__ import annotations

import hashlib
import shutil

import httpx
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from desktop_app.gui.error_dialog import ErrorDialog
from desktop_app.gui.queue_model import Tab
from desktop_app.jobs.model import JobState
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
    window.actions_.toggle_pause()  # keep the jobs put: this test is about adding them
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
    qtbot.waitUntil(lambda: "done" in window.details.history.toPlainText(), timeout=10_000)
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
    assert dialog.more_label.text().startswith("1 more file(s) failed for the same reason")
    assert dialog.file_label.text() in {p.name for p in hostile}
    assert "<" in dialog.file_label.text()  # literally, not rendered away
    assert all(lb.textFormat() == Qt.TextFormat.PlainText for lb in dialog.findChildren(QLabel))
    assert dialog.code_label.text() == "Error code: VIDEO_CORRUPTED"
    dialog.reject()
