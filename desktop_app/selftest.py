"""`main.py --self-test`: a headless smoke test of the whole app, from source or frozen.

It proves that a build (PyInstaller bundle, installed .deb, .app, Windows setup) has
everything it needs: the Qt platform plugin and the main window, OpenCV with its
FFmpeg, the job core, the embedded backend and the upload path. Each step is timed;
progress goes to stderr ("self-test: window ok in 0.41 s") and the verdict is one
line on stdout:

    self-test ok: 7 steps in 2.10 s (window 0.41 s, imports 0.52 s, ...)
    self-test FAILED: upload: server sha256 0a1b... != local 9f8e...

Exit code 0 or 1. It never touches the user's state: the XDG dirs, the keyring and
the embedded server's data all live in a temporary folder removed afterwards.

The window step runs first, as in the real start-up (the window shows before the
core loads). Steps are plain functions of a Context, so tests can run a subset.
"""

from __future__ import annotations

import argparse
import importlib
import os
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Modules a build must contain. What the commands import lazily is listed so a
# bundle missing one fails here, not when a user first runs that command.
CORE_MODULES = (
    "desktop_app.errors",
    "desktop_app.paths",
    "desktop_app.settings",
    "desktop_app.session",
    "desktop_app.jobs.model",
    "desktop_app.media.analyse",
    "desktop_app.media.validate",
    "desktop_app.server.embedded",
    "desktop_app.server.cli",
    "desktop_app.transfer.client",
    "desktop_app.jobs.store",
    "desktop_app.gui.app",
    "desktop_app.gui.main_window",
)
THIRD_PARTY = ("cv2", "numpy", "httpx", "tenacity", "keyring", "platformdirs",
               "starlette", "uvicorn", "multipart", "sqlite3", "ssl")


class StepFailed(Exception):
    """A step's check did not hold; the message says what was expected and seen."""


@dataclass
class Context:
    """What steps hand each other: temp dir, the clip, the server, the Qt app."""

    tmp: Path
    clip: Path | None = None
    analysis: Any = None
    server: Any = None
    app: Any = None
    window: Any = None
    cleanups: list[Callable[[], None]] = field(default_factory=list)


