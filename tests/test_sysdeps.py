"""The OS libraries Qt needs: one list for dev.py, the .deb and the app's own start-up check,
and a message that names the missing library instead of Qt's misleading abort."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_app import sysdeps

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ELF/Linux only")


def _pyside_dir() -> Path:
    spec = importlib.util.find_spec("PySide6")
    assert spec is not None and spec.submodule_search_locations
    return Path(list(spec.submodule_search_locations)[0])


def _plugin_needing(tmp_path: Path, fake: str) -> Path:
    """A copy of the xcb platform plugin whose DT_NEEDED names a library that exists nowhere
    (same length as the real name, so the string table stays valid)."""
    real = "libxcb-icccm.so.4"
    assert len(fake) == len(real)
    data = (_pyside_dir() / "Qt" / "plugins" / "platforms" / "libqxcb.so").read_bytes()
    assert data.count(real.encode() + b"\0") == 1
    folder = tmp_path / "platforms"
    folder.mkdir()
    (folder / "libqxcb.so").write_bytes(data.replace(real.encode() + b"\0", fake.encode() + b"\0"))
    return folder


@pytest.mark.needs_tool
def test_elf_reader_agrees_with_readelf():
    assert shutil.which("readelf"), "readelf (binutils) is installed by dev.py test"
    plugin = _pyside_dir() / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    out = subprocess.run(["readelf", "-d", "-W", str(plugin)], capture_output=True, text=True,
                         check=True).stdout
    needed, runpaths = sysdeps.elf_dynamic(plugin)
    assert needed == re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)
    assert runpaths == [str(plugin.parent / "../../lib")]


def test_a_plugin_with_a_missing_library_is_named(tmp_path):
    folder = _plugin_needing(tmp_path, "libxcb-nothere.so")
    pyside = _pyside_dir()
    missing = sysdeps.missing_libraries([folder / "libqxcb.so"], [pyside / "Qt" / "lib", pyside])
    assert "libxcb-nothere.so" in missing


def test_the_window_explains_a_missing_library_instead_of_aborting(tmp_path):
    """What a user who pip-installed on a bare machine sees: the library, the command."""
    folder = _plugin_needing(tmp_path, "libxcb-nothere.so")
    env = {**os.environ, "QT_QPA_PLATFORM": "xcb", "QT_QPA_PLATFORM_PLUGIN_PATH": str(folder)}
    proc = subprocess.run([sys.executable, str(ROOT / "main.py")], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1, proc.stderr
    assert "libxcb-nothere.so" in proc.stderr
    assert 'Qt\'s "xcb" platform plugin needs system libraries' in proc.stderr
    assert "Traceback" not in proc.stderr and "could not load the Qt platform" not in proc.stderr
    assert "Install" in proc.stderr  # a library no package list knows: said so plainly


def test_a_missing_library_maps_to_the_package_of_each_distribution():
    sonames = ["libxcb-icccm.so.4", "libxcb-keysyms.so.1", "libglib-2.0.so.0"]
    assert sysdeps.install_command("debian", sysdeps.packages_for("debian", sonames)) == \
        "sudo apt-get install -y libxcb-icccm4 libxcb-keysyms1 libglib2.0-0"
    assert sysdeps.install_command("fedora", sysdeps.packages_for("fedora", sonames)) == \
        "sudo dnf install -y xcb-util-wm xcb-util-keysyms glib2"
    assert sysdeps.install_command("arch", sysdeps.packages_for("arch", sonames)) == \
        "sudo pacman -S --needed xcb-util-wm xcb-util-keysyms glib2"


def test_every_system_library_qt_links_is_in_the_one_list():
    """The list cannot fall behind the wheel: every library the Qt modules and the xcb,
    wayland and offscreen plugins name, outside the wheel and libc, is listed."""
    pyside = _pyside_dir()
    bundled = [pyside / "Qt" / "lib", pyside, pyside.parent / "shiboken6"]
    targets = [p for name in sysdeps.QT_MODULES for p in pyside.glob(f"{name}.*so")]
    targets += [pyside / "Qt" / "plugins" / "platforms" / f"libq{n}.so"
                for n in ("xcb", "offscreen", "wayland")]
    external: set[str] = set()
    queue, seen = list(targets), set()
    while queue:
        path = queue.pop()
        needed, runpaths = sysdeps.elf_dynamic(path)
        for soname in needed:
            if soname in seen or sysdeps.LIBC.match(soname):
                continue
            seen.add(soname)
            local = [Path(d) / soname for d in [*runpaths, *map(str, bundled)]
                     if (Path(d) / soname).is_file()]
            if local:
                queue.append(local[0])
            else:
                external.add(soname)
    listed = {lib.soname for lib in sysdeps.QT_SYSTEM_LIBS}
    assert external <= listed, sorted(external - listed)


def test_the_deb_depends_are_the_same_list():
    sys.path.insert(0, str(ROOT / "packaging"))
    try:
        import linux_deps
    finally:
        sys.path.remove(str(ROOT / "packaging"))
    assert linux_deps.DEPENDS == sysdeps.debian_packages()
    assert "libxcb-icccm4" in linux_deps.DEPENDS and "libxcb-keysyms1" in linux_deps.DEPENDS


def test_this_machine_can_start_qt_offscreen(monkeypatch):
    """After dev.py's set-up, nothing the test run's Qt needs is missing."""
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    monkeypatch.delenv("QT_QPA_PLATFORM_PLUGIN_PATH", raising=False)
    assert sysdeps.explain_missing_qt() is None
