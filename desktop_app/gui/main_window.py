"""The main window: toolbar, Queue / Failed / Completed tabs, details pane, status bar.

A thin layer that builds its parts and connects them: actions call the job manager
through ``CallQueue`` (off the GUI thread), every change arrives as manager events
through ``EventBridge`` and is handled in short turns (``EventBacklog``). Files are
dropped anywhere on the window; folders are walked off the GUI thread by ``FileIntake``.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDragLeaveEvent,
    QDragMoveEvent,
    QDropEvent,
    QKeySequence,
)
from PySide6.QtWidgets import QMainWindow, QSplitter, QTableView, QWidget

from desktop_app import APP_DISPLAY_NAME
from desktop_app.gui import plain
from desktop_app.gui.control.attention import Attention
from desktop_app.gui.control.job_actions import JobActions
from desktop_app.gui.core import Core
from desktop_app.gui.desktop import window_state
from desktop_app.gui.desktop.taskbar import TaskbarProgress
from desktop_app.gui.dialogs.factory import Dialogs
from desktop_app.gui.models.batch import BatchProgress
from desktop_app.gui.models.columns import Col, Tab
from desktop_app.gui.models.job_rows import JobRows
from desktop_app.gui.models.progress_bar import bar_width, draw_ahead
from desktop_app.gui.models.table_model import JobTableModel
from desktop_app.gui.theme.scheme import Appearance
from desktop_app.gui.threads.backlog import EventBacklog
from desktop_app.gui.threads.bridge import EventBridge
from desktop_app.gui.threads.calls import CallQueue
from desktop_app.gui.threads.intake import FileIntake, IntakeResult
from desktop_app.gui.widgets.completed_actions import UploadAgainAction
from desktop_app.gui.widgets.details_pane import DetailsPane
from desktop_app.gui.widgets.failed_panel import FailedPanel
from desktop_app.gui.widgets.job_table import make_table
from desktop_app.gui.widgets.job_tabs import JobTabs
from desktop_app.gui.widgets.status_bar import StatusBar
from desktop_app.gui.widgets.toolbar import MainAction, MainToolbar
from desktop_app.gui.wiring import freeze_long_lived
from desktop_app.i18n import _, ngettext
from desktop_app.jobs.api import JobManagerAPI
from desktop_app.jobs.model import (
    ConnectionChanged,
    Job,
    JobAdded,
    JobAttempt,
    JobChanged,
    JobRemoved,
    JobState,
    NetworkChanged,
    WatchedFolderChanged,
)
from desktop_app.settings import Settings

# A drop this large makes its jobs and rows long-lived objects for the GC (wiring).
LARGE_DROP = 500


class _IntakeJobs:
    """The intake's result, queued behind the events that announced the same jobs."""

    def __init__(self, result: IntakeResult) -> None:
        self.result = result


