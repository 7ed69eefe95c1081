"""The give-up clock and the waits that end on it: nothing waits for ever (issue 13, item 3)."""

from __future__ import annotations

import threading

from desktop_app.jobs.giveup import STALL_MARGIN_S, ProgressClock
from desktop_app.jobs.lifecycle import Lifecycle
from desktop_app.jobs.model import Job
from desktop_app.jobs.store import JobStore


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_deadline_counts_from_the_last_progress_and_activity_is_not_progress():
    clock = Clock()
    progress = ProgressClock(300, clock=clock)
    clock.now += 299
    assert not progress.expired() and progress.seconds_left() == 1
    progress.activity()  # bytes handed to a socket, a server answering: not progress
    clock.now += 1
    assert progress.expired()
    progress.progress()  # bytes stored, a stage done
    assert not progress.expired() and progress.seconds_left() == 300


def test_no_deadline_means_never_but_a_stall_still_ends_a_wait():
    clock = Clock()
    never = ProgressClock(None, clock=clock)
    clock.now += 10 ** 6
    assert not never.expired() and never.seconds_left() is None
    assert never.stalled()  # the window never gives up; a wait for jobs still ends
    cli = ProgressClock(300, clock=clock)
    clock.now += 300 + STALL_MARGIN_S - 1
    cli.activity()
    clock.now += 2
    assert cli.expired() and not cli.stalled()  # a slow upload is not stuck
    clock.now += 300 + STALL_MARGIN_S
    assert cli.stalled()


def test_wait_finished_ends_when_nothing_moves_any_more(tmp_path):
    store = JobStore(tmp_path / "j.db")
    job = store.add(Job(job_id="", path="/v/a.mp4", size=1, mtime_ns=1, server_url="s"))
    life = Lifecycle(store, None, runner="me")
    stalled = threading.Event()
    threading.Timer(0.3, stalled.set).start()
    # a job nobody runs any more: without the stall check this would wait for ever
    assert life.wait_finished([job.job_id], stalled=stalled.is_set) is False
    assert life.unfinished([job.job_id]) == [job.job_id]
