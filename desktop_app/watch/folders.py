"""Watching folders for video files: watchdog's events, a periodic rescan as the safety net.

    watcher = FolderWatcher(on_ready, settle_s=5.0, on_status=print)
    watcher.start()
    watcher.set_folders([WatchedFolder("/media/alice/CARD/DCIM")])   # add, remove, pause
    ...
    watcher.stop()

``on_ready(folder, paths)`` gets the video files of a folder (recursively) that settled
(``settle.py``): the files already in a folder when it is first watched, then each new or
changed one. Events only start a file's count; a rescan every ``rescan_s`` finds what
events missed (an overflowed inotify queue, a network share that sends none).

A folder may vanish and come back (a camera card unplugged, a share dropped): it is looked
for every ``presence_s``; while it is absent its watch is dropped and it is reported once
("absent"), never an error per file or per check; when it is back it is watched and
rescanned, and files handed on before are not handed on again.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from desktop_app.media.formats import is_video_name
from desktop_app.watch.settle import Settle, WriterCheck
from desktop_app.watch.writers import open_for_writing

log = logging.getLogger(__name__)

OnReady = Callable[[str, list[str]], object]


@dataclass(frozen=True)
class WatchedFolder:
    path: str
    paused: bool = False


@dataclass(frozen=True)
class FolderStatus:
    path: str
    state: str  # "watching" | "scanning only" (no events here) | "absent" | "paused"


class _Folder:
    def __init__(self, spec: WatchedFolder) -> None:
        self.path = os.path.abspath(spec.path)
        self.paused = spec.paused
        self.watch: Any = None  # watchdog's ObservedWatch while events arrive
        self.state = ""


class FolderWatcher:
    def __init__(self, on_ready: OnReady, *, settle_s: float = 5.0, rescan_s: float = 30.0,
                 presence_s: float = 2.0, on_status: Callable[[FolderStatus], None] | None = None,
                 writers: WriterCheck = open_for_writing,
                 clock: Callable[[], float] = time.monotonic) -> None:
        from watchdog.observers import Observer  # loaded when watching starts, not at import

        self._on_ready = on_ready
        self._on_status = on_status or (lambda status: None)
        self.rescan_s, self.presence_s = rescan_s, presence_s
        self._clock = clock
        self._settle = Settle(settle_s, writers, clock)
        self._cond = threading.Condition()
        self._folders: dict[str, _Folder] = {}
        self._scan_queue: list[str] = []  # folders (or new sub-folders) to walk soon
        self._observer = Observer()
        self._observer.name = "folder-events"
        self._thread = threading.Thread(target=self._run, name="folder-watch", daemon=True)
        self._stopped = False
        self._next_presence = self._next_rescan = 0.0
        self.rescans = 0  # full rescans done (tests wait on it: ``wait_rescans``)

    # ---- control ----------------------------------------------------------------------

    def start(self) -> None:
        self._observer.start()
        self._thread.start()

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        if self._thread.is_alive():
            self._thread.join(10)
        self._observer.stop()
        if self._observer.is_alive():
            self._observer.join(10)

    def set_folders(self, folders: Iterable[WatchedFolder]) -> None:
        """Watch exactly these (a removed folder's watch ends; a paused one is kept but
        neither watched nor scanned)."""
        wanted = {os.path.abspath(f.path): f for f in folders}
        with self._cond:
            for path in [p for p in self._folders if p not in wanted]:
                folder = self._folders.pop(path)
                self._unwatch(folder)
                self._settle.forget_under(path)
            for path, spec in wanted.items():
                folder = self._folders.get(path) or self._folders.setdefault(path, _Folder(spec))
                folder.paused = spec.paused
                if folder.paused:
                    self._unwatch(folder)
                    self._settle.forget_under(path)
            self._next_presence = 0.0  # look at once: new folders are scanned now
            self._cond.notify_all()
        for folder in list(self._folders.values()):
            if folder.paused:
                self._report(folder, "paused")

    def wait_rescans(self, count: int, timeout: float) -> bool:
        """Block until ``count`` more full rescans are done; False on timeout."""
        with self._cond:
            target = self.rescans + count
            return self._cond.wait_for(lambda: self.rescans >= target, timeout)

    def status(self) -> list[FolderStatus]:
        with self._cond:
            return [FolderStatus(f.path, f.state) for f in self._folders.values()]

    # ---- events (watchdog's thread) ---------------------------------------------------

    def _event(self, event: Any) -> None:
        kind = event.event_type
        if kind == "events_lost":  # the kernel's queue overflowed: walk everything again
            with self._cond:
                self._next_rescan = 0.0
                self._cond.notify_all()
            return
        if kind not in ("created", "modified", "moved", "closed", "deleted"):
            return  # opened, closed without writing, attributes: nothing new to upload
        path = os.fsdecode(getattr(event, "dest_path", "") or event.src_path)
        with self._cond:
            if event.is_directory:
                if kind in ("created", "moved"):  # its files may predate its watch
                    self._scan_queue.append(path)
                    self._cond.notify_all()
                elif kind == "deleted":  # a watched folder itself may be gone
                    self._next_presence = 0.0
                    self._cond.notify_all()
                return
            if kind == "moved":
                self._settle.forget(os.fsdecode(event.src_path))
            if kind == "deleted":
                self._settle.forget(path)
            elif is_video_name(path) and not os.path.basename(path).startswith("."):
                had_none = self._settle.pending == 0
                if self._settle.touch(path) and had_none:
                    self._cond.notify_all()  # the loop may be waiting for a rescan only

    # ---- the loop ---------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._stopped:
                    now = self._clock()
                    due = min(t for t in (self._settle.next_due(), self._next_presence,
                                          self._next_rescan) if t is not None)
                    if due <= now or self._scan_queue:
                        break
                    self._cond.wait(due - now)
                if self._stopped:
                    return
                now = self._clock()
                full_scan = now >= self._next_rescan
                if full_scan:
                    self._next_rescan = now + self.rescan_s
                    self._scan_queue += [f.path for f in self._folders.values()
                                         if not f.paused and f.state != "absent"]
                check_presence = now >= self._next_presence
                if check_presence:
                    self._next_presence = now + self.presence_s
                scans, self._scan_queue = self._scan_queue, []
            try:
                if check_presence:
                    self._check_presence()
                for path in dict.fromkeys(scans):
                    self._scan(path)
                with self._cond:
                    ready = self._settle.take_settled()
                self._hand_on(ready)
                if full_scan:
                    with self._cond:
                        self.rescans += 1
                        self._cond.notify_all()
            except Exception:  # a bug here must not end watching
                log.exception("folder watcher turn failed")

    def _check_presence(self) -> None:
        with self._cond:
            folders = [f for f in self._folders.values() if not f.paused]
        for folder in folders:
            present = os.path.isdir(folder.path)
            with self._cond:
                if folder.path not in self._folders or folder.paused:
                    continue
                if not present:
                    if folder.state != "absent":
                        self._unwatch(folder)
                        self._settle.forget_under(folder.path)
                        log.info("watched folder %s is not there (unplugged?); waiting for it",
                                 folder.path)
                    new_state = "absent"
                elif folder.state in ("", "absent", "paused") or (
                        folder.watch is not None and not self._events_arrive(folder)):
                    self._watch(folder)
                    self._scan_queue.append(folder.path)
                    new_state = "watching" if folder.watch is not None else "scanning only"
                else:
                    continue
            self._report(folder, new_state)

    def _events_arrive(self, folder: _Folder) -> bool:
        """Whether the folder's emitter still runs (it ends when the folder it watches
        is deleted, which a folder that came back between two looks hides)."""
        return any(e.watch == folder.watch and e.is_alive() for e in self._observer.emitters)

    def _watch(self, folder: _Folder) -> None:
        self._unwatch(folder)
        from watchdog.events import FileSystemEventHandler

        watcher = self

        class Handler(FileSystemEventHandler):
            def on_any_event(self, event: Any) -> None:
                watcher._event(event)

        try:
            folder.watch = self._observer.schedule(Handler(), folder.path, recursive=True)
        except OSError as exc:  # e.g. the inotify watch limit: rescans still find files
            log.warning("cannot watch %s for changes (%s); scanning it every %.0f s",
                        folder.path, exc.strerror or exc, self.rescan_s)
            folder.watch = None

    def _unwatch(self, folder: _Folder) -> None:
        if folder.watch is not None:
            try:
                self._observer.unschedule(folder.watch)
            except Exception:  # its emitter already ended with the folder
                pass
            folder.watch = None

    def _scan(self, top: str) -> None:
        """Walk a folder for video files events may have missed."""
        found: list[str] = []
        for root, dirs, files in os.walk(top):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            found += [os.path.join(root, n) for n in files
                      if not n.startswith(".") and is_video_name(n)]
        with self._cond:
            for path in found:
                if self._covered(path) and not self._settle.known(path):
                    self._settle.touch(path)

    def _covered(self, path: str) -> bool:
        return self._folder_of(path) is not None

    def _folder_of(self, path: str) -> _Folder | None:
        best: _Folder | None = None
        for folder in self._folders.values():
            if not folder.paused and path.startswith(folder.path.rstrip(os.sep) + os.sep) \
                    and (best is None or len(folder.path) > len(best.path)):
                best = folder
        return best

    def _hand_on(self, ready: list[str]) -> None:
        by_folder: dict[str, list[str]] = {}
        with self._cond:
            for path in ready:
                folder = self._folder_of(path)
                if folder is not None:
                    by_folder.setdefault(folder.path, []).append(path)
        for folder_path, paths in by_folder.items():
            try:
                self._on_ready(folder_path, paths)
            except Exception:
                log.exception("could not queue %d file(s) from %s", len(paths), folder_path)

    def _report(self, folder: _Folder, state: str) -> None:
        if folder.state == state:
            return
        folder.state = state
        try:
            self._on_status(FolderStatus(folder.path, state))
        except Exception:
            log.exception("folder status callback failed")
