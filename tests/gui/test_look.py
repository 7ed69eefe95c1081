"""How the window looks: state icons, bars that fill their column, the empty queue's drop
target, the batch's progress line and title, light and dark."""

from __future__ import annotations

import dataclasses
import warnings

import pytest
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragLeaveEvent, QPalette
from PySide6.QtWidgets import QApplication

from desktop_app.gui.desktop.taskbar import launcher_properties
from desktop_app.gui.models.batch import Batch, BatchProgress
from desktop_app.gui.models.columns import Col, Tab
from desktop_app.gui.models.job_rows import JobRows
from desktop_app.gui.models.progress_bar import bar_width
from desktop_app.gui.theme.colours import is_dark
from desktop_app.gui.theme.scheme import Appearance
from desktop_app.jobs.model import Job, JobProgress, JobState, Stage
from tests.gui.helpers import drop

_DECORATION = Qt.ItemDataRole.DecorationRole


def _job(i: int, state: JobState = JobState.QUEUED, size: int = 1000, t: float = 1.0) -> Job:
    job = Job(f"job{i}", f"/videos/clip{i}.mp4", size, 0, "x")
    return dataclasses.replace(job, state=state, updated_at=t)


def _picture(rows: JobRows, tab: Tab, row: int, col: Col):
    model = rows.models[tab]
    return model.index(row, model.columns.index(col)).data(_DECORATION)


@pytest.fixture
def light_again(qapp):
    """Tests that switch the scheme leave the application light, as they found it."""
    palette = QPalette(qapp.palette())
    yield
    qapp.setPalette(palette)


def test_every_state_has_its_own_icon(qapp):
    rows = JobRows()
    states = [JobState.QUEUED, JobState.UPLOADING, JobState.WAITING_RETRY, JobState.PAUSED,
              JobState.FAILED, JobState.DONE]
    rows.upsert([_job(i, s) for i, s in enumerate(states)])
    seen = []
    for i, state in enumerate(states):
        tab = {JobState.FAILED: Tab.FAILED, JobState.DONE: Tab.COMPLETED}.get(state, Tab.QUEUE)
        model = rows.models[tab]
        row = model.row_of(f"job{i}")
        pixmap = _picture(rows, tab, row, Col.FILE)
        assert not pixmap.isNull() and pixmap.deviceIndependentSize().width() == 16
        seen.append(pixmap.toImage())
    assert all(a != b for n, a in enumerate(seen) for b in seen[n + 1:])  # six different icons


def test_the_icons_are_drawn_for_the_screens_pixel_ratio(qapp):
    from desktop_app.gui.theme import icons

    one, two = icons.pixmap("state-done", 16, 1.0), icons.pixmap("state-done", 16, 2.0)
    assert (one.width(), two.width()) == (16, 32)  # crisp at 2x: drawn, not scaled up
    assert two.deviceIndependentSize() == one.deviceIndependentSize()


def test_the_progress_bar_fills_its_column_at_any_width(make_window, qtbot):
    window = make_window()
    job = _job(1, JobState.UPLOADING, size=10_000)
    window.rows.upsert([job])
    window.rows.set_progress({job.job_id: JobProgress(job.job_id, Stage.UPLOAD, 4_200, 10_000,
                                                      1e6, 1.0)})
    col = window.rows.models[Tab.QUEUE].columns.index(Col.PROGRESS)
    for width in (90, 130, 257, 400):
        window.queue_view.setColumnWidth(col, width)
        bar = _picture(window.rows, Tab.QUEUE, 0, Col.PROGRESS)
        drawn = bar.deviceIndependentSize().width()
        assert drawn == bar_width(width) and width - 16 < drawn <= width - 8, (width, drawn)


def test_the_empty_queue_shows_a_drop_target_that_lights_up_and_makes_way(
        make_window, qtbot, sample_video):
    window = make_window()
    target = window.tabs.drop_target
    assert window.tabs.queue_page.currentWidget() is target and not target.highlighted
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(sample_video))])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        enter = QDragEnterEvent(QPoint(10, 10), Qt.DropAction.CopyAction, mime,
                                Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter)
    assert target.highlighted  # dragging over the window lights the target up
    QApplication.sendEvent(window, QDragLeaveEvent())
    assert not target.highlighted
    qtbot.waitUntil(lambda: window.backend is not None, timeout=10_000)
    drop(window, [sample_video])
    qtbot.waitUntil(lambda: window.tabs.queue_page.currentWidget() is not target
                    or window.rows.models[Tab.COMPLETED].rowCount() == 1, timeout=10_000)
    qtbot.waitUntil(lambda: window.rows.models[Tab.QUEUE].rowCount() == 0, timeout=120_000)
    assert window.tabs.queue_page.currentWidget() is target  # empty again: the target is back