def _isolate(tmp: Path) -> None:
    """Point every state dir at tmp before any app module reads them."""
    for name in ("XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        path = tmp / "xdg" / name.lower()
        path.mkdir(parents=True, exist_ok=True)
        os.environ[name] = str(path)
    if sys.platform == "darwin":  # platformdirs derives ~/Library/... from HOME there
        os.environ["HOME"] = str(tmp / "home")
    # Headless: offscreen Qt unless the caller chose a platform on purpose.
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("OPENCV_FFMPEG_THREADS", "1")


def _memory_keyring() -> None:
    """Keep sign-in tokens in memory: the self-test must not write the user's keyring."""
    import keyring

    from desktop_app.transfer.memkeyring import InMemoryKeyring

    keyring.set_keyring(InMemoryKeyring())


def _sha256(path: Path) -> str:
    from desktop_app.files import sha256_of

    with path.open("rb") as fh:
        return sha256_of(fh) or ""


def _import(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise StepFailed(f"cannot import {name}: {exc}") from exc


# --- steps ---------------------------------------------------------------------------


def step_window(ctx: Context) -> str:
    """Build the real main window and show it (offscreen): Qt plugins, fonts, GUI code."""
    from desktop_app import settings as settings_mod
    from desktop_app.gui.app import make_app
    from desktop_app.gui.dialogs.factory import Dialogs
    from desktop_app.gui.main_window import MainWindow
    from desktop_app.gui.threads.bridge import EventBridge

    ctx.app = make_app()
    bridge = EventBridge()
    window = MainWindow(settings_mod.load(), bridge, Dialogs())
    ctx.window = window

    def close_window() -> None:
        window.intake.wait()
        bridge.stop()
        window.hide()
        window.deleteLater()
        ctx.app.processEvents()

    ctx.cleanups.append(close_window)
    window.show()
    ctx.app.processEvents()
    if not window.isVisible():
        raise StepFailed("main window did not become visible")
    size = window.size()
    return f"{type(window).__name__} {size.width()}x{size.height()} on {ctx.app.platformName()}"


def step_imports(ctx: Context) -> str:
    for name in (*THIRD_PARTY, *CORE_MODULES):
        _import(name)
    from desktop_app.cli import COMMANDS

    for name in (*COMMANDS, "gui", "upload_tus"):
        module = f"desktop_app.commands.{name}"
        if not hasattr(_import(module), "run"):
            raise StepFailed(f"{module} has no run")
    # Frozen builds find keyring backends through package metadata entry points.
    from importlib.metadata import entry_points

    found = sorted(ep.name for ep in entry_points(group="keyring.backends"))
    if not found:
        raise StepFailed("no keyring backends registered (keyring metadata missing)")
    return f"{len(THIRD_PARTY) + len(CORE_MODULES)} modules, keyring backends {','.join(found)}"


def step_clip(ctx: Context) -> str:
    """Write a short clip with whatever codec the bundled OpenCV can encode."""
    import cv2
    import numpy as np

    width, height, fps, frames = 160, 120, 10.0, 20
    for fourcc, suffix in (("mp4v", ".mp4"), ("MJPG", ".avi")):
        path = ctx.tmp / f"selftest{suffix}"
        writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*fourcc), fps, (width, height))
        if not writer.isOpened():
            continue
        for i in range(frames):
            frame = np.zeros((height, width, 3), np.uint8)
            # A moving bright square on a gradient: not black, not frozen, some detail.
            frame[:, :, 1] = np.linspace(40, 200, width, dtype=np.uint8)
            x = 8 + i * 6
            frame[40:80, x:x + 30] = (255, 255, 255)
            writer.write(frame)
        writer.release()
        if path.exists() and path.stat().st_size > 0:
            ctx.clip = path
            return f"{path.name} {fourcc} {path.stat().st_size} bytes"
    raise StepFailed("OpenCV could not write an mp4v or MJPG clip (FFmpeg backend missing?)")


def step_decode(ctx: Context) -> str:
    import cv2

    assert ctx.clip is not None
    cap = cv2.VideoCapture(str(ctx.clip))
    try:
        if not cap.isOpened():
            raise StepFailed(f"OpenCV cannot open {ctx.clip.name} (FFmpeg backend missing?)")
        backend = cap.getBackendName()  # must be read while open
        count = 0
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            if frame.shape[:2] != (120, 160):
                raise StepFailed(f"decoded frame is {frame.shape}, expected 120x160")
            count += 1
    finally:
        cap.release()
    if count < 15:
        raise StepFailed(f"decoded only {count} of 20 frames")
    return f"{count} frames via {backend}"


def step_analyse(ctx: Context) -> str:
    """The app's own validation and analysis on the clip (not just raw OpenCV)."""
    from desktop_app.media.analyse import analyse
    from desktop_app.media.validate import validate_file

    assert ctx.clip is not None
    info = validate_file(ctx.clip)
    ctx.analysis = analyse(ctx.clip)
    if ctx.analysis.sha256 != _sha256(ctx.clip):
        raise StepFailed("analysis sha256 differs from the file's")
    if not ctx.analysis.thumbnail_jpeg:
        raise StepFailed("analysis produced no thumbnail")
    return (f"{info.width}x{info.height} {ctx.analysis.codec} {ctx.analysis.frame_count} frames, "
            f"sharpness {ctx.analysis.sharpness:.0f}")


def step_server(ctx: Context) -> str:
    from desktop_app.server.embedded import start_embedded_server

    ctx.server = start_embedded_server(ctx.tmp / "server")
    ctx.cleanups.append(ctx.server.stop)
    return f"listening on {ctx.server.url}"


