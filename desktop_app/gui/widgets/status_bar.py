"""Status bar: connection state (with the breaker's next probe and Retry now), the last
"N added, M skipped" summary, and the batch's overall progress: a bar and "3 of 12 files,
1.2 GB of 4.8 GB, 48 MB/s, 1:14 left" (jobs left and throughput when no batch runs). The
laptop's own network (``NetworkChanged``: offline, uploads paused on a metered connection)
comes first: while it is offline the bar says so instead of counting failed attempts."""

from __future__ import annotations

import time

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QProgressBar, QPushButton, QStatusBar, QWidget

from desktop_app.gui import plain
from desktop_app.gui.models import formatting as fmt
from desktop_app.gui.models.batch import BatchProgress
from desktop_app.gui.models.job_rows import Tally
from desktop_app.i18n import N_, _, ngettext
from desktop_app.jobs.model import ConnectionChanged, ConnectionState, NetworkChanged

OFFLINE_TEXT = N_("Offline - waiting for the network")
METERED_TEXT = N_("Uploads paused: metered connection")


class StatusBar(QStatusBar):
    retry_now = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.connection = ConnectionChanged(ConnectionState.ONLINE)
        self.last_unavailable: ConnectionChanged | None = None
        self.network = NetworkChanged(offline=False, metered=False, uploads_held=False)
        self.start_error = ""
        self.ready = False
        self.connection_label = QLabel()
        self._show(self.connection_label, _("Starting…"))  # it may show a server's text
        self.connection_label.setAccessibleName(_("Connection"))
        self.retry_button = QPushButton(_("Retry now"))
        self.retry_button.setAccessibleName(_("Retry now"))
        self.retry_button.setAccessibleDescription(_("Try the server again now instead of waiting"))
        self.retry_button.setToolTip(_("Try the server again now instead of waiting"))
        self.retry_button.setVisible(False)
        self.retry_button.clicked.connect(self.retry_now)
        self.summary_label = plain.label("", name=_("Last added"), selectable=False)
        self.summary_label.setContentsMargins(16, 0, 0, 0)
        self.batch_bar = QProgressBar()
        self.batch_bar.setRange(0, 100)
        self.batch_bar.setMaximumWidth(140)
        self.batch_bar.setMaximumHeight(self.fontMetrics().height() + 2)
        self.batch_bar.setTextVisible(False)
        self.batch_bar.setAccessibleName(_("Overall progress"))
        self.batch_bar.setVisible(False)
        self.work_label = QLabel()
        self.work_label.setAccessibleName(_("Overall progress, throughput and jobs left"))
        self.addWidget(self.connection_label)
        self.addWidget(self.retry_button)
        self.addWidget(self.summary_label, 1)
        self.addPermanentWidget(self.batch_bar)
        self.addPermanentWidget(self.work_label)

    @staticmethod
    def _show(label: QLabel, text: str) -> None:
        """The label's text, also as its accessible description: its accessible name says
        what it is ("Connection"), so a screen reader would not read the text itself."""
        plain.set_text(label, text)
        if label.accessibleDescription() != text:
            label.setAccessibleDescription(text)

    def set_ready(self, server_url: str) -> None:
        self.ready = True
        self.connection_label.setToolTip(plain.tooltip(server_url))
        self.refresh()

    def set_starting_failed(self, text: str) -> None:
        self.start_error = text
        self._show(self.connection_label, text)

    def set_connection(self, ev: ConnectionChanged) -> None:
        self.connection = ev
        if ev.state is ConnectionState.UNAVAILABLE and ev.next_probe_at is not None:
            self.last_unavailable = ev
        self.refresh()

    def set_network(self, ev: NetworkChanged) -> None:
        self.network = ev
        self.refresh()

    def network_text(self) -> str:
        """What the laptop's network means for the uploads ("" when nothing)."""
        if self.network.offline:
            return _(OFFLINE_TEXT)
        return _(METERED_TEXT) if self.network.uploads_held else ""

    def set_summary(self, text: str) -> None:
        plain.set_text(self.summary_label, text)

    def set_work(self, uploading: int, rate: float, left: int) -> None:
        parts = []
        if uploading:
            parts.append(_("{n} uploading").format(n=uploading))
        if rate > 0:
            parts.append(fmt.speed(rate))
        parts.append(_("{n} left").format(n=left) if left else _("nothing left to do"))
        self._show(self.work_label, ", ".join(parts))

    def set_batch(self, b: BatchProgress) -> None:
        """The batch's progress line (see models/batch.py)."""
        self.batch_bar.setVisible(b.active)
        if not b.active:
            return
        self.batch_bar.setValue(b.percent)
        parts = [ngettext("{done} of {total} file", "{done} of {total} files", b.files_total)
                 .format(done=b.files_done, total=b.files_total)]
        if b.bytes_total > 0:
            parts.append(_("{done} of {total}").format(done=fmt.size(b.bytes_done),
                                                        total=fmt.size(b.bytes_total)))
        if b.rate > 0:
            parts.append(fmt.speed(b.rate))
        if b.eta_s is not None:
            parts.append(_("{time} left").format(time=fmt.duration(b.eta_s)))
        if b.failed:
            parts.append(ngettext("{n} failed", "{n} failed", b.failed).format(n=b.failed))
        text = ", ".join(parts)
        self._show(self.work_label, text)
        self.batch_bar.setAccessibleDescription(f"{b.percent} %: {text}")

    def connection_text(self) -> str:
        if not self.ready:
            return self.start_error or _("Starting…")
        if network := self.network_text():
            return network
        ev = self.connection
        if ev.state is ConnectionState.UNAVAILABLE:
            # an outage is a wait, not a failure: uploads continue once the server answers
            if ev.next_probe_at is None:
                return _("Waiting for the server")
            left = int(round(ev.next_probe_at - time.time()))
            if left > 0:
                return _("Waiting for the server — next try in {seconds} s").format(seconds=left)
            return _("Waiting for the server — trying now")
        if ev.state is ConnectionState.RETRYING:
            return _("Retrying — the server had a problem")
        return _("Online")

    def show_tally(self, t: Tally) -> None:
        """Once a second: the connection as the rows show it, and the work left.

        The manager reports "retrying" once, on the first failed attempt, and "online"
        only on a breaker change; what the user should see follows the rows. Rows held
        back by the breaker mean "unavailable" whatever came last."""
        state = self.connection.state
        if t.waiting_server and state is not ConnectionState.UNAVAILABLE:
            self.set_connection(self.last_unavailable
                                or ConnectionChanged(ConnectionState.UNAVAILABLE))
        elif state is ConnectionState.RETRYING and not t.waiting_retry:
            self.set_connection(ConnectionChanged(ConnectionState.ONLINE))
        elif state is ConnectionState.ONLINE and t.waiting_retry:
            self.set_connection(ConnectionChanged(ConnectionState.RETRYING))
        self.refresh()
        self.set_batch(t.batch)
        if not t.batch.active:
            self.set_work(t.uploading, t.rate, t.left)

    def refresh(self) -> None:
        """Called once a second too, for the probe countdown."""
        self._show(self.connection_label, self.connection_text())
        self.retry_button.setVisible(
            self.ready and self.connection.state is ConnectionState.UNAVAILABLE
            and not self.network.offline)
