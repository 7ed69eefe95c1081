"""The queue's table models and the event bridge: what keeps 5,000 rows smooth."""

from __future__ import annotations

import dataclasses
import threading
import time

from desktop_app.gui.models.columns import Col, Tab
from desktop_app.gui.models.job_rows import JobRows
from desktop_app.gui.threads.bridge import EventBridge
from desktop_app.jobs.model import (
    FailureRecord,
    Job,
    JobAdded,
    JobAttempt,
    JobChanged,
    JobProgress,
    JobState,
    Stage,
)


def _jobs(n: int) -> list[Job]:
    return [Job(f"j{i:05d}", f"/card/clip{i:05d}.mp4", 2_000_000, 0, "k") for i in range(n)]


def _text(rows: JobRows, tab: Tab, row: int, col: Col) -> str:
    model = rows.models[tab]
    return model.index(row, model.columns.index(col)).data()


def test_five_thousand_jobs_arrive_as_one_insert(qapp):
    rows = JobRows()
    inserts: list[tuple[int, int]] = []
    rows.models[Tab.QUEUE].rowsInserted.connect(lambda _p, a, b: inserts.append((a, b)))
    rows.upsert(_jobs(5000))
    assert inserts == [(0, 4999)]
    assert rows.counts() == (5000, 0, 0)
    assert _text(rows, Tab.QUEUE, 4999, Col.FILE) == "clip04999.mp4"
    assert _text(rows, Tab.QUEUE, 0, Col.SIZE) == "2.0 MB"


def test_state_changes_move_rows_between_tabs_and_stale_snapshots_are_ignored(qapp):
    rows = JobRows()
    jobs = _jobs(3)
    rows.upsert(jobs)
    failed = dataclasses.replace(
        jobs[1], state=JobState.FAILED, updated_at=jobs[1].updated_at + 1,
        failure=FailureRecord("analyse", "VIDEO_CORRUPTED", "This video is damaged.", "Copy it again.",
                              "no moov", request_id="r-1", attempts=1))
    done = dataclasses.replace(jobs[2], state=JobState.DONE, video_id="v9",
                               updated_at=jobs[2].updated_at + 1)
    rows.upsert([failed, done])
    assert rows.counts() == (1, 1, 1)
    assert _text(rows, Tab.FAILED, 0, Col.CODE) == "VIDEO_CORRUPTED"
    assert _text(rows, Tab.FAILED, 0, Col.MESSAGE) == "This video is damaged."
    assert _text(rows, Tab.FAILED, 0, Col.REQUEST_ID) == "r-1"
    assert _text(rows, Tab.COMPLETED, 0, Col.STATUS) == "Stored as video v9"
    rows.upsert([jobs[1]])  # the add-time snapshot arriving late must not undo the failure
    assert rows.counts() == (1, 1, 1)


def test_retry_countdown_and_upload_progress_texts(qapp):
    rows = JobRows()
    job = _jobs(1)[0]
    rows.upsert([job])
    waiting = dataclasses.replace(job, state=JobState.WAITING_RETRY, stage=Stage.UPLOAD,
                                  updated_at=job.updated_at + 1)
    rows.upsert([waiting])
    rows.set_attempt(JobAttempt(job.job_id, 1, 5, "SERVICE_UNAVAILABLE", 4.0, "r-2",
                                time=time.time()))
    assert _text(rows, Tab.QUEUE, 0, Col.STAGE) == "Waiting to retry (attempt 2 of 5, next in 4 s)"
    assert "SERVICE_UNAVAILABLE" in _text(rows, Tab.QUEUE, 0, Col.STATUS)
    uploading = dataclasses.replace(job, state=JobState.UPLOADING, stage=Stage.UPLOAD,
                                    updated_at=job.updated_at + 2)
    rows.upsert([uploading])
    rows.set_progress({job.job_id: JobProgress(job.job_id, Stage.UPLOAD, 500_000, 2_000_000,
                                               48e6, 14.0)})
    assert _text(rows, Tab.QUEUE, 0, Col.STAGE) == "Uploading (25 %)"
    assert _text(rows, Tab.QUEUE, 0, Col.SPEED) == "48.0 MB/s"
    assert _text(rows, Tab.QUEUE, 0, Col.ETA) == "0:14"


