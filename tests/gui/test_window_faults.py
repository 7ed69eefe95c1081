"""Faults as the user sees them: row states while it heals, one dialog per cause,
the status bar when the server is down, and nothing lost across a restart."""

from __future__ import annotations

import re
import shutil

import pytest
from PySide6.QtCore import QModelIndex

from desktop_app.gui.dialogs.sign_in import SignInDialog
from desktop_app.gui.models.columns import Col, Tab
from desktop_app.jobs.model import JobState
from desktop_app.settings import Settings
from tests.gui.helpers import all_finished, drop, rows, states


class StageTexts:
    """Every Stage text the user could have seen for the queue, as it changed."""

    def __init__(self, window) -> None:
        self.seen: list[str] = []
        self.model = window.rows.models[Tab.QUEUE]
        col = self.model.columns.index(Col.STAGE)

        def record(top: QModelIndex, bottom: QModelIndex, *_: object) -> None:
            for r in range(top.row(), bottom.row() + 1):
                self.seen.append(self.model.index(r, col).data())

        self.model.dataChanged.connect(record)
        self.model.rowsInserted.connect(lambda _p, a, b: record(self.model.index(a, 0),
                                                                self.model.index(b, 0)))


def test_injected_503s_show_as_retry_row_state_then_done(make_window, qtbot, server, sample_video):
    server.inject_fault("POST", "/sessions/*/videos", status=503, error_code="SERVICE_UNAVAILABLE",
                        retry_after=1, count=2)
    window = make_window()
    texts = StageTexts(window)
    drop(window, [sample_video])
    qtbot.waitUntil(lambda: all_finished(window, 1), timeout=120_000)
    waiting = [t for t in texts.seen if t.startswith("Waiting to retry")]
    assert any(re.fullmatch(r"Waiting to retry \(attempt 2 of [345], next in \d+ s\)", t)
               for t in waiting), texts.seen
    assert any(t.startswith("Waiting to retry (attempt 3 of") for t in waiting), texts.seen
    assert next(iter(states(window).values())) is JobState.DONE
    assert not window.dialogs.opened, "errors that heal are row states, not dialogs"


def test_retry_from_failed_panel_after_fault_cleared(make_window, qtbot, server, sample_video):
    server.inject_fault("POST", "/sessions/*/videos", status=500, error_code="INTERNAL_ERROR",
                        count=50)
    window = make_window()
    drop(window, [sample_video])
    qtbot.waitUntil(lambda: all_finished(window, 1), timeout=120_000)
    failed = rows(window, Tab.FAILED)
    assert [r["Code"] for r in failed] == ["INTERNAL_ERROR"]
    assert failed[0]["Failed in"] == "upload" and failed[0]["Request id"]
    for d in window.dialogs.opened:
        d.reject()
    server.clear_faults()
    panel = window.failed_panel
    window.tabs.setCurrentWidget(panel)
    panel.view.selectRow(0)
    assert panel.buttons["retry"].isEnabled()
    panel.buttons["retry"].click()
    qtbot.waitUntil(lambda: window.tabs.tabText(2) == "Completed (1)", timeout=120_000)
    assert rows(window, Tab.FAILED) == []
    qtbot.waitUntil(lambda: window.tabs.tabText(1) == "Failed (0)", timeout=2_000)
    # The history keeps the failed attempt and the retry.
    window.tabs.setCurrentIndex(2)
    window.completed_view.selectRow(0)
    qtbot.waitUntil(lambda: "retry" in window.details.history.toPlainText(), timeout=10_000)
    assert "INTERNAL_ERROR" in window.details.history.toPlainText()


