"""The sleep inhibitor for this platform (see ``api.SleepInhibitor``)."""

from __future__ import annotations

import sys

from desktop_app.system.api import NoInhibitor, SleepInhibitor


def for_platform() -> SleepInhibitor:
    if sys.platform.startswith("linux"):
        from desktop_app.system.inhibit_dbus import DBusInhibitor

        return DBusInhibitor()
    if sys.platform == "win32":
        from desktop_app.system.inhibit_windows import WindowsInhibitor

        return WindowsInhibitor()
    if sys.platform == "darwin":
        from desktop_app.system.inhibit_macos import CaffeinateInhibitor

        return CaffeinateInhibitor()
    return NoInhibitor()