def test_bridge_batches_events_and_coalesces_progress_from_worker_threads(qtbot):
    bridge = EventBridge()
    batches: list[list] = []
    progress: list[dict] = []
    bridge.events.connect(batches.append)
    bridge.progress.connect(progress.append)
    jobs = _jobs(2000)

    def worker() -> None:
        for job in jobs:
            bridge.post(JobAdded(job))
        for i in range(1000):  # far faster than 10 Hz
            bridge.post(JobProgress(jobs[0].job_id, Stage.UPLOAD, i, 1000, 1.0, None))
        bridge.post(JobChanged(jobs[0]))

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    qtbot.waitUntil(lambda: sum(len(b) for b in batches) == 2001 and bool(progress),
                    timeout=5000)
    assert len(batches) < 50, "events arrive in batches, not one signal each"
    assert [e.job.job_id for b in batches for e in b][:2000] == [j.job_id for j in jobs]
    assert len(progress) <= 2 and progress[-1][f"{jobs[0].job_id}/upload"].done == 999
    bridge.stop()


def test_status_bar_tallies_follow_state_changes_and_removals(qapp):
    """The once-a-second tally is kept up to date by upsert/remove (no pass over 5,000
    rows): jobs left, in flight, waiting for the server and the upload rate it shows."""
    rows = JobRows()
    jobs = _jobs(6)
    rows.upsert(jobs)
    t = rows.tick()
    assert (t.left, t.in_flight, t.uploading, t.waiting_server) == (6, 6, 0, 0)

    def moved(job: Job, state: JobState, stage: Stage = Stage.UPLOAD) -> Job:
        return dataclasses.replace(job, state=state, stage=stage,
                                   updated_at=job.updated_at + 1)

    up, paused, server, done = (moved(jobs[0], JobState.UPLOADING), moved(jobs[1], JobState.PAUSED),
                                moved(jobs[2], JobState.WAITING_SERVER), moved(jobs[3], JobState.DONE))
    rows.upsert([up, paused, server, done])
    rows.set_progress({up.job_id: JobProgress(up.job_id, Stage.UPLOAD, 500, 1000, 2e6, 1.0)})
    t = rows.tick()
    assert (t.left, t.in_flight, t.uploading, t.waiting_server) == (5, 3, 1, 1)
    assert t.rate == 2e6
    rows.upsert([moved(up, JobState.DONE)])
    rows.remove(paused.job_id)
    t = rows.tick()
    assert (t.left, t.in_flight, t.uploading, t.waiting_server, t.rate) == (3, 2, 0, 1, 0.0)