@pytest.mark.slow
def test_breaker_open_shows_in_status_bar_and_retry_now_recovers(
        make_window, qtbot, server, sample_video, tmp_path):
    server.inject_fault("POST", "/sessions/*/videos", status=503, error_code="SERVICE_UNAVAILABLE",
                        retry_after=1, count=1000)
    videos = [tmp_path / f"take{i}.mp4" for i in range(2)]
    for v in videos:
        shutil.copy(sample_video, v)
    window = make_window()
    drop(window, videos)
    status = window.status
    qtbot.waitUntil(lambda: "Waiting for the server" in status.connection_label.text(),
                    timeout=90_000)
    assert re.fullmatch(r"Waiting for the server( — next try in \d+ s| — trying now)?",
                        status.connection_label.text())
    assert status.retry_button.isVisible()
    assert any(title == "Server unavailable" for title, _ in window.attention.tray.history)
    server.clear_faults()
    status.retry_button.click()  # the waiting jobs go on (none failed: they waited)
    qtbot.waitUntil(lambda: all_finished(window, 2) and
                    set(states(window).values()) == {JobState.DONE}, timeout=90_000)
    qtbot.waitUntil(lambda: status.connection_label.text() == "Online", timeout=10_000)
    assert not status.retry_button.isVisible()


@pytest.mark.slow
def test_expired_sign_in_with_twenty_jobs_asks_once_and_resumes(
        make_window, qtbot, server, video_factory):
    videos = [video_factory(f"tiny{i:02d}.mp4", seconds=0.4 + i * 0.04, size=(96, 64), fps=10)
              for i in range(20)]
    server.inject_fault("POST", "/sessions*", status=401, error_code="TOKEN_EXPIRED", count=10_000)
    server.inject_fault("POST", "/auth/refresh", status=401, error_code="TOKEN_INVALID",
                        count=10_000)
    window = make_window()
    drop(window, videos)
    qtbot.waitUntil(lambda: len(states(window)) == 20 and set(states(window).values())
                    == {JobState.WAITING_SIGN_IN}, timeout=120_000)
    dialogs = window.dialogs.of_type(SignInDialog)
    assert len(dialogs) == 1, "twenty jobs, one cause: one sign-in dialog"
    dialog = dialogs[0]
    assert dialog.isVisible() and "sign-in" in dialog.reason_label.text().lower()
    server.clear_faults()
    dialog.password_edit.setText(server.password)
    with qtbot.waitSignal(dialog.accepted, timeout=20_000):
        dialog.submit()
    qtbot.waitUntil(lambda: set(states(window).values()) == {JobState.DONE}, timeout=120_000)
    assert len(window.dialogs.of_type(SignInDialog)) == 1
    assert window.toolbar.account_button.text() == f"signed in: {server.username}"


def test_close_and_reopen_shows_the_same_jobs_in_the_same_states(
        make_window, qtbot, sample_video, corrupt_video, tmp_path):
    window = make_window()
    drop(window, [sample_video, corrupt_video])
    qtbot.waitUntil(lambda: all_finished(window, 2), timeout=120_000)
    before = states(window)
    failed_before = rows(window, Tab.FAILED)
    make_window.close(window)

    again = make_window()
    assert states(again) == before
    assert rows(again, Tab.FAILED) == failed_before  # failures persist until removed
    qtbot.waitUntil(lambda: again.tabs.tabText(1) == "Failed (1)"
                    and again.tabs.tabText(2) == "Completed (1)", timeout=2_000)
    # Remove from the panel: gone for good.
    again.failed_panel.view.selectRow(0)
    again.failed_panel.buttons["remove"].click()
    qtbot.waitUntil(lambda: len(states(again)) == 1, timeout=10_000)
    make_window.close(again)
    third = make_window()
    assert list(states(third).values()) == [JobState.DONE]


def test_closing_with_work_in_flight_asks_once_and_keeps_the_jobs(
        make_window, qtbot, dialogs, sample_video):
    # A slow link keeps the job in flight while the window closes (a paused job is not
    # in flight, and an unthrottled one may be done before the question).
    window = make_window(Settings(bandwidth_limit_kbps=4))
    drop(window, [sample_video])
    qtbot.waitUntil(lambda: len(states(window)) == 1, timeout=10_000)
    dialogs.answer_ask = False
    window.close()
    assert window.isVisible() and len(dialogs.asked) == 1
    assert "It is kept and continues the next time" in dialogs.asked[0]
    dialogs.answer_ask = True
    window.close()
    assert not window.isVisible() and len(dialogs.asked) == 2
    make_window.close(window)
    again = make_window()
    assert len(states(again)) == 1
