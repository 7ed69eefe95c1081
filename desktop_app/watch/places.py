"""Where removable media (a camera's card) mount, so the user can pick them.

Linux: ``/media/$USER`` (Debian, Ubuntu) and ``/run/media/$USER`` (Fedora, Arch); macOS:
``/Volumes``; Windows: the drive letters other than the system's. A folder on such a
medium may vanish (unplugged) and come back: ``folders.FolderWatcher`` waits for it.
"""

from __future__ import annotations

import getpass
import os
import string
import sys
from pathlib import Path


def mount_roots() -> list[Path]:
    """The folders under which this system mounts removable media (existing or not)."""
    if sys.platform == "darwin":
        return [Path("/Volumes")]
    if sys.platform == "win32":
        system = os.environ.get("SystemDrive", "C:").upper()
        return [Path(f"{d}:\\") for d in string.ascii_uppercase if f"{d}:" != system]
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        return []
    return [Path("/media") / user, Path("/run/media") / user]


def removable_places() -> list[Path]:
    """The media mounted right now (each child folder of a mount root)."""
    found: list[Path] = []
    for root in mount_roots():
        if sys.platform == "win32":
            if root.exists():
                found.append(root)
            continue
        try:
            found += sorted(p for p in root.iterdir() if p.is_dir())
        except OSError:
            continue
    return found


def is_removable(path: str | Path) -> bool:
    """Whether ``path`` lies on a medium under one of the mount roots."""
    p = Path(os.path.abspath(path))
    return any(p != root and p.is_relative_to(root) for root in mount_roots())
