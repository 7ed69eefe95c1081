"""Watched folders: a file is handed on once, after it stopped growing; nothing twice.

Real folders in tmp_path, real inotify events (watchdog), the real /proc writer check.
Settle times are short (the default is 5 s) so the tests stay quick; the waits are
conditions with deadlines, the few fixed waits are the gaps between a writer's pieces.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from desktop_app.watch.folders import FolderWatcher, WatchedFolder
from tests.watch.helpers import Ready

SETTLE_S = 1.0


@pytest.fixture
def watching():
    """watching(folder, **kwargs) -> (watcher, ready); every watcher stopped afterwards."""
    started: list[FolderWatcher] = []

    def start(folder: Path, **kwargs):
        ready = Ready()
        kwargs.setdefault("settle_s", SETTLE_S)
        kwargs.setdefault("presence_s", 0.2)
        kwargs.setdefault("rescan_s", 1.0)
        watcher = FolderWatcher(ready, on_status=ready.status, **kwargs)
        watcher.start()
        watcher.set_folders([WatchedFolder(str(folder))])
        started.append(watcher)
        return watcher, ready

    yield start
    for watcher in started:
        watcher.stop()


def test_a_file_written_in_pieces_is_handed_on_once_after_its_last_write(tmp_path, watching):
    folder = tmp_path / "incoming"
    folder.mkdir()
    watcher, ready = watching(folder)
    ready.wait(lambda: ready.states(str(folder)) == ["watching"])
    clip = folder / "day1" / "clip.mp4"
    clip.parent.mkdir()  # recursive: a sub-folder made after the watch began
    for piece in range(8):  # a copy that pauses: 8 pieces over ~3.5 s, each closed
        with open(clip, "ab") as fh:
            fh.write(os.urandom(64 * 1024))
        last_write = time.monotonic()
        time.sleep(0.5)  # the writer's pace (shorter than the settle time)
        assert not ready.counts(), f"handed on after piece {piece}, before the last write"
    ready.wait(lambda: ready.counts()[str(clip)] >= 1, timeout=15)
    assert ready.when(str(clip)) >= last_write + SETTLE_S * 0.9
    watcher.wait_rescans(1, timeout=15)
    assert ready.counts() == {str(clip): 1}


def test_a_file_still_open_for_writing_waits_for_its_writer(tmp_path, watching):
    folder = tmp_path / "incoming"
    folder.mkdir()
    watcher, ready = watching(folder)
    clip = folder / "recording.mov"
    with open(clip, "wb") as fh:  # a recorder that has written but not closed the file
        fh.write(os.urandom(100_000))
        fh.flush()
        quiet = time.monotonic()
        # size and mtime stay the same for three settle times: only the open writer
        # keeps the file back
        watcher.wait_rescans(1, timeout=10)
        with ready._cond:
            ready._cond.wait_for(lambda: bool(ready.calls), timeout=3 * SETTLE_S)
        assert not ready.counts(), "handed on while a writer still held it"
        assert time.monotonic() - quiet >= 2 * SETTLE_S
    closed = time.monotonic()
    ready.wait(lambda: ready.counts()[str(clip)] == 1, timeout=15)
    assert ready.when(str(clip)) >= closed


def test_200_files_copied_in_are_each_handed_on_once(tmp_path, watching):
    source = tmp_path / "card"
    for i in range(200):
        sub = source / f"{i // 50:03d}CANON"
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"MVI_{i:04d}.MP4").write_bytes(i.to_bytes(4, "big") * 1000)
    (source / "000CANON" / "notes.txt").write_text("not a video")
    folder = tmp_path / "watched"
    folder.mkdir()
    watcher, ready = watching(folder, rescan_s=1.0)
    ready.wait(lambda: ready.states(str(folder)) == ["watching"])
    shutil.copytree(source, folder / "DCIM")
    expected = {str(p).replace(str(source), str(folder / "DCIM"))
                for p in source.rglob("*.MP4")}
    ready.wait(lambda: set(ready.counts()) >= expected, timeout=60)
    watcher.wait_rescans(2, timeout=15)  # the safety-net scans see them all again
    counts = ready.counts()
    assert set(counts) == expected and set(counts.values()) == {1}


def test_a_folder_that_goes_and_comes_back_hands_on_nothing_twice(tmp_path, watching):
    card = tmp_path / "media" / "CARD"
    (card / "DCIM").mkdir(parents=True)
    clips = [card / "DCIM" / f"C{i:04d}.MP4" for i in range(3)]
    for clip in clips:
        clip.write_bytes(os.urandom(10_000))
    watcher, ready = watching(card, rescan_s=0.5)
    ready.wait(lambda: len(ready.counts()) == 3)
    unplugged = tmp_path / "unplugged"
    for _ in range(3):  # unplugged and plugged in again, three times
        card.rename(unplugged)
        ready.wait(lambda: ready.states(str(card))[-1:] == ["absent"])
        watcher.wait_rescans(2, timeout=10)  # absent for a while: no error per look
        unplugged.rename(card)
        ready.wait(lambda: ready.states(str(card))[-1:] == ["watching"])
        watcher.wait_rescans(2, timeout=10)
    assert ready.states(str(card)) == ["watching", "absent"] * 3 + ["watching"]
    new = card / "DCIM" / "C0100.MP4"  # and it is watched again, for new files
    new.write_bytes(os.urandom(10_000))
    ready.wait(lambda: ready.counts()[str(new)] == 1, timeout=15)
    assert ready.counts() == {str(p): 1 for p in [*clips, new]}


def test_a_folder_absent_at_start_is_watched_once_it_appears(tmp_path, watching):
    card = tmp_path / "media" / "CARD"
    watcher, ready = watching(card)
    ready.wait(lambda: ready.states(str(card)) == ["absent"])
    (card / "DCIM").mkdir(parents=True)
    clip = card / "DCIM" / "C0001.MP4"
    clip.write_bytes(os.urandom(5000))
    ready.wait(lambda: ready.counts()[str(clip)] == 1, timeout=15)
    assert ready.states(str(card)) == ["absent", "watching"]


def test_paused_and_removed_folders_hand_on_nothing(tmp_path, watching):
    folder = tmp_path / "incoming"
    folder.mkdir()
    watcher, ready = watching(folder)
    ready.wait(lambda: ready.states(str(folder)) == ["watching"])
    watcher.set_folders([WatchedFolder(str(folder), paused=True)])
    ready.wait(lambda: ready.states(str(folder))[-1:] == ["paused"])
    (folder / "while-paused.mp4").write_bytes(b"x" * 1000)
    watcher.wait_rescans(2, timeout=10)
    assert not ready.counts()
    watcher.set_folders([WatchedFolder(str(folder))])  # resumed: what came meanwhile
    ready.wait(lambda: ready.counts()[str(folder / "while-paused.mp4")] == 1)
    watcher.set_folders([])
    (folder / "after-removal.mp4").write_bytes(b"y" * 1000)
    watcher.wait_rescans(1, timeout=10)
    assert set(ready.counts()) == {str(folder / "while-paused.mp4")}
