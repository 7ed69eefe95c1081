"""The main window: toolbar, Queue / Failed / Completed tabs, details pane, status bar.

A thin layer: actions call the job manager through ``CallQueue`` (off the GUI
thread), every change arrives as manager events through ``EventBridge``. Files are dropped
anywhere on the window; folders are walked off the GUI thread by ``FileIntake``.
"""

from __future__ import annotations

import time
from collections import deque

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_app import APP_DISPLAY_NAME, paths
from desktop_app.gui.attention import Attention
from desktop_app.gui.bridge import EventBridge
from desktop_app.gui.calls import CallQueue
from desktop_app.gui.core import Core
from desktop_app.gui.details_pane import DetailsPane
from desktop_app.gui.dialogs import Dialogs
from desktop_app.gui.failed_panel import FailedPanel, make_table
from desktop_app.gui.intake import FileIntake, IntakeResult
from desktop_app.gui.job_actions import JobActions
from desktop_app.gui.progress_bar import draw_ahead
from desktop_app.gui.queue_model import JobRows, Tab
from desktop_app.gui.status_bar import StatusBar
from desktop_app.gui.toolbar import build_toolbar
from desktop_app.gui.wiring import freeze_long_lived
from desktop_app.jobs.model import (
    ConnectionChanged,
    ConnectionState,
    JobAdded,
    JobAttempt,
    JobChanged,
    JobRemoved,
    JobState,
)
from desktop_app.settings import Settings

# Events handled per event-loop turn: slices of EVENTS_PER_SLICE until TURN_BUDGET_S has
# passed. While a drop of thousands of files is being committed, other threads contend
# for the GIL and the cores; a 5,000-job batch handled in one go froze the window for
# >100 ms, and a fixed 100 per turn took 10-50 ms depending on the machine's load. A new
# row costs ~50-100 us (its cells are stored in Qt items); a wall-clock budget keeps a
# turn short however slow the machine is at the moment, and the window repaints and
# answers input between turns.
EVENTS_PER_SLICE = 25
TURN_BUDGET_S = 0.006
# A drop this large makes its jobs and rows long-lived objects for the GC (wiring).
LARGE_DROP = 500
# A tab label whose width changes relayouts the tab widget and its 5,000-row table
# (~20 ms of Qt work, far more while rows are inserted); during a large drop the counts
# change every turn, so the labels follow at most this often (and at once when idle).
COUNTS_INTERVAL_MS = 300


class _IntakeJobs:
    """The intake's result, queued behind the events that announced the same jobs."""

    def __init__(self, result: IntakeResult) -> None:
        self.result = result


