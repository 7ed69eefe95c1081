"""Dependency guards a user would feel: the GUI wheel of OpenCV breaks PySide6."""

from importlib import metadata

import pytest


@pytest.mark.parametrize("dist", ["opencv-python", "opencv-contrib-python"])
def test_gui_opencv_wheel_is_not_installed(dist):
    # opencv-python ships Qt 5 plugins that clash with PySide6's Qt 6 at run time.
    with pytest.raises(metadata.PackageNotFoundError):
        metadata.distribution(dist)


def test_headless_opencv_is_the_one_installed():
    assert metadata.distribution("opencv-python-headless")
    import cv2

    assert "FFMPEG:                      YES" in cv2.getBuildInformation()


def test_core_never_imports_qt():
    """The core (everything but gui/) must import without PySide6 loaded."""
    import subprocess
    import sys

    code = (
        "import sys, importlib, pkgutil, desktop_app\n"
        "for m in pkgutil.walk_packages(desktop_app.__path__, 'desktop_app.'):\n"
        "    if '.gui' in m.name or m.name.endswith('selftest'): continue\n"
        "    importlib.import_module(m.name)\n"
        "bad = [m for m in sys.modules if m.startswith('PySide6')]\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
