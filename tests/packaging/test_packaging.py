"""Cheap packaging checks: the spec, the bundle rules, the .desktop entry, the icons,
and the self-test run from source (the same code path the built bundle runs)."""

from __future__ import annotations

import configparser
import os
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"
sys.path.insert(0, str(PACKAGING))

import bundle_rules  # noqa: E402
import make_icons  # noqa: E402

DESKTOP = ROOT / "resources" / "video-uploader.desktop"
VIDEO_TYPES = {"video/mp4", "video/quicktime", "video/x-matroska", "video/webm",
               "video/x-msvideo"}


def test_spec_and_build_scripts_compile():
    for name in ("video_uploader.spec", "build_deb.py", "linux_deps.py", "make_icons.py"):
        path = PACKAGING / name
        compile(path.read_text(), str(path), "exec")  # a SyntaxError fails the test


@pytest.mark.parametrize("dest, kept", [
    ("PySide6/Qt/plugins/platforms/libqxcb.so", True),
    ("PySide6/Qt/plugins/platforms/libqoffscreen.so", True),
    ("PySide6/Qt/plugins/platforms/libqwayland.so", True),
    ("PySide6/Qt/plugins/platforms/libqeglfs.so", False),
    ("PySide6/Qt/plugins/platforms/libqvnc.so", False),
    ("PySide6/Qt/plugins/imageformats/libqjpeg.so", True),
    ("PySide6/Qt/plugins/imageformats/libqtiff.so", False),
    ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", False),
    ("PySide6/Qt/plugins/wayland-graphics-integration-client/libqt-plugin-wayland-egl.so", False),
    ("PySide6/Qt/plugins/wayland-shell-integration/libxdg-shell.so", True),
    ("PySide6/Qt/plugins/tls/libqopensslbackend.so", False),
    ("PySide6/plugins/platforms/qwindows.dll", True),
    ("PySide6/Qt/lib/libQt6Quick.so.6", False),
    ("PySide6/Qt/lib/libQt6Widgets.so.6", True),
    ("PySide6/Qt/lib/libQt6Network.so.6", True),  # QLocalServer: single instance
    # OpenCV's own FFmpeg must stay: without it no video opens.
    ("opencv_python_headless.libs/libavcodec-c4204469.so.62.28.101", True),
    ("libavformat-4762a711.so.62.12.101", True),
    ("cv2/cv2.abi3.so", True),
])
def test_bundle_keeps_what_the_app_loads(dest, kept):
    assert bundle_rules.keep_binary(dest, host_libs=True) is kept


def test_host_system_libraries_are_left_to_the_package_manager_on_linux_only():
    # A bundled libstdc++ older than the host's breaks Mesa's GL drivers.
    assert not bundle_rules.keep_binary("libstdc++.so.6", host_libs=True)
    assert not bundle_rules.keep_binary("libdbus-1.so.3", host_libs=True)
    assert bundle_rules.keep_binary("libstdc++.so.6", host_libs=False)
    # Python's own libraries stay in the bundle.
    assert bundle_rules.keep_binary("libpython3.11.so.1.0", host_libs=True)
    assert bundle_rules.keep_binary("libssl.so.3", host_libs=True)


def test_translations_and_qml_are_dropped_resources_kept():
    # Qt's own strings in the shipped languages stay; the other ~14 MB go.
    assert bundle_rules.keep_data("PySide6/Qt/translations/qtbase_de.qm")
    assert bundle_rules.keep_data("PySide6/Qt/translations/qtbase_es.qm")
    assert not bundle_rules.keep_data("PySide6/Qt/translations/qtbase_fr.qm")
    assert not bundle_rules.keep_data("PySide6/Qt/translations/assistant_de.qm")
    assert bundle_rules.keep_data("resources/locale/de/LC_MESSAGES/video-uploader.mo")
    assert bundle_rules.keep_data("resources/icons/ui/state-done.svg")
    # the icons are drawn with QtSvg (its widgets module stays out)
    assert bundle_rules.keep_binary("PySide6/Qt/lib/libQt6Svg.so.6")
    assert not bundle_rules.keep_binary("PySide6/Qt/lib/libQt6SvgWidgets.so.6")
    assert not bundle_rules.keep_data("PySide6/Qt/qml/QtQuick/qmldir")
    assert bundle_rules.keep_data("resources/icons/video-uploader-256.png")
    assert bundle_rules.keep_data("keyring-25.7.0.dist-info/entry_points.txt")


