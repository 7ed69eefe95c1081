"""Take the README screenshots: empty queue, queue busy, failed tab with its dialog, details
with the timeline; light and dark; at 100 % and 200 %.

    xvfb-run -a -s "-screen 0 2800x1800x24" .venv/bin/python docs/screenshots/take_screenshots.py

(A screen large enough for the 200 % shots: a smaller one squeezes their dialogs.)

Runs itself once per (scheme, scale) in a child process (QT_SCALE_FACTOR is read when Qt
starts), each writing ``<scene>-<light|dark>[@2x].png``. ``--scheme`` / ``--scale`` run one
combination. The dark shots follow a dark system scheme as the app does (its
``Appearance.follow``: Xvfb has no desktop to report one).

Needs (installs nothing itself): an X display, e.g. Xvfb (Debian/Ubuntu: apt-get install
xvfb); the app's test extra (imageio-ffmpeg generates the sample videos); optionally
pngquant and/or optipng on PATH to shrink the PNGs (without them Qt's maximum PNG
compression is used). Runs the real window against the real embedded backend with
isolated XDG dirs, so nothing of yours is touched.
"""

from __future__ import annotations

import argparse
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

SCENES = ("empty-queue", "queue-busy", "failed-dialog", "details-timeline")
WINDOW_SIZE = (1180, 720)  # logical pixels: fits 1400x900 at 100 %, a 2x shot stays legible


def _need_display() -> None:
    if os.environ.get("QT_QPA_PLATFORM") or os.environ.get("DISPLAY") \
            or os.environ.get("WAYLAND_DISPLAY"):
        return
    sys.exit("No display. Run under Xvfb:\n  xvfb-run -a -s \"-screen 0 2800x1800x24\" "
             f"{sys.executable} {Path(__file__).relative_to(ROOT)}\n(apt-get install xvfb)")


