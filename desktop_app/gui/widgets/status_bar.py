"""Status bar: connection state (with the breaker's next probe and Retry now),
throughput, jobs left, and the last "N added, M skipped" summary."""

from __future__ import annotations

import time

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QPushButton, QStatusBar, QWidget

from desktop_app.gui import plain
from desktop_app.gui.models import formatting as fmt
from desktop_app.gui.models.job_rows import Tally
from desktop_app.jobs.model import ConnectionChanged, ConnectionState


class StatusBar(QStatusBar):
    retry_now = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.connection = ConnectionChanged(ConnectionState.ONLINE)
        self.last_unavailable: ConnectionChanged | None = None
        self.start_error = ""
        self.ready = False
        self.connection_label = QLabel()
        plain.set_text(self.connection_label, "Starting…")  # it may show a server's text
        self.connection_label.setAccessibleName("Connection")
        self.retry_button = QPushButton("Retry now")
        self.retry_button.setAccessibleName("Retry now")
        self.retry_button.setToolTip("Try the server again now instead of waiting")
        self.retry_button.setVisible(False)
        self.retry_button.clicked.connect(self.retry_now)
        self.summary_label = plain.label("", name="Last added", selectable=False)
        self.summary_label.setContentsMargins(16, 0, 0, 0)
        self.work_label = QLabel()
        self.work_label.setAccessibleName("Throughput and jobs left")
        self.addWidget(self.connection_label)
        self.addWidget(self.retry_button)
        self.addWidget(self.summary_label, 1)
        self.addPermanentWidget(self.work_label)

    def set_ready(self, server_url: str) -> None:
        self.ready = True
        self.connection_label.setToolTip(plain.tooltip(server_url))
        self.refresh()

    def set_starting_failed(self, text: str) -> None:
        self.start_error = text
        plain.set_text(self.connection_label, text)

    def set_connection(self, ev: ConnectionChanged) -> None:
        self.connection = ev
        if ev.state is ConnectionState.UNAVAILABLE and ev.next_probe_at is not None:
            self.last_unavailable = ev
        self.refresh()

    def set_summary(self, text: str) -> None:
        plain.set_text(self.summary_label, text)

    def set_work(self, uploading: int, rate: float, left: int) -> None:
        parts = []
        if uploading:
            parts.append(f"{uploading} uploading")
        if rate > 0:
            parts.append(fmt.speed(rate))
        parts.append(f"{left} left" if left else "nothing left to do")
        plain.set_text(self.work_label, ", ".join(parts))

    def connection_text(self) -> str:
        if not self.ready:
            return self.start_error or "Starting…"
        ev = self.connection
        if ev.state is ConnectionState.UNAVAILABLE:
            # an outage is a wait, not a failure: uploads continue once the server answers
            text = "Waiting for the server"
            if ev.next_probe_at is not None:
                left = int(round(ev.next_probe_at - time.time()))
                text += f" — next try in {left} s" if left > 0 else " — trying now"
            return text
        if ev.state is ConnectionState.RETRYING:
            return "Retrying — the server had a problem"
        return "Online"

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
        self.set_work(t.uploading, t.rate, t.left)

    def refresh(self) -> None:
        """Called once a second too, for the probe countdown."""
        plain.set_text(self.connection_label, self.connection_text())
        self.retry_button.setVisible(
            self.ready and self.connection.state is ConnectionState.UNAVAILABLE)
