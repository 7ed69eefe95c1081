"""The selected job: thumbnail, analysis, timeline strip, event history, result ids."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from desktop_app import locale_format
from desktop_app.errors import shown_message
from desktop_app.gui import plain
from desktop_app.gui.models import analysis_view as av
from desktop_app.gui.models import formatting as fmt
from desktop_app.gui.widgets.timeline import TimelineStrip
from desktop_app.i18n import N_, _
from desktop_app.jobs.model import Job, JobState

THUMB_W, THUMB_H = 192, 108


# The store's event kinds (jobs/store.py), as the history says them.
_KINDS = {"added": N_("added"), "state": N_("state"), "attempt": N_("failed attempt")}


def _state(value: object) -> str:
    """A stored state value ("waiting_retry") as its label, in the user's language."""
    if not value:
        return ""
    try:
        return fmt.state_label(JobState(str(value)))
    except ValueError:
        return str(value)


def history_lines(history: list[dict[str, Any]]) -> list[str]:
    """One line per event: time, what happened, and for attempts the code and delay."""
    lines = []
    for ev in history:
        ts = ev.get("time") or ev.get("ts") or ev.get("at")
        when = fmt.time_of_day(ts) if isinstance(ts, (int, float)) else str(ts or "")
        kind = str(ev.get("kind") or ev.get("event") or "")
        parts = [when, _(_KINDS[kind]) if kind in _KINDS else kind]
        src, dst = _state(ev.get("from_state")), _state(ev.get("to_state"))
        if dst:
            parts.append(f"{src} → {dst}" if src else dst)
        if ev.get("attempt") is not None and kind == "attempt":
            parts.append(_("attempt {n}").format(n=ev["attempt"]))
        if ev.get("error_code"):
            parts.append(str(ev["error_code"]))
        if isinstance(ev.get("delay_s"), (int, float)):
            parts.append(_("retry in {seconds} s").format(
                seconds=locale_format.number(ev["delay_s"], 1)))
        if ev.get("request_id"):
            parts.append(_("request {request_id}").format(request_id=ev["request_id"]))
        if ev.get("detail") and kind != "attempt":
            parts.append(str(ev["detail"]))
        lines.append("  ".join(p for p in parts if p))
    return lines


class DetailsPane(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(_("Job details"))
        self.setAccessibleDescription(_("The selected job: analysis, timeline, history"))
        self.job_id: str | None = None
        self._history: list[dict[str, Any]] = []
        self.thumb = QLabel()
        self.thumb.setFixedSize(THUMB_W, THUMB_H)
        self.thumb.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.thumb.setAccessibleName(_("Thumbnail"))
        self.thumb.setFrameShape(QLabel.Shape.StyledPanel)
        self.title = plain.label(_("Select a job to see its details."), bold=True,
                                 name=_("Selected file"))
        self.facts = plain.label("", name=_("Analysis"))
        self.result = plain.label("", name=_("Result"))
        self.timeline = TimelineStrip()
        self.history = QPlainTextEdit()
        self.history.setReadOnly(True)
        self.history.setAccessibleName(_("Event history"))
        self.history.setAccessibleDescription(_("Each attempt with time, code, delay"))
        self.history.setPlaceholderText(_("Event history: each attempt with time, code, delay"))
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
        self.title.setText(_("Select a job to see its details."))
        self.facts.setText("")
        self.result.setText("")
        self.thumb.setText(_("no thumbnail"))
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
        plain.set_text(self.title, f"{job.file_name} — {fmt.state_label(job.state)}")
        lines = av.summary_lines(job.analysis) or [
            _("{size}; not analysed yet").format(size=fmt.size(job.size))]
        plain.set_text(self.facts, "\n".join(lines))
        result = []
        if job.video_id:
            result.append(_("Server video id: {video_id}").format(video_id=job.video_id))
        if job.sha256:
            result.append(f"sha256: {job.sha256}")
        if job.failure is not None:
            f = job.failure
            result.append(f"{shown_message(f.message, f.error_code)} ({f.error_code})")
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
            self.thumb.setText(_("no thumbnail"))
            return
        self.thumb.setPixmap(pix.scaled(THUMB_W, THUMB_H, Qt.AspectRatioMode.KeepAspectRatio,
                                        Qt.TransformationMode.SmoothTransformation))