class MainWindow(QMainWindow):
    def __init__(self, settings: Settings, bridge: EventBridge, dialogs: Dialogs | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings  # one object, shared with the core and the job actions
        self.dialogs = dialogs or Dialogs()
        self.backend: Core | None = None
        self.rows = JobRows(self)
        self.intake = FileIntake(self)
        self.calls = CallQueue(self)
        self.backlog = EventBacklog(self._handle, self)
        self._quitting = False
        self._keyring_noted = False
        # The progress bars are drawn ahead, a few per turn, before uploads need them.
        self._bars_timer = QTimer(self)
        self._bars_timer.setInterval(0)
        self._bars_timer.timeout.connect(self._draw_bars_ahead)
        self._title_percent: int | None = None
        self.taskbar = TaskbarProgress()
        self.setWindowTitle(APP_DISPLAY_NAME)
        self.setAccessibleName(APP_DISPLAY_NAME)
        self.setAcceptDrops(True)

        queue_model = self.rows.models[Tab.QUEUE]
        self.queue_view = make_table(queue_model, _("Upload queue"),
                                     _("Every job not finished yet: stage, progress, speed, "
                                       "time left"))
        # The bars fill their column: their width follows the column's (in steps).
        self._progress_col = queue_model.columns.index(Col.PROGRESS)
        self.queue_view.horizontalHeader().sectionResized.connect(self._on_column_resized)
        for col, width in ((1, 80), (2, 290), (3, 130), (4, 90), (5, 60)):
            self.queue_view.setColumnWidth(col, width)
        self.completed_view = make_table(self.rows.models[Tab.COMPLETED], _("Completed uploads"),
                                         _("Uploads stored on the server"))
        self.completed_view.setColumnWidth(2, 150)
        self.failed_panel = FailedPanel(self.rows.models[Tab.FAILED], self.rows.job, self)
        self.tabs = JobTabs(self.queue_view, self.failed_panel, self.completed_view)
        self.details = DetailsPane()
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.tabs)
        self.splitter.addWidget(self.details)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.setCentralWidget(self.splitter)
        self.status = StatusBar(self)
        self.setStatusBar(self.status)
        self.toolbar = MainToolbar(self)
        self.addToolBar(self.toolbar)
        self.appearance = Appearance(self)
        self.appearance.changed.connect(self._restyle)

        self.job_actions = JobActions(calls=self.calls, dialogs=self.dialogs, rows=self.rows,
                                      settings=settings, window=self, add_paths=self.add_paths)
        self.attention = Attention(self.dialogs, self)
        self.upload_again = UploadAgainAction(self.completed_view, self.rows.job,
                                              self.job_actions.upload_anyway)
        self._connect_actions()
        self._add_shortcuts()

        self.rows.counts_changed.connect(self.tabs.set_counts)
        self.rows.job_updated.connect(self._on_job_updated)
        bridge.events.connect(self.backlog.add)
        bridge.progress.connect(self.rows.set_progress)
        self.intake.finished.connect(self._on_intake)
        self.calls.failed.connect(lambda err: self.status.set_summary(
            f"{err.shown_message} ({err.code})"))
        for view in (self.queue_view, self.failed_panel.view, self.completed_view):
            view.selectionModel().currentRowChanged.connect(
                lambda cur, _prev, v=view: self._on_current(v, cur.row()))
        self._ticker = QTimer(self)  # countdowns and the status bar, once a second
        self._ticker.setInterval(1000)
        self._ticker.timeout.connect(self._tick)
        self._ticker.start()
        self.resize(1100, 720)
        window_state.restore(self, self.splitter, self.tabs)

    def _connect_actions(self) -> None:
        """The toolbar, the failed panel, the status bar and attention, to what they ask."""
        a, bar = self.job_actions, self.toolbar.action_map
        for key, slot in ((MainAction.ADD_FILES, a.add_files), (MainAction.ADD_FOLDER, a.add_folder),
                          (MainAction.PAUSE, a.toggle_pause), (MainAction.RETRY_ALL, a.retry_all),
                          (MainAction.SETTINGS, a.open_settings)):
            bar[key].triggered.connect(lambda _=False, s=slot: s())
        self.tabs.drop_target.add_files.connect(a.add_files)
        self.tabs.drop_target.add_folder.connect(a.add_folder)
        self.toolbar.account_clicked.connect(lambda: a.sign_in(""))
        a.paused_changed.connect(self.toolbar.set_paused)
        a.summary.connect(self.status.set_summary)
        a.signed_in.connect(self._on_signed_in)
        panel = self.failed_panel
        panel.retry_all_requested.connect(a.retry_all)
        panel.retry_requested.connect(a.retry)
        panel.remove_requested.connect(a.remove)
        panel.reselect_requested.connect(a.reselect)
        panel.details_requested.connect(a.show_details)
        panel.bundle_requested.connect(a.export_bundle)
        self.status.retry_now.connect(a.probe_now)
        self.attention.sign_in_needed.connect(a.sign_in)
        self.attention.chosen.connect(a.act_on)

    def _add_shortcuts(self) -> None:
        quit_action = QAction(_("Quit"), self)
        quit_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Quit))
        quit_action.triggered.connect(self.close)
        self.addAction(quit_action)
        for i in range(3):  # Alt+1..3 switch tabs
            tab_action = QAction(self)
            tab_action.setShortcut(QKeySequence(f"Alt+{i + 1}"))
            tab_action.triggered.connect(lambda _=False, n=i: self.show_tab(n))
            self.addAction(tab_action)

    def show_tab(self, index: int) -> None:
        """Alt+1..3: the tab, with the keyboard in its list (or on the drop target's
        buttons while the queue is empty), so the next key acts on a job."""
        self.tabs.setCurrentIndex(index)
        page = self.tabs.currentWidget()
        target = {self.tabs.queue_page: self.tabs.queue_page.currentWidget(),
                  self.failed_panel: self.failed_panel.view}.get(page, page)
        if target is self.tabs.drop_target:
            target = self.tabs.drop_target.files_button
        if target is not None:
            target.setFocus(Qt.FocusReason.ShortcutFocusReason)
        if isinstance(target, QTableView) and target.model().rowCount() \
                and not target.selectionModel().hasSelection():
            target.selectRow(0)  # a job to act on at once (Enter, Delete...)

    # -- set-up -------------------------------------------------------------------------
    def set_backend(self, backend: Core) -> None:
        """The core is up (it starts after the window is shown)."""
        self.backend = backend
        self.job_actions.set_core(backend)
        self.attention.tray.show_icon()
        self.rows.upsert(backend.initial_jobs if backend.initial_jobs is not None
                         else backend.manager.jobs())
        self.status.set_ready(backend.server_url)
        self.toolbar.set_account(backend.username)
        self.intake.set_manager(backend.manager)
        self._bars_timer.start()
        self._tick()
        self.note_keyring()
        if not backend.username and not backend.embedded:
            self.job_actions.sign_in(
                _("Sign in to {server} to upload.").format(server=backend.server_url))

    def _draw_bars_ahead(self) -> None:
        if draw_ahead(self.rows.models[Tab.QUEUE].bar_width):
            self._bars_timer.stop()

    def _on_column_resized(self, column: int, _old: int, new: int) -> None:
        if column == self._progress_col:
            self.rows.models[Tab.QUEUE].set_bar_width(bar_width(new))
            if self.backend is not None:
                self._bars_timer.start()

    def _restyle(self) -> None:
        """The palette changed (light/dark): every kept drawing is drawn again."""
        self.rows.redraw()
        self.toolbar.restyle()
        if self.backend is not None:
            self._bars_timer.start()

    def note_keyring(self) -> None:
        """Said once: without a keyring the sign-in is not remembered after closing."""
        if self.backend is not None and self.backend.token_memory_only() \
                and not self._keyring_noted and not self.backend.embedded:
            self._keyring_noted = True
            self.status.set_summary(_("No keyring on this system: your sign-in is kept in "
                                      "memory until the app closes."))

    def _on_signed_in(self, username: str) -> None:
        self.toolbar.set_account(username)
        self.note_keyring()

    @property
    def manager(self) -> JobManagerAPI | None:
        return self.backend.manager if self.backend else None

    # -- events -------------------------------------------------------------------------
    def events_pending(self) -> bool:
        return self.backlog.pending()

    def _handle(self, batch: list) -> None:
        """One slice of the backlog, in order; consecutive job changes as one upsert."""
        jobs: list[Job] = []
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
            elif isinstance(ev, NetworkChanged):
                self.status.set_network(ev)
            elif isinstance(ev, WatchedFolderChanged):
                self.job_actions.folder_changed(ev)
            else:
                self.attention.core_event(ev)
        if jobs:
            self._upsert(jobs)

    def _upsert(self, jobs: list[Job]) -> None:
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
        self.backlog.add([_IntakeJobs(result)])

    def _on_current(self, view: QTableView, row: int) -> None:
        model = view.model()
        if row < 0 or not isinstance(model, JobTableModel):
            return
        self._show_details(model.job_id(row))

    def _on_job_updated(self, job_id: str) -> None:
        if job_id == self.details.job_id:
            self._show_details(job_id)

    def _show_details(self, job_id: str) -> None:
        job = self.rows.job(job_id)
        if job is None:
            return
        self.rows.followed = job_id  # its changes refresh the pane (_on_job_updated)
        self.details.show_job(job, self.details.history_for(job_id))
        if self.manager is not None:  # the history is read off the GUI thread
            self.calls.submit(self.manager.history, job_id,
                              on_done=lambda h: self.details.set_history(job_id, h))

    def _tick(self) -> None:
        tally = self.rows.tick()
        self.status.show_tally(tally)
        self._show_batch(tally.batch)

    def _show_batch(self, batch: BatchProgress) -> None:
        """The batch's percentage in the window title and on the task-bar icon."""
        percent = batch.percent if batch.active else None
        if percent != self._title_percent:
            self._title_percent = percent
            self.setWindowTitle(APP_DISPLAY_NAME if percent is None else plain.title(
                _("{percent} % – {app}").format(percent=percent, app=APP_DISPLAY_NAME)))
        self.taskbar.set_progress(percent)
        self.taskbar.set_badge(self.rows.counts()[1])

    # -- drag and drop ------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if event.mimeData().hasUrls():
            event.acceptProposedAction()
            self.tabs.drop_target.set_highlighted(True)

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:  # noqa: N802
        self.tabs.drop_target.set_highlighted(False)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:  # noqa: N802
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        self.tabs.drop_target.set_highlighted(False)
        files = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if files:
            event.acceptProposedAction()
            self.add_paths(files)

    def add_paths(self, paths_: list[str]) -> None:
        self.status.set_summary(ngettext("Adding {n} item…", "Adding {n} items…", len(paths_))
                                .format(n=len(paths_)))
        self.intake.submit(paths_, user_id=self.settings.default_user_id or None,
                           session_id=self.settings.default_session_id or None)

    # -- closing ------------------------------------------------------------------------
    def work_in_flight(self) -> int:
        return self.rows.tick().in_flight

    def close_without_asking(self) -> None:
        """Close now, work in flight or not (Ctrl+C, logout): every job stays in the store
        and resumes at the next start."""
        self._quitting = True
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        busy = self.work_in_flight()
        if busy and not self._quitting:
            ok = self.dialogs.ask(
                self, _("Quit while uploading?"),
                ngettext("{n} job is still in progress. It is kept and continues the next "
                         "time you open the app.",
                         "{n} jobs are still in progress. They are kept and continue the next "
                         "time you open the app.", busy).format(n=busy),
                _("Quit"), _("Keep working"))
            if not ok:
                event.ignore()
                return
        self._quitting = True
        window_state.save(self, self.splitter, self.tabs)
        self._ticker.stop()
        self._bars_timer.stop()
        self.calls.stop()
        self.attention.close()
        event.accept()