def test_the_batch_line_counts_files_and_bytes_and_the_title_shows_the_percentage(
        make_window):
    window = make_window()
    batch = BatchProgress(files_done=1, files_total=4, bytes_done=2_500_000,
                          bytes_total=10_000_000, rate=1_250_000, eta_s=6.0)
    window.status.set_batch(batch)
    window._show_batch(batch)
    assert window.status.work_label.text() == \
        "1 of 4 files, 2.5 MB of 10.0 MB, 1.2 MB/s, 0:06 left"
    assert window.status.batch_bar.value() == 25
    assert window.windowTitle() == "25 % – Video Uploader"
    window._show_batch(BatchProgress(files_done=4, files_total=4))
    assert window.windowTitle() == "Video Uploader"  # idle: the plain name


def test_a_batch_is_the_work_since_the_queue_was_last_idle():
    batch = Batch()
    batch.move("old", 5000, None, JobState.DONE)  # yesterday's: not part of it
    for i in range(3):
        batch.move(f"j{i}", 1000, None, JobState.QUEUED)
    batch.move("j0", 1000, JobState.QUEUED, JobState.DONE)
    batch.move("j1", 1000, JobState.QUEUED, JobState.FAILED)
    p = batch.progress(uploading_bytes=250, rate=125.0)
    assert (p.files_done, p.files_total, p.failed) == (2, 3, 1)
    assert (p.bytes_done, p.bytes_total, p.eta_s) == (1250, 2000, 6.0)  # failed bytes left out
    assert p.percent == 62 and p.active
    batch.move("j2", 1000, JobState.QUEUED, JobState.DONE)
    assert not batch.progress().active  # over
    batch.move("j9", 400, None, JobState.QUEUED)  # the next job starts a new batch
    assert (batch.progress().files_total, batch.progress().bytes_total) == (1, 400)


def test_the_launcher_entry_gets_the_percentage():
    assert launcher_properties(42) == {"progress": 0.42, "progress-visible": True}
    assert launcher_properties(None) == {"progress-visible": False}


def test_a_dark_system_scheme_darkens_the_window_and_redraws_its_pictures(
        make_window, qapp, light_again):
    window = make_window()
    window.rows.upsert([_job(1, JobState.QUEUED)])
    light_icon = _picture(window.rows, Tab.QUEUE, 0, Col.FILE).toImage()
    light_drop = window.tabs.drop_target.icon.pixmap().toImage()
    assert not is_dark(qapp.palette())
    window.appearance.follow(Qt.ColorScheme.Dark)
    assert is_dark(qapp.palette()) and window.appearance.dark
    qapp.processEvents()  # the widgets hear of the new palette
    drop_icon = window.tabs.drop_target.icon.pixmap().toImage()
    assert drop_icon != light_drop
    # Its tray is drawn in the dark palette's muted grey, light on the dark window.
    tray = drop_icon.pixelColor(drop_icon.width() // 2, int(drop_icon.height() * 0.84))
    assert tray.alpha() > 0 and tray.lightness() > 110, tray.name()
    dark_icon = _picture(window.rows, Tab.QUEUE, 0, Col.FILE).toImage()
    assert dark_icon != light_icon  # the queued clock is drawn in the dark palette's grey
    window.appearance.follow(Qt.ColorScheme.Light)
    assert not is_dark(qapp.palette())
    assert _picture(window.rows, Tab.QUEUE, 0, Col.FILE).toImage() == light_icon


def test_a_scheme_the_palette_already_matches_changes_nothing(qapp, light_again):
    appearance = Appearance()
    before = qapp.palette().cacheKey()
    appearance.follow(Qt.ColorScheme.Light)
    appearance.follow(Qt.ColorScheme.Unknown)
    assert qapp.palette().cacheKey() == before