def step_upload(ctx: Context) -> str:
    """The whole pipeline on the clip, built as every front end builds it (``session``):
    sign in to the embedded backend, then validate, analyse, upload and wait for the
    server's own processing (it decodes the stored video); the server's sha256 must be
    the file's."""
    from desktop_app.jobs.model import JobState
    from desktop_app.session import connect
    from desktop_app.settings import Settings

    assert ctx.clip is not None and ctx.server is not None
    session = connect(Settings(), server=ctx.server)
    try:
        manager = session.open_manager(interactive=False)
        manager.start()
        (job,) = manager.add_files([str(ctx.clip)], session_title="self-test")
        if not manager.wait_idle({job.job_id}, timeout=60):
            raise StepFailed("the upload did not finish within 60 s")
        done = manager.get(job.job_id)
    finally:
        session.close()
    if done is None or done.state is not JobState.DONE:
        why = done.failure if done is not None else None
        raise StepFailed(f"the job ended {done.state.value if done else 'removed'}"
                         + (f" ({why.error_code}: {why.message})" if why else ""))
    local_sha = _sha256(ctx.clip)
    if (done.server_sha256 or "").lower() != local_sha:
        raise StepFailed(f"server sha256 {done.server_sha256} != local {local_sha}")
    return f"{ctx.clip.stat().st_size} bytes, sha256 {local_sha[:12]} matches, processed"


STEPS: list[tuple[str, Callable[[Context], str]]] = [
    ("window", step_window),
    ("imports", step_imports),
    ("clip", step_clip),
    ("decode", step_decode),
    ("analyse", step_analyse),
    ("server", step_server),
    ("upload", step_upload),
]


def _report(line: str) -> None:
    stream = sys.stdout
    if stream is None:  # windowed (no console) builds on Windows
        target = os.environ.get("VIDEO_UPLOADER_SELFTEST_OUT") or str(
            Path(tempfile.gettempdir()) / "video-uploader-selftest.txt")
        Path(target).write_text(line + "\n", encoding="utf-8")
        return
    print(line, flush=True)


def _progress(line: str) -> None:
    if sys.stderr is not None:
        print(line, file=sys.stderr, flush=True)


def run_steps(steps: list[tuple[str, Callable[[Context], str]]]) -> tuple[bool, str]:
    """Run steps in order, stop at the first failure; return (ok, verdict line)."""
    tmp = Path(tempfile.mkdtemp(prefix="video-uploader-selftest-"))
    _isolate(tmp)
    ctx = Context(tmp=tmp)
    timings: list[str] = []
    started = time.perf_counter()
    try:
        try:
            _memory_keyring()
        except Exception as exc:  # keyring missing from the build
            return False, f"self-test FAILED: setup: keyring: {type(exc).__name__}: {exc}"
        for name, func in steps:
            t0 = time.perf_counter()
            try:
                detail = func(ctx)
            except StepFailed as exc:
                return False, f"self-test FAILED: {name}: {exc}"
            except Exception as exc:  # a bug or a missing piece: say which step, keep one line
                _progress("".join(traceback.format_exception(exc)))
                reason = str(exc).splitlines()[0] if str(exc) else ""
                kind = getattr(exc, "code", None) or type(exc).__name__  # AppError: its code
                return False, f"self-test FAILED: {name}: {kind}: {reason}"
            elapsed = time.perf_counter() - t0
            timings.append(f"{name} {elapsed:.2f} s")
            _progress(f"self-test: {name} ok in {elapsed:.2f} s ({detail})")
        total = time.perf_counter() - started
        return True, f"self-test ok: {len(steps)} steps in {total:.2f} s ({', '.join(timings)})"
    finally:
        for cleanup in reversed(ctx.cleanups):
            try:
                cleanup()
            except Exception as exc:  # cleanup trouble must not hide the verdict
                _progress(f"self-test: cleanup: {exc}")
        shutil.rmtree(tmp, ignore_errors=True)


def run_self_test(args: argparse.Namespace | None = None) -> int:
    ok, verdict = run_steps(STEPS)
    _report(verdict)
    return 0 if ok else 1