class MainWindow(QMainWindow):
    def __init__(self, settings: Settings, bridge: EventBridge, dialogs: Dialogs | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.bridge = bridge
        self.dialogs = dialogs or Dialogs()
        self.backend: Core | None = None
        self.rows = JobRows(self)
        self.intake = FileIntake(self)
        self.calls = CallQueue(self)
        self._quitting = False
        self._backlog: deque = deque()  # events not yet handled, in arrival order
        # The next turn is a (0 ms) timer, not a posted call: Qt delivers calls posted
        # while it is delivering posted events in the same pass, so a backlog chained
        # with singleShot(0) ran turn, repaint, turn, repaint... with no timer or input
        # event in between (60-90 ms blocks during a large drop).
        self._backlog_timer = QTimer(self)
        self._backlog_timer.setSingleShot(True)
        self._backlog_timer.setInterval(0)
        self._backlog_timer.timeout.connect(self._handle_backlog)
        # The progress bars are drawn ahead, a few per turn, before uploads need them.
        self._bars_timer = QTimer(self)
        self._bars_timer.setInterval(0)
        self._bars_timer.timeout.connect(
            lambda: draw_ahead() and self._bars_timer.stop())
        self._counts = (0, 0, 0)
        self._counts_timer = QTimer(self)
        self._counts_timer.setSingleShot(True)
        self._counts_timer.setInterval(COUNTS_INTERVAL_MS)
        self._counts_timer.timeout.connect(self._show_counts)
        self._counts_shown_at = 0.0
        self.setWindowTitle(APP_DISPLAY_NAME)
        self.setAccessibleName(APP_DISPLAY_NAME)
        self.setAcceptDrops(True)

        self.queue_view = make_table(self.rows.models[Tab.QUEUE], "Upload queue")
        for col, width in ((1, 80), (2, 290), (3, 130), (4, 90), (5, 60)):
            self.queue_view.setColumnWidth(col, width)
        self.completed_view = make_table(self.rows.models[Tab.COMPLETED], "Completed uploads")
        self.completed_view.setColumnWidth(2, 150)
        self.failed_panel = FailedPanel(self.rows.models[Tab.FAILED], self.job, self)
        queue_page = QWidget()
        qlayout = QVBoxLayout(queue_page)
        qlayout.setContentsMargins(0, 0, 0, 0)
        qlayout.addWidget(self.queue_view)
        hint = QLabel("Drop video files or folders anywhere on this window, or press Ctrl+O.")
        hint.setEnabled(False)
        qlayout.addWidget(hint)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Job lists")
        self.tabs.addTab(queue_page, "Queue (0)")
        self.tabs.addTab(self.failed_panel, "Failed (0)")
        self.tabs.addTab(self.completed_view, "Completed (0)")
        self.details = DetailsPane()
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.tabs)
        self.splitter.addWidget(self.details)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.setCentralWidget(self.splitter)
        self.status = StatusBar(self)
        self.setStatusBar(self.status)

        self.actions_ = JobActions(self)
        self.attention = Attention(self)
        build_toolbar(self)

        self.rows.counts_changed.connect(self._on_counts)
        self.rows.job_updated.connect(self._on_job_updated)
        bridge.events.connect(self._on_events)
        bridge.progress.connect(self.rows.set_progress)
        self.intake.finished.connect(self._on_intake)
        self.status.retry_now.connect(self.actions_.probe_now)
        self.calls.failed.connect(lambda err: self.status.set_summary(f"{err.message} ({err.code})"))
        for view in (self.queue_view, self.failed_panel.view, self.completed_view):
            view.selectionModel().currentRowChanged.connect(
                lambda cur, _prev, v=view: self._on_current(v, cur.row()))
        self._ticker = QTimer(self)  # countdowns and the status bar, once a second
        self._ticker.setInterval(1000)
        self._ticker.timeout.connect(self._tick)
        self._ticker.start()
        self.resize(1100, 720)
        self._restore_geometry()

    # -- set-up -------------------------------------------------------------------------
    def set_backend(self, backend: Core) -> None:
        """The core is up (it starts after the window is shown)."""
        self.backend = backend
        self.attention.tray.show_icon()
        self.rows.upsert(backend.initial_jobs if backend.initial_jobs is not None
                         else backend.manager.jobs())
        self.status.set_ready(backend.server_url)
        self.set_account(backend.username)
        self.intake.set_manager(backend.manager)
        self._bars_timer.start()
        self._tick()
        self.note_keyring()
        if not backend.username and not backend.embedded:
            self.actions_.sign_in(f"Sign in to {backend.server_url} to upload.")

    def note_keyring(self) -> None:
        """Said once: without a keyring the sign-in is not remembered after closing."""
        if self.backend is not None and self.backend.token_memory_only() \
                and not getattr(self, "_keyring_noted", False) and not self.backend.embedded:
            self._keyring_noted = True
            self.status.set_summary("No keyring on this system: your sign-in is kept in memory "
                                    "until the app closes.")

    def set_account(self, username: str) -> None:
        self.account_button.setText(f"signed in: {username}" if username else "Sign in…")

    @property
    def manager(self):
        return self.backend.manager if self.backend else None

    def job(self, job_id: str):
        row = self.rows.rows.get(job_id)
        return row.job if row else None

    # -- events -------------------------------------------------------------------------
    def _on_events(self, batch: list) -> None:
        self._backlog.extend(batch)
        if not self._backlog_timer.isActive():  # else the next turn takes them
            self._handle_backlog()

    def _handle_backlog(self) -> None:
        """Handle queued events for about TURN_BUDGET_S; the rest on the next turns."""
        deadline = time.perf_counter() + TURN_BUDGET_S
        while self._backlog:
            n = min(EVENTS_PER_SLICE, len(self._backlog))
            self._handle([self._backlog.popleft() for _ in range(n)])
            if time.perf_counter() >= deadline:
                break
        if self._backlog:
            self._backlog_timer.start()

    def events_pending(self) -> bool:
        return bool(self._backlog)

    def _handle(self, batch: list) -> None:
        jobs = []
        for ev in batch:
            if isinstance(ev, _IntakeJobs):
                # Only rows the events have not delivered (touching 5,000 known rows
                # again would cost a repaint each).
                self._upsert(jobs)
                self._upsert([j for j in ev.result.added if j.job_id not in self.rows.rows])
                jobs = []
                self.status.set_summary(ev.result.summary())
                if len(ev.result.added) >= LARGE_DROP:
                    freeze_long_lived()  # see there: keeps full GC passes short
                continue
            if isinstance(ev, (JobAdded, JobChanged)):
                jobs.append(ev.job)
                continue
            if jobs:
                self._upsert(jobs)
                jobs = []
            if isinstance(ev, JobRemoved):
                self.rows.remove(ev.job_id)
                if self.details.job_id == ev.job_id:
                    self.details.clear()
                    self.rows.followed = None
            elif isinstance(ev, JobAttempt):
                self.rows.set_attempt(ev)
            elif isinstance(ev, ConnectionChanged):
                self.status.set_connection(ev)
            else:
                self.attention.event(ev)
        if jobs:
            self._upsert(jobs)

    def _upsert(self, jobs: list) -> None:
        if not jobs:
            return
        before = {j.job_id: self.rows.rows[j.job_id].job.state
                  for j in jobs if j.job_id in self.rows.rows}
        self.rows.upsert(jobs)
        for job in jobs:
            if job.state is JobState.FAILED and before.get(job.job_id) is not JobState.FAILED:
                self.attention.job_failed(job)

    def _on_intake(self, result: IntakeResult) -> None:
        # Queued behind the JobAdded events for the same jobs: it adds only the rows they
        # did not deliver, and the summary line shows once the rows are there.
        self._on_events([_IntakeJobs(result)])

    def _on_counts(self, queue: int, failed: int, completed: int) -> None:
        self._counts = (queue, failed, completed)
        if self._counts_timer.isActive():
            return
        wait_ms = COUNTS_INTERVAL_MS - (time.monotonic() - self._counts_shown_at) * 1000
        if wait_ms <= 0:
            self._show_counts()
        else:
            self._counts_timer.start(int(wait_ms) + 1)

    def _show_counts(self) -> None:
        self._counts_shown_at = time.monotonic()
        for i, (name, n) in enumerate(zip(("Queue", "Failed", "Completed"), self._counts,
                                          strict=True)):
            text = f"{name} ({n})"
            if self.tabs.tabText(i) != text:
                self.tabs.setTabText(i, text)

    def _on_current(self, view, row: int) -> None:
        if row < 0:
            return
        self._show_details(view.model().job_id(row))

    def _on_job_updated(self, job_id: str) -> None:
        if job_id == self.details.job_id:
            self._show_details(job_id)

    def _show_details(self, job_id: str) -> None:
        job = self.job(job_id)
        if job is None:
            return
        self.rows.followed = job_id  # its changes refresh the pane (_on_job_updated)
        self.details.show_job(job, self.details.history_for(job_id))
        if self.manager is not None:  # the history is read off the GUI thread
            self.calls.submit(self.manager.history, job_id,
                              on_done=lambda h, jid=job_id: self.details.set_history(jid, h))

    def _tick(self) -> None:
        t = self.rows.tick()
        # The manager reports "retrying" once, on the first failed attempt, and "online"
        # only on a breaker change; what the user should see follows the rows.
        # Rows held back by the breaker mean "unavailable" whatever came last.
        state = self.status.connection.state
        if t.waiting_server and state is not ConnectionState.UNAVAILABLE:
            self.status.set_connection(self.status.last_unavailable
                                       or ConnectionChanged(ConnectionState.UNAVAILABLE))
        elif state is ConnectionState.RETRYING and not t.waiting_retry:
            self.status.set_connection(ConnectionChanged(ConnectionState.ONLINE))
        elif state is ConnectionState.ONLINE and t.waiting_retry:
            self.status.set_connection(ConnectionChanged(ConnectionState.RETRYING))
        self.status.refresh()
        self.status.set_work(t.uploading, t.rate, t.left)

    # -- drag and drop ------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dragMoveEvent(self, event) -> None:  # noqa: N802
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        files = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if files:
            event.acceptProposedAction()
            self.add_paths(files)

    def add_paths(self, paths_: list[str]) -> None:
        self.status.set_summary(f"Adding {len(paths_)} item(s)…")
        self.intake.submit(paths_, user_id=self.settings.default_user_id or None,
                           session_id=self.settings.default_session_id or None)

    # -- closing ------------------------------------------------------------------------
    def work_in_flight(self) -> int:
        return self.rows.tick().in_flight

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        busy = self.work_in_flight()
        if busy and not self._quitting:
            ok = self.dialogs.ask(
                self, "Quit while uploading?",
                f"{busy} job(s) are still in progress. They are kept and continue the next "
                "time you open the app.", "Quit", "Keep working")
            if not ok:
                event.ignore()
                return
        self._quitting = True
        self._save_geometry()
        self._ticker.stop()
        self._bars_timer.stop()
        self.calls.stop()
        self.attention.close()
        event.accept()

    def _qsettings(self) -> QSettings:
        return QSettings(str(paths.state_dir() / "window.ini"), QSettings.Format.IniFormat)

    def _save_geometry(self) -> None:
        s = self._qsettings()
        s.setValue("geometry", self.saveGeometry())
        s.setValue("state", self.saveState())
        s.setValue("splitter", self.splitter.saveState())
        s.setValue("tab", self.tabs.currentIndex())

    def _restore_geometry(self) -> None:
        s = self._qsettings()
        for key, restore in (("geometry", self.restoreGeometry), ("state", self.restoreState),
                             ("splitter", self.splitter.restoreState)):
            value = s.value(key)
            if isinstance(value, QByteArray):
                restore(value)
        self.tabs.setCurrentIndex(int(s.value("tab", 0) or 0))
