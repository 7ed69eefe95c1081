"""The selected job: thumbnail, analysis, timeline strip, event history, result ids."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from desktop_app.gui import plain
from desktop_app.gui.models import analysis_view as av
from desktop_app.gui.models import formatting as fmt
from desktop_app.gui.widgets.timeline import TimelineStrip
from desktop_app.jobs.model import STATE_LABELS, Job

THUMB_W, THUMB_H = 192, 108


def history_lines(history: list[dict[str, Any]]) -> list[str]:
    """One line per event: time, what happened, and for attempts the code and delay."""
    lines = []
    for ev in history:
        ts = ev.get("time") or ev.get("ts") or ev.get("at")
        when = fmt.clock(ts)[11:] if isinstance(ts, (int, float)) else str(ts or "")
        kind = str(ev.get("kind") or ev.get("event") or "")
        parts = [when, kind]
        src, dst = ev.get("from_state"), ev.get("to_state")
        if dst:
            parts.append(f"{src} → {dst}" if src else str(dst))
        if ev.get("attempt") is not None and kind == "attempt":
            parts.append(f"attempt {ev['attempt']}")
        if ev.get("error_code"):
            parts.append(str(ev["error_code"]))
        if isinstance(ev.get("delay_s"), (int, float)):
            parts.append(f"retry in {ev['delay_s']:.1f} s")
        if ev.get("request_id"):
            parts.append(f"request {ev['request_id']}")
        if ev.get("detail") and kind != "attempt":
            parts.append(str(ev["detail"]))
        lines.append("  ".join(p for p in parts if p))
    return lines


class DetailsPane(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Job details")
        self.job_id: str | None = None
        self._history: list[dict[str, Any]] = []
        self.thumb = QLabel()
        self.thumb.setFixedSize(THUMB_W, THUMB_H)
        self.thumb.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.thumb.setAccessibleName("Thumbnail")
        self.thumb.setFrameShape(QLabel.Shape.StyledPanel)
        self.title = plain.label("Select a job to see its details.", bold=True, name="Selected file")
        self.facts = plain.label("", name="Analysis")
        self.result = plain.label("", name="Result")
        self.timeline = TimelineStrip()
        self.history = QPlainTextEdit()
        self.history.setReadOnly(True)
        self.history.setAccessibleName("Event history")
        self.history.setPlaceholderText("Event history: each attempt with time, code, delay")
        self.history.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)

        middle = QVBoxLayout()
        for w in (self.title, self.facts, self.timeline, self.result):
            middle.addWidget(w)
        middle.addStretch(1)
        layout = QHBoxLayout(self)
        layout.addWidget(self.thumb, alignment=Qt.AlignmentFlag.AlignTop)
        layout.addLayout(middle, 3)
        layout.addWidget(self.history, 2)
        self.clear()

    def clear(self) -> None:
        self.job_id = None
        self.title.setText("Select a job to see its details.")
        self.facts.setText("")
        self.result.setText("")
        self.thumb.setText("no thumbnail")
        self.timeline.set_timeline(av.Timeline())
        self.history.setPlainText("")

    def history_for(self, job_id: str) -> list[dict[str, Any]]:
        """The history shown now, if it is this job's (kept while a fresh one loads)."""
        return self._history if job_id == self.job_id else []

    def set_history(self, job_id: str, history: object) -> None:
        if job_id == self.job_id and isinstance(history, list):
            self._history = history
            self.history.setPlainText("\n".join(history_lines(history)))

    def show_job(self, job: Job, history: list[dict[str, Any]]) -> None:
        changed_job = job.job_id != self.job_id
        self.job_id = job.job_id
        plain.set_text(self.title, f"{job.file_name} — {STATE_LABELS.get(job.state, job.state)}")
        lines = av.summary_lines(job.analysis) or [f"{fmt.size(job.size)}; not analysed yet"]
        plain.set_text(self.facts, "\n".join(lines))
        result = []
        if job.video_id:
            result.append(f"Server video id: {job.video_id}")
        if job.sha256:
            result.append(f"sha256: {job.sha256}")
        if job.failure is not None:
            result.append(f"{job.failure.message} ({job.failure.error_code})")
        plain.set_text(self.result, "\n".join(result))
        self.timeline.set_timeline(av.timeline(job.analysis))
        if changed_job or self.thumb.pixmap().isNull():
            self._set_thumbnail(av.thumbnail_source(job.analysis))
        self._history = history
        self.history.setPlainText("\n".join(history_lines(history)))

    def _set_thumbnail(self, source: str | bytes | None) -> None:
        pix = QPixmap()
        if isinstance(source, bytes):
            pix.loadFromData(source)
        elif source:
            pix.load(source)
        if pix.isNull():
            self.thumb.setPixmap(QPixmap())
            self.thumb.setText("no thumbnail")
            return
        self.thumb.setPixmap(pix.scaled(THUMB_W, THUMB_H, Qt.AspectRatioMode.KeepAspectRatio,
                                        Qt.TransformationMode.SmoothTransformation))
