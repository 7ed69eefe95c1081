"""Take the README screenshots: queue in progress, failed panel, error dialog.

    xvfb-run -a -s "-screen 0 1400x900x24" .venv/bin/python docs/screenshots/take_screenshots.py

Needs (installs nothing itself): an X display, e.g. Xvfb (Debian/Ubuntu: apt-get install
xvfb); the app's test extra (imageio-ffmpeg generates the sample videos); optionally
pngquant and/or optipng on PATH to shrink the PNGs (without them Qt's maximum PNG
compression is used). Runs the real window against the real embedded backend with
isolated XDG dirs, so nothing of yours is touched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

_TMP = Path(tempfile.mkdtemp(prefix="screenshots-"))
for _name in ("XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
    (_TMP / _name.lower()).mkdir()
    os.environ[_name] = str(_TMP / _name.lower())
os.environ.setdefault("OPENCV_FFMPEG_THREADS", "1")


def _need_display() -> None:
    if os.environ.get("QT_QPA_PLATFORM") or os.environ.get("DISPLAY") \
            or os.environ.get("WAYLAND_DISPLAY"):
        return
    sys.exit("No display. Run under Xvfb:\n  xvfb-run -a -s \"-screen 0 1400x900x24\" "
             f"{sys.executable} {Path(__file__).relative_to(ROOT)}\n(apt-get install xvfb)")


def wait_until(cond, timeout: float = 120.0) -> None:
    from PySide6.QtCore import QEventLoop

    loop = QEventLoop()
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not reach the state to capture")
        loop.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        time.sleep(0.01)


def settle(seconds: float) -> None:
    end = time.monotonic() + seconds
    wait_until(lambda: time.monotonic() > end, seconds + 5)


def save(widget, name: str) -> Path:
    path = HERE / name
    widget.grab().toImage().save(str(path), "PNG", 0)  # 0: smallest file
    if shutil.which("pngquant"):
        subprocess.run(["pngquant", "--force", "--skip-if-larger", "--quality", "70-95",
                        "--output", str(path), str(path)], check=False)
    if shutil.which("optipng"):
        subprocess.run(["optipng", "-quiet", "-o5", str(path)], check=False)
    print(f"{path.relative_to(ROOT)}: {path.stat().st_size // 1024} KiB")
    return path


def main() -> int:
    _need_display()

    from desktop_app.gui.app import make_app
    from desktop_app.gui.dialogs.error import ErrorDialog
    from desktop_app.gui.dialogs.factory import Dialogs
    from desktop_app.gui.main_window import MainWindow
    from desktop_app.gui.threads.bridge import EventBridge
    from desktop_app.gui.wiring import build_core
    from desktop_app.jobs.model import JobState
    from desktop_app.server.embedded import start_embedded_server
    from desktop_app.settings import Settings
    from tests.fixtures.videos import PDF_BYTES, make_video, truncate

    app = make_app()
    media = _TMP / "Card 01"
    media.mkdir()
    names = ["beach_take3.mp4", "interview.mov", "drone_04.mp4", "harbour_wide.mp4",
             "sunset_timelapse.mp4", "market_closeup.mp4", "boat_pov.mov", "b-roll_street.mp4",
             "interview_cam_b.mov", "night_walk.mp4"]
    for i, name in enumerate(names):
        make_video(media / name, seconds=8 + 2 * i, size=(640, 360))
    whole = make_video(_TMP / "whole.mp4", seconds=3, size=(640, 360))
    truncate(whole, media / "card_copy_cut_short.mp4")
    (media / "storyboard.mp4").write_bytes(PDF_BYTES)
    (media / "notes.txt").write_text("shot list")

    server = start_embedded_server(_TMP / "server", fault_injection=True)
    # Slow the uploads down so the capture shows them in flight.
    settings = Settings(bandwidth_limit_kbps=120, parallel_uploads=2)
    dialogs = Dialogs()
    bridge = EventBridge()
    window = MainWindow(settings, bridge, dialogs)
    core = build_core(settings, None, bridge.post, server=server)
    window.set_backend(core)
    window.resize(1280, 760)
    window.show()
    try:
        window.add_paths([str(media)])
        wait_until(lambda: any(r.job.state is JobState.DONE for r in window.rows.rows.values()),
                   300)
        # The next upload hits a busy server and waits to retry: a row state, not a dialog.
        server.inject_fault("POST", "/sessions/*/videos", status=503,
                            error_code="SERVICE_UNAVAILABLE", retry_after=25, count=1)
        def in_flight() -> bool:
            jobs = [r for r in window.rows.rows.values()]
            mid = any(r.job.state is JobState.UPLOADING and r.progress is not None
                      and 0.3 < r.progress.done / max(1, r.progress.total) < 0.8 for r in jobs)
            return mid and any(r.job.state is JobState.WAITING_RETRY for r in jobs)

        wait_until(in_flight, 300)
        for d in list(dialogs.opened):
            d.hide()
        window.tabs.setCurrentIndex(0)
        uploading = next(i for i in range(window.rows.models[window_tab(0)].rowCount())
                         if window.rows.rows[window.rows.models[window_tab(0)].job_id(i)].job.state
                         is JobState.UPLOADING)
        window.queue_view.selectRow(uploading)
        settle(0.5)
        save(window, "queue-in-progress.png")

        # A server-side failure too, so the panel shows a request id.
        server.inject_fault("POST", "/sessions/*/videos", status=500, error_code="INTERNAL_ERROR",
                            count=1)
        wait_until(lambda: any(r.job.failure is not None and r.job.failure.error_code
                               == "INTERNAL_ERROR" for r in window.rows.rows.values()), 300)
        for d in list(dialogs.opened):
            d.hide()
        window.tabs.setCurrentIndex(1)
        window.failed_panel.view.selectRow(window.rows.models[window_tab(1)].rowCount() - 1)
        settle(0.3)
        save(window, "failed-panel.png")

        dialog = next(d for d in dialogs.opened if isinstance(d, ErrorDialog)
                      and d.info.failure.error_code == "VIDEO_CORRUPTED")
        dialog.show()
        dialog.details.toggle.setChecked(True)
        dialog.adjustSize()
        settle(0.3)
        save(dialog, "error-dialog.png")
    finally:
        window.close_without_asking()
        window.intake.wait()
        core.stop()
        bridge.stop()
        server.stop()
        shutil.rmtree(_TMP, ignore_errors=True)
    del app
    return 0


def window_tab(index: int):
    from desktop_app.gui.models.columns import Tab

    return list(Tab)[index]


if __name__ == "__main__":
    sys.exit(main())
