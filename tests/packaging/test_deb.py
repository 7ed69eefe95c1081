"""End to end: build the bundle and the .deb, install it into a temporary root with
`dpkg -x`, and run the installed binary's --self-test offscreen (and under Xvfb with
the real xcb plugin when xvfb-run is installed).

Slow (a PyInstaller build plus xz): a few minutes on 2 cores. Runs in CI via .ci/run.
"""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "packaging"))

pytestmark = [
    pytest.mark.slow,
    pytest.mark.needs_tool,
    # The module's first test pays for the build (PyInstaller + xz -9): minutes, not seconds.
    pytest.mark.timeout(1800),
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason=".deb is built on Linux"),
    pytest.mark.skipif(not shutil.which("dpkg-deb"), reason="dpkg-deb not installed"),
]

APP = "video-uploader"
MAX_DEB_BYTES = 90 * 1000 * 1000  # the download-size budget
PREBUILT_ENV = "VIDEO_UPLOADER_PREBUILT_DEB"  # test this .deb instead of building one


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    pytest.importorskip("PyInstaller")
    import build_deb

    prebuilt = os.environ.get(PREBUILT_ENV)
    if prebuilt:  # the release workflow tests the very .deb it publishes
        deb = Path(prebuilt)
        return build_deb.BuildResult(Path(), deb, 0, deb.stat().st_size, 0.0)
    # A private output tree: parallel runs and the developer's packaging/out stay apart.
    return build_deb.build(tmp_path_factory.mktemp("package-out"))


@pytest.fixture(scope="module")
def installed(built, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("deb-root")
    subprocess.run(["dpkg-deb", "-x", str(built.deb), str(root)], check=True)
    return root


def _run_self_test(binary: Path, tmp: Path, *, prefix: list[str] | None = None,
                   platform: str = "offscreen") -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["QT_QPA_PLATFORM"] = platform
    env["HOME"] = str(tmp)
    return subprocess.run([*(prefix or []), str(binary), "--self-test"], env=env, cwd=tmp,
                          capture_output=True, text=True, timeout=180)


def test_installed_binary_passes_its_self_test(installed, tmp_path):
    binary = installed / "opt" / APP / APP
    result = _run_self_test(binary, tmp_path)
    lines = result.stdout.strip().splitlines()
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    assert len(lines) == 1 and lines[0].startswith("self-test ok: 7 steps"), result.stdout


@pytest.mark.skipif(not shutil.which("xvfb-run"), reason="xvfb-run not installed")
def test_installed_binary_runs_on_a_real_x_server(installed, tmp_path):
    # The xcb plugin with the host's libxcb-*: what the .deb's Depends promise.
    result = _run_self_test(installed / "opt" / APP / APP, tmp_path, platform="xcb",
                            prefix=["xvfb-run", "-a", "-s", "-screen 0 1280x800x24"])
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    assert "on xcb" in result.stderr and result.stdout.startswith("self-test ok:")


def test_launcher_desktop_entry_and_icons_are_installed(installed):
    launcher = (installed / "usr" / "bin" / APP).read_text()
    assert f"exec /opt/{APP}/{APP} \"$@\"" in launcher
    assert os.access(installed / "usr" / "bin" / APP, os.X_OK)
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    parser.read(installed / "usr" / "share" / "applications" / f"{APP}.desktop")
    entry = parser["Desktop Entry"]
    assert entry["Exec"] == f"{APP} %F"
    assert {"video/mp4", "video/quicktime", "video/x-matroska", "video/webm"} <= set(
        entry["MimeType"].split(";"))
    icon = installed / "usr" / "share" / "icons" / "hicolor" / "256x256" / "apps" / f"{APP}.png"
    assert icon.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_depends_cover_every_host_library_the_bundle_links(built, installed):
    import linux_deps

    fields = subprocess.run(["dpkg-deb", "-f", str(built.deb), "Depends", "Package"],
                            capture_output=True, text=True, check=True).stdout
    assert "libxcb-cursor0" in fields and "libxkbcommon-x11-0" in fields
    # Every library the bundle needs from the system belongs to a package in Depends.
    assert linux_deps.unowned(installed / "opt" / APP) == {}


def test_deb_fits_the_download_budget(built):
    assert built.deb_bytes <= MAX_DEB_BYTES, f".deb is {built.deb_bytes / 1e6:.1f} MB"
