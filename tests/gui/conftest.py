"""GUI fixtures: a real window over the real job manager and the real embedded backend.

    dialogs        ScriptedDialogs: records every dialog; answers the blocking ones
    make_window    make_window(settings=None, os_hooks=None) -> MainWindow wired to the `server`
                   fixture (os_hooks: controllable network / inhibitor, system/api.py);
                   every window, manager and bridge is shut down after the test
    no_thread_leak autouse: fails a test that leaves a thread running
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Iterator

import pytest

from desktop_app.gui.dialogs.factory import Dialogs
from desktop_app.gui.main_window import MainWindow
from desktop_app.gui.threads.bridge import EventBridge
from desktop_app.gui.wiring import build_core  # the window's wrapper over session.start_window
from desktop_app.settings import Settings


class ScriptedDialogs(Dialogs):
    """Real dialogs (tests inspect and answer them); blocking questions answered from
    ``answers`` and recorded in ``asked``."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[str] = []
        self.answer_ask = True
        self.files: list[str] = []
        self.save_path: str | None = None
        self.reselect_path: str | None = None

    def ask(self, parent, title, text, yes, no) -> bool:
        self.asked.append(text)
        return self.answer_ask

    def open_files(self, parent) -> list[str]:
        return list(self.files)

    def open_folder(self, parent) -> str | None:
        return self.files[0] if self.files else None

    def reselect_file(self, parent, old_path) -> str | None:
        return self.reselect_path

    def save_file(self, parent, title, suggested, filt) -> str | None:
        return self.save_path


# Process-wide pools that live as long as the interpreter by design (the reference
# backend's request-body reader and its upload lanes, server/lanes.py); idle between
# requests, not something a test left behind.
PROCESS_POOLS = ("upload-io", "upload-lane")


def _left_behind(before: set[threading.Thread]) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t not in before and t.is_alive()
            and not t.name.startswith(PROCESS_POOLS)]


@pytest.fixture(autouse=True)
def no_thread_leak() -> Iterator[None]:
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + 10
    while True:
        extra = _left_behind(before)
        if not extra or time.monotonic() > deadline:
            break
        time.sleep(0.05)  # teardown wait for threads to exit, not a test sleep
    assert not extra, f"threads left running: {[t.name for t in extra]}"


@pytest.fixture
def dialogs() -> ScriptedDialogs:
    return ScriptedDialogs()


class WindowMaker:
    """``make()`` opens a window on the real core; ``close(window)`` quits it the way
    the app does (manager shut down, jobs left in the store)."""

    def __init__(self, qtbot, server, dialogs: ScriptedDialogs) -> None:
        self.qtbot, self.server, self.dialogs = qtbot, server, dialogs
        self.open: dict[int, tuple[MainWindow, object, EventBridge]] = {}

    def __call__(self, settings: Settings | None = None, os_hooks=None) -> MainWindow:
        settings = settings or Settings()
        bridge = EventBridge()
        window = MainWindow(settings, bridge, self.dialogs)
        core = build_core(settings, None, bridge.post, server=self.server, os_hooks=os_hooks)
        window.set_backend(core)
        window.show()
        self.qtbot.waitExposed(window)
        self.open[id(window)] = (window, core, bridge)
        return window

    def close(self, window: MainWindow) -> None:
        entry = self.open.pop(id(window), None)
        if entry is None:
            return
        _, core, bridge = entry
        if window.isVisible():
            window.close_without_asking()  # the close question has its own test
        window.intake.wait()
        core.stop()  # type: ignore[attr-defined]
        bridge.stop()
        for d in self.dialogs.opened:
            d.close()

    def close_all(self) -> None:
        for window, _core, _bridge in list(self.open.values()):
            self.close(window)


@pytest.fixture
def make_window(qtbot, server, dialogs) -> Iterator[WindowMaker]:
    maker = WindowMaker(qtbot, server, dialogs)
    yield maker
    maker.close_all()
    gc.unfreeze()  # each window's start froze what was alive: let this test's go