def test_prune_drops_libraries_only_dropped_plugins_needed():
    sys_lib = "/usr/lib/x86_64-linux-gnu/"
    links = {
        "/venv/cv2.so": [("libavcodec.so.62", "/venv/libavcodec.so.62")],
        "/venv/libavcodec.so.62": [],
        "/venv/libqxcb.so": [("libQt6XcbQpa.so.6", None), ("libxcb-util.so.1", None)],
        "/venv/libQt6XcbQpa.so.6": [],
        "/venv/libQt6Svg.so.6": [],  # only the (dropped) SVG icon engine linked it
        sys_lib + "libxcb-util.so.1": [],
        sys_lib + "libpango-1.0.so.0": [],  # only the (dropped) GTK theme linked it
        "/py/libpython3.11.so.1.0": [],  # dlopened by the bootloader: never pruned
    }
    binaries = [
        ("cv2/cv2.abi3.so", "/venv/cv2.so", "EXTENSION"),
        ("libavcodec.so.62", "/venv/libavcodec.so.62", "BINARY"),
        ("PySide6/Qt/plugins/platforms/libqxcb.so", "/venv/libqxcb.so", "BINARY"),
        ("PySide6/Qt/lib/libQt6XcbQpa.so.6", "/venv/libQt6XcbQpa.so.6", "BINARY"),
        ("libxcb-util.so.1", sys_lib + "libxcb-util.so.1", "BINARY"),
        ("libpython3.11.so.1.0", "/py/libpython3.11.so.1.0", "BINARY"),
        ("PySide6/Qt/lib/libQt6Svg.so.6", "/venv/libQt6Svg.so.6", "BINARY"),
        ("libpango-1.0.so.0", sys_lib + "libpango-1.0.so.0", "BINARY"),
        ("libQt6XcbQpa.so.6", "PySide6/Qt/lib/libQt6XcbQpa.so.6", "SYMLINK"),
        ("libQt6Svg.so.6", "PySide6/Qt/lib/libQt6Svg.so.6", "SYMLINK"),
    ]
    kept = bundle_rules.prune_unreferenced(binaries, lambda src: links[src])
    assert [d for d, _s, _t in kept] == [d for d, _s, _t in binaries[:6]] + ["libQt6XcbQpa.so.6"]


def _desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keys are case-sensitive
    parser.read(DESKTOP, encoding="utf-8")
    return parser["Desktop Entry"]


def test_desktop_entry_opens_video_files():
    entry = _desktop_entry()
    assert VIDEO_TYPES <= set(filter(None, entry["MimeType"].split(";")))
    assert entry["Exec"].split() == ["video-uploader", "%F"]  # many files per launch
    assert entry["Icon"] == "video-uploader" and entry["Terminal"] == "false"


@pytest.mark.needs_tool
@pytest.mark.skipif(not shutil.which("desktop-file-validate"),
                    reason="desktop-file-validate not installed (desktop-file-utils)")
def test_desktop_entry_passes_desktop_file_validate():
    result = subprocess.run(["desktop-file-validate", str(DESKTOP)], capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "error" not in result.stdout.lower()


def test_icons_hold_every_size_as_png(tmp_path):
    ico, icns = make_icons.build_containers(tmp_path)
    data = ico.read_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", data)
    assert (reserved, kind, count) == (0, 1, len(make_icons.SIZES))
    for i in range(count):
        _w, _h, _c, _r, _p, _b, size, offset = struct.unpack_from("<BBBBHHII", data, 6 + 16 * i)
        assert data[offset:offset + 8] == b"\x89PNG\r\n\x1a\n"
        assert offset + size <= len(data)
    blob = icns.read_bytes()
    assert blob[:4] == b"icns" and struct.unpack(">I", blob[4:8])[0] == len(blob)
    assert b"ic08" in blob  # 256 px for Finder and the Dock


def _clean_env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        env[name] = str(tmp_path / "user" / name.lower())
        Path(env[name]).mkdir(parents=True)
    env["QT_QPA_PLATFORM"] = "offscreen"
    return env


def test_self_test_from_source_passes_and_leaves_the_user_store_alone(tmp_path):
    env = _clean_env(tmp_path)
    result = subprocess.run([sys.executable, str(ROOT / "main.py"), "--self-test"], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=120)
    lines = result.stdout.strip().splitlines()
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(lines) == 1 and lines[0].startswith("self-test ok: "), result.stdout
    for step in ("window", "decode", "analyse", "upload"):
        assert f"{step} " in lines[0]
    # Nothing was written to the (pretend) user's data, config or state dirs.
    assert not any(p.is_file() for p in (tmp_path / "user").rglob("*"))


def test_self_test_names_the_missing_piece_in_one_line(tmp_path):
    # A bundle that lost OpenCV: a cv2 that cannot be imported shadows the real one.
    fake = tmp_path / "fake"
    fake.mkdir()
    (fake / "cv2.py").write_text("raise ImportError('simulated: OpenCV missing from the build')\n")
    env = _clean_env(tmp_path)
    env["PYTHONPATH"] = os.pathsep.join([str(fake), str(ROOT)])
    result = subprocess.run([sys.executable, str(ROOT / "main.py"), "--self-test"], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert result.stdout.strip().splitlines() == [
        "self-test FAILED: imports: cannot import cv2: simulated: OpenCV missing from the build"]


def test_symlinks_to_dropped_libraries_are_dropped_too():
    kept = [("PySide6/Qt/lib/libQt6Core.so.6", "/venv/libQt6Core.so.6", "BINARY")]
    datas = [("libQt6Core.so.6", "PySide6/Qt/lib/libQt6Core.so.6", "SYMLINK"),
             ("libQt6Svg.so.6", "PySide6/Qt/lib/libQt6Svg.so.6", "SYMLINK"),
             ("resources/icons/x.png", "/repo/resources/icons/x.png", "DATA")]
    assert bundle_rules.drop_dangling_symlinks(datas, kept) == [datas[0], datas[2]]


@pytest.mark.parametrize("soname, package", [
    ("libxcb-icccm.so.4", "libxcb-icccm4"),
    ("libxkbcommon-x11.so.0", "libxkbcommon-x11-0"),
    ("libEGL.so.1", "libegl1"),
    ("libdbus-1.so.3", "libdbus-1-3"),
])
def test_unknown_host_libraries_map_to_debian_policy_names(soname, package):
    import linux_deps

    assert linux_deps.policy_package_name(soname) == package
    assert package in linux_deps.depends_names()  # and the .deb depends on it