def _isolate() -> Path:
    tmp = Path(tempfile.mkdtemp(prefix="screenshots-"))
    for name in ("XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        (tmp / name.lower()).mkdir()
        os.environ[name] = str(tmp / name.lower())
    os.environ.setdefault("OPENCV_FFMPEG_THREADS", "1")
    os.environ["LANGUAGE"] = "en"  # the README is in English
    return tmp


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


def save(image, name: str) -> Path:
    path = HERE / name
    image.save(str(path), "PNG", 0)  # 0: smallest file
    if shutil.which("pngquant"):
        subprocess.run(["pngquant", "--force", "--skip-if-larger", "--quality", "70-95",
                        "--output", str(path), str(path)], check=False)
    if shutil.which("optipng"):
        subprocess.run(["optipng", "-quiet", "-o5", str(path)], check=False)
    print(f"{path.relative_to(ROOT)}: {path.stat().st_size // 1024} KiB", flush=True)
    return path


def with_dialog(window, dialog):
    """The window with the dialog over it, centred, as a desktop would show them."""
    from PySide6.QtCore import QPoint, QRect
    from PySide6.QtGui import QColor, QPainter

    shot = window.grab().toImage()
    top = dialog.grab().toImage()
    ratio = shot.devicePixelRatio()
    painter = QPainter(shot)
    at = QPoint((window.width() - dialog.width()) // 2, (window.height() - dialog.height()) // 3)
    for spread, alpha in ((10, 18), (6, 28), (3, 40)):  # a soft shadow
        painter.fillRect(QRect(at.x() - spread + 4, at.y() - spread + 6, dialog.width() + 2 * spread,
                               dialog.height() + 2 * spread), QColor(0, 0, 0, alpha))
    painter.drawImage(at, top)
    painter.end()
    shot.setDevicePixelRatio(ratio)
    return shot


def shoot(scheme: str, scale: int) -> None:
    tmp = _isolate()
    _need_display()
    from PySide6.QtCore import Qt

    from desktop_app.gui.app import make_app
    from desktop_app.gui.dialogs.error import ErrorDialog
    from desktop_app.gui.dialogs.factory import Dialogs
    from desktop_app.gui.main_window import MainWindow
    from desktop_app.gui.models.columns import Tab
    from desktop_app.gui.theme import language
    from desktop_app.gui.threads.bridge import EventBridge
    from desktop_app.gui.wiring import build_core
    from desktop_app.jobs.model import JobState
    from desktop_app.server.embedded import start_embedded_server
    from desktop_app.settings import Settings
    from tests.fixtures.scenes import SCENE_CLIPS, make_scene_clip
    from tests.fixtures.videos import PDF_BYTES, make_video, truncate

    app = make_app()
    language.apply(app, "en")
    suffix = f"-{scheme}" + ("@2x" if scale == 2 else "")
    media = tmp / "Card 01"
    media.mkdir()
    names = ["beach_take3.mp4", "interview.mov", "drone_04.mp4", "harbour_wide.mp4",
             "sunset_timelapse.mp4", "market_closeup.mp4", "boat_pov.mov", "b-roll_street.mp4",
             "interview_cam_b.mov", "night_walk.mp4"]
    for i, name in enumerate(names):
        make_video(media / name, seconds=8 + 2 * i, size=(640, 360))
    # One clip with cuts, a black and a frozen stretch, so the timeline has something to show.
    make_scene_clip(SCENE_CLIPS["issue"], media, "ferry_arrival")
    whole = make_video(tmp / "whole.mp4", seconds=3, size=(640, 360))
    truncate(whole, media / "card_copy_cut_short.mp4")
    (media / "storyboard.mp4").write_bytes(PDF_BYTES)
    (media / "notes.txt").write_text("shot list")

    server = start_embedded_server(tmp / "server", fault_injection=True)
    # Slow the uploads down so the capture shows them in flight.
    settings = Settings(bandwidth_limit_kbps=160, parallel_uploads=2)
    dialogs = Dialogs()
    bridge = EventBridge()
    window = MainWindow(settings, bridge, dialogs)
    if scheme == "dark":
        window.appearance.follow(Qt.ColorScheme.Dark)  # as when the desktop switches
    core = build_core(settings, None, bridge.post, server=server)
    window.set_backend(core)
    window.resize(*WINDOW_SIZE)
    window.show()
    try:
        settle(1.0)
        save(window.grab().toImage(), f"empty-queue{suffix}.png")

        window.add_paths([str(media)])
        wait_until(lambda: any(r.job.state is JobState.DONE for r in window.rows.rows.values()),
                   300)
        # The next upload hits a busy server and waits to retry: a row state, not a dialog.
        server.inject_fault("POST", "/sessions/*/videos", status=503,
                            error_code="SERVICE_UNAVAILABLE", retry_after=25, count=1)

        def in_flight() -> bool:
            jobs = list(window.rows.rows.values())
            mid = any(r.job.state is JobState.UPLOADING and r.progress is not None
                      and 0.3 < r.progress.done / max(1, r.progress.total) < 0.8 for r in jobs)
            return mid and any(r.job.state is JobState.WAITING_RETRY for r in jobs)

        wait_until(in_flight, 300)
        for d in list(dialogs.opened):
            d.hide()
        window.show_tab(0)
        queue = window.rows.models[Tab.QUEUE]
        uploading = next(i for i in range(queue.rowCount())
                         if window.rows.rows[queue.job_id(i)].job.state is JobState.UPLOADING)
        window.queue_view.selectRow(uploading)
        settle(1.2)  # the status bar's once-a-second batch line
        save(window.grab().toImage(), f"queue-busy{suffix}.png")

        # A server-side failure too, so the panel shows a request id.
        server.inject_fault("POST", "/sessions/*/videos", status=500, error_code="INTERNAL_ERROR",
                            count=1)
        wait_until(lambda: any(r.job.failure is not None and r.job.failure.error_code
                               == "INTERNAL_ERROR" for r in window.rows.rows.values()), 300)
        for d in list(dialogs.opened):
            d.hide()
        window.show_tab(1)
        failed = window.rows.models[Tab.FAILED]
        window.failed_panel.view.selectRow(failed.rowCount() - 1)
        dialog = next(d for d in dialogs.opened if isinstance(d, ErrorDialog)
                      and d.info.failure.error_code == "VIDEO_CORRUPTED")
        dialog.show()
        dialog.details.toggle.setChecked(True)
        dialog.adjustSize()
        settle(0.4)
        save(with_dialog(window, dialog), f"failed-dialog{suffix}.png")
        dialog.hide()

        wait_until(lambda: any(r.job.state is JobState.DONE and "ferry_arrival" in r.job.path
                               for r in window.rows.rows.values()), 600)
        window.show_tab(2)
        done = window.rows.models[Tab.COMPLETED]
        row = next(i for i in range(done.rowCount())
                   if "ferry_arrival" in window.rows.rows[done.job_id(i)].job.path)
        window.completed_view.selectRow(row)
        window.splitter.setSizes([WINDOW_SIZE[1] // 2, WINDOW_SIZE[1] // 2])
        settle(0.6)
        save(window.grab().toImage(), f"details-timeline{suffix}.png")
    finally:
        window.close_without_asking()
        window.intake.wait()
        core.stop()
        bridge.stop()
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    del app


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scheme", choices=("light", "dark"))
    parser.add_argument("--scale", type=int, choices=(1, 2))
    args = parser.parse_args()
    if args.scheme and args.scale:
        shoot(args.scheme, args.scale)
        return 0
    _need_display()
    failed = 0
    for scale in (args.scale,) if args.scale else (1, 2):
        for scheme in (args.scheme,) if args.scheme else ("light", "dark"):
            env = dict(os.environ, QT_SCALE_FACTOR=str(scale))
            done = subprocess.run([sys.executable, __file__, "--scheme", scheme,
                                   "--scale", str(scale)], env=env, check=False)
            failed += done.returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