def test_a_painted_cell_gets_its_text_and_alignment(qapp):
    """A view paints a cell from the model's stored items (no Python call per cell):
    text and alignment arrive intact, and an empty cell paints empty."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem

    rows = JobRows()
    rows.upsert(_jobs(3))
    model = rows.models[Tab.QUEUE]
    for col, text in ((Col.FILE, "clip00002.mp4"), (Col.SIZE, "2.0 MB")):
        option = QStyleOptionViewItem()
        QStyledItemDelegate().initStyleOption(option, model.index(2, model.columns.index(col)))
        assert option.text == text
    assert option.displayAlignment & Qt.AlignmentFlag.AlignRight
    option = QStyleOptionViewItem()
    QStyledItemDelegate().initStyleOption(option, model.index(2, model.columns.index(Col.ETA)))
    assert option.text == ""


def test_progress_cell_shows_a_bar_picture_and_keeps_its_text_for_screen_readers(qapp):
    """The bar is the cell's pixmap (no Python delegate per painted row); the percent
    stays readable by screen readers and in the tooltip, and the bar goes when the
    job stops moving."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QPixmap

    rows = JobRows()
    job = _jobs(1)[0]
    rows.upsert([job])
    model = rows.models[Tab.QUEUE]
    cell = model.index(0, model.columns.index(Col.PROGRESS))
    assert cell.data(Qt.ItemDataRole.DecorationRole) is None
    uploading = dataclasses.replace(job, state=JobState.UPLOADING, stage=Stage.UPLOAD,
                                    updated_at=job.updated_at + 1)
    rows.upsert([uploading])
    rows.set_progress({job.job_id: JobProgress(job.job_id, Stage.UPLOAD, 500_000, 2_000_000,
                                               48e6, 14.0)})
    bar = cell.data(Qt.ItemDataRole.DecorationRole)
    assert isinstance(bar, QPixmap) and not bar.isNull()
    assert cell.data(Qt.ItemDataRole.AccessibleTextRole) == "25 %"
    assert cell.data(Qt.ItemDataRole.ToolTipRole) == "25 %"
    paused = dataclasses.replace(uploading, state=JobState.PAUSED, updated_at=job.updated_at + 2)
    rows.upsert([paused])
    assert cell.data(Qt.ItemDataRole.DecorationRole) is None


def test_rows_stay_matched_to_their_jobs_as_finished_jobs_leave_the_queue(qapp):
    """Finished jobs leave the queue one by one (the row index is then found by scanning,
    and rebuilt after many lookups): every remaining row still shows its own job and
    changes land on the right row."""
    rows = JobRows()
    jobs = _jobs(300)
    rows.upsert(jobs)
    gone = jobs[::3]
    for job in gone:  # one batch per finished job, as the events arrive
        rows.upsert([dataclasses.replace(job, state=JobState.DONE, updated_at=job.updated_at + 1)])
    left = [j for j in jobs if j not in gone]
    paused = [dataclasses.replace(j, state=JobState.PAUSED, updated_at=j.updated_at + 1)
              for j in left[::-1]]  # > 64 lookups after the last removal
    rows.upsert(paused)
    model = rows.models[Tab.QUEUE]
    assert [model.job_id(r) for r in range(model.rowCount())] == [j.job_id for j in left]
    for r, job in enumerate(left):
        assert _text(rows, Tab.QUEUE, r, Col.FILE) == job.path.rsplit("/", 1)[1]
        assert _text(rows, Tab.QUEUE, r, Col.STAGE) == "Paused"
        assert model.row_of(job.job_id) == r
    assert rows.counts() == (200, 0, 100)


def test_a_job_that_changes_tabs_twice_in_one_batch_shows_in_one_tab_only(qapp):
    """Events pile up while the window is busy, so one batch can carry a job's whole
    run: added and done, or re-selected (Failed -> Queue) and done. It ends as one row,
    in the tab of its last state."""
    rows = JobRows()
    failed, fresh = _jobs(2)

    def moved(job: Job, state: JobState, n: int) -> Job:
        return dataclasses.replace(job, state=state, updated_at=job.updated_at + n)

    rows.upsert([moved(failed, JobState.FAILED, 1)])
    rows.upsert([moved(failed, JobState.QUEUED, 2), moved(failed, JobState.ANALYZING, 3),
                 moved(failed, JobState.DONE, 4),
                 fresh, moved(fresh, JobState.UPLOADING, 1), moved(fresh, JobState.DONE, 2)])
    shown = {tab: [rows.models[tab].job_id(r) for r in range(rows.models[tab].rowCount())]
             for tab in Tab}
    assert shown == {Tab.QUEUE: [], Tab.FAILED: [], Tab.COMPLETED: [failed.job_id, fresh.job_id]}
    assert rows.counts() == (0, 0, 2)
