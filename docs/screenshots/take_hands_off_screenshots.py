"""Take the README's hands-off screenshots: Settings → Watched folders, and the window
while the laptop is offline ("Offline - waiting for the network").

    Xvfb :98 -screen 0 1400x900x24 &  DISPLAY=:98 .venv/bin/python \
        docs/screenshots/take_hands_off_screenshots.py

The real window on the real embedded backend (isolated XDG dirs, so nothing of yours is
touched); the network is a controllable one (system/api.ManualNetwork) switched off for
the second picture, since a virtual screen has no network to unplug.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from take_screenshots import _isolate, _need_display, save, settle, wait_until  # noqa: E402


def main() -> int:
    _need_display()
    tmp = _isolate()  # isolated XDG dirs (and English: the README's language)

    from desktop_app.gui.app import make_app
    from desktop_app.gui.dialogs.factory import Dialogs
    from desktop_app.gui.dialogs.settings import SettingsDialog
    from desktop_app.gui.main_window import MainWindow
    from desktop_app.gui.threads.bridge import EventBridge
    from desktop_app.gui.wiring import build_core
    from desktop_app.jobs.model import JobState
    from desktop_app.server.embedded import start_embedded_server
    from desktop_app.settings import Settings
    from desktop_app.system.api import ManualNetwork, NoInhibitor, OsHooks
    from tests.fixtures.videos import make_video

    app = make_app()
    card = tmp / "media" / "alice" / "EOS_DIGITAL"
    (card / "DCIM" / "100CANON").mkdir(parents=True)
    for i in range(6):
        make_video(card / "DCIM" / "100CANON" / f"MVI_{4021 + i}.MP4", seconds=6 + i,
                   size=(640, 360))
    studio = tmp / "Videos" / "Studio exports"
    studio.mkdir(parents=True)
    server = start_embedded_server(tmp / "server", fault_injection=True)
    settings = Settings(bandwidth_limit_kbps=150, parallel_uploads=2,
                        watched_folders=[str(card), str(studio)],
                        paused_folders=[str(studio)], pause_on_metered=True,
                        watch_settle_s=1.0)
    dialogs = Dialogs()
    bridge = EventBridge()
    network = ManualNetwork()
    window = MainWindow(settings, bridge, dialogs)
    core = build_core(settings, None, bridge.post, server=server,
                      os_hooks=OsHooks(network, NoInhibitor(), server_local=False))
    window.set_backend(core)
    window.resize(1280, 760)
    window.show()
    try:
        wait_until(lambda: len(window.rows.rows) == 6, 120)  # the card's clips, by themselves
        window.job_actions.open_settings()
        dialog = dialogs.of_type(SettingsDialog)[-1]
        dialog.watched.folders.setCurrentRow(0)
        dialog.adjustSize()
        settle(0.5)
        save(dialog.grab(), "watched-folders.png")
        dialog.reject()

        # A busy server makes the next upload wait to retry, then the Wi-Fi goes.
        server.inject_fault("POST", "/sessions/*/videos", status=503,
                            error_code="SERVICE_UNAVAILABLE", retry_after=120, count=1)
        wait_until(lambda: any(r.job.state is JobState.WAITING_RETRY
                               for r in window.rows.rows.values()), 300)
        network.set(reachable=False)
        wait_until(lambda: window.status.network.offline, 30)
        window.tabs.setCurrentIndex(0)
        window.queue_view.selectRow(0)
        settle(1.5)
        save(window.grab(), "offline.png")
    finally:
        window.close_without_asking()
        window.intake.wait()
        core.stop()
        bridge.stop()
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
