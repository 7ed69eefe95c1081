"""Watched folders through the real pipeline: queued once, never again after a restart,
a card's failed jobs retried when it is back."""

from __future__ import annotations

import shutil
import threading

from desktop_app.jobs.model import JobState
from desktop_app.session import job_store
from desktop_app.watch.feed import WatchFeed
from desktop_app.watch.folders import FolderWatcher, WatchedFolder
from tests.jobs.helpers import Recorder, manager_for, server_videos, session_for

S = JobState


class Fed:
    """A WatchFeed that remembers what it was handed and what it queued."""

    def __init__(self, feed: WatchFeed) -> None:
        self.feed, self.handed, self.queued = feed, set(), []
        self._cond = threading.Condition()

    def __call__(self, folder, paths):
        added = self.feed(folder, paths)
        with self._cond:
            self.handed |= set(paths)
            self.queued += [a.job.job_id for a in added if a.job is not None]
            self._cond.notify_all()
        return added

    def wait_handed(self, paths, timeout=30.0):
        with self._cond:
            assert self._cond.wait_for(lambda: self.handed >= set(paths), timeout), self.handed


def run_watch(server, store_path, folder, recorder):
    session = session_for(server)
    manager = manager_for(server, store_path, recorder, session=session)
    manager.start()
    fed = Fed(WatchFeed(manager))
    watcher = FolderWatcher(fed, settle_s=0.5, rescan_s=1.0, presence_s=0.2)
    watcher.start()
    watcher.set_folders([WatchedFolder(str(folder))])
    return session, manager, watcher, fed


def test_files_uploaded_from_a_folder_are_not_queued_again_after_a_restart(
        server, video_factory, tmp_path):
    folder = tmp_path / "watched"
    folder.mkdir()
    clips = [shutil.copyfile(video_factory(f"w{i}.mp4", seconds=0.4, size=(160, 120)),
                             folder / f"w{i}.mp4") for i in range(2)]
    store = tmp_path / "jobs.sqlite3"
    rec = Recorder()
    session, manager, watcher, fed = run_watch(server, store, folder, rec)
    try:
        fed.wait_handed(map(str, clips))
        rec.wait(rec.all_finished(set(fed.queued)))
        assert len(fed.queued) == 2
    finally:
        watcher.stop()
        session.close()
    # the app restarts: the folder is scanned again from nothing, the store knows its files
    session, manager, watcher, fed = run_watch(server, store, folder, Recorder())
    try:
        fed.wait_handed(map(str, clips))
        assert fed.queued == []
    finally:
        watcher.stop()
        session.close()
    assert len(job_store(store).jobs()) == 2
    assert len(server_videos(server)) == 2


def test_a_card_plugged_in_again_retries_the_jobs_that_lost_their_file(
        server, video_factory, tmp_path):
    card = tmp_path / "media" / "CARD"
    (card / "DCIM").mkdir(parents=True)
    clip = shutil.copyfile(video_factory("card.mp4", seconds=0.4, size=(160, 120)),
                           card / "DCIM" / "C0001.MP4")
    rec = Recorder()
    session = session_for(server)
    manager = manager_for(server, tmp_path / "jobs.sqlite3", rec, session=session)
    try:
        [job] = manager.add_files([str(clip)])  # queued, then the card is pulled
        card.rename(tmp_path / "pulled")
        manager.start()
        rec.wait(rec.state_reached(job.job_id, S.FAILED))
        assert manager.get(job.job_id).failure.error_code == "FILE_NOT_FOUND"
        session.watch([WatchedFolder(str(card))], settle_s=0.5)
        rec.wait(lambda evs: any(getattr(e, "state", None) == "absent" for e in evs))
        (tmp_path / "pulled").rename(card)  # plugged in again
        rec.wait(rec.state_reached(job.job_id, S.DONE))
    finally:
        session.close()
    assert [j.job_id for j in job_store(tmp_path / "jobs.sqlite3").jobs()] == [job.job_id]
    assert len(server_videos(server)) == 1
