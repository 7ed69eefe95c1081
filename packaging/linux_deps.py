"""The .deb's Depends: the system libraries the bundle leaves to the host, and checks.

The bundle keeps Python, Qt, OpenCV/FFmpeg and numpy inside /opt/video-uploader; what
it takes from the system is what bundle_rules.HOST_LIBS drops plus what PyInstaller
never bundles (glibc, libGL/libEGL). Qt's xcb platform plugin is the long tail.

`needed_libraries(root)` reads DT_NEEDED of every ELF file in the bundle with readelf
and returns the sonames not provided by the bundle itself; `unowned(...)` maps them to
Debian packages (`dpkg -S`, else the policy name) so a test can prove every one is
in Depends.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from desktop_app.sysdeps import LIBC as _LIBC  # noqa: E402
from desktop_app.sysdeps import debian_packages  # noqa: E402

# One list with dev.py's set-up and the app's start-up check (desktop_app/sysdeps.py).
# Alternatives cover the 64-bit time_t renames (Debian 13, Ubuntu 24.04).
DEPENDS = debian_packages()
# The keyring needs a Secret Service provider to remember sign-ins across restarts;
# without one the app keeps the token in memory for the session and says so.
RECOMMENDS = ["gnome-keyring | kwalletmanager | keepassxc", "xdg-desktop-portal"]

_GLIBC = re.compile(rb"GLIBC_2\.(\d+)")


def _elf_files(root: Path) -> list[Path]:
    files = []
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as fh:
                if fh.read(4) == b"\x7fELF":
                    files.append(path)
    return files


def glibc_floor(root: Path) -> str:
    """The newest GLIBC_2.x symbol version any bundled binary asks for."""
    newest = 17
    for path in _elf_files(root):
        for match in _GLIBC.finditer(path.read_bytes()):
            newest = max(newest, int(match.group(1)))
    return f"2.{newest}"


def needed_libraries(root: Path) -> set[str]:
    """Sonames the bundle needs but does not contain (the host must provide them)."""
    files = _elf_files(root)
    provided = {p.name for p in root.rglob("*.so*")}
    needed: set[str] = set()
    for path in files:
        out = subprocess.run(["readelf", "-d", "-W", str(path)], capture_output=True,
                             text=True, check=False).stdout
        needed.update(re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out))
    return {name for name in needed - provided if not _LIBC.match(name)}


def policy_package_name(soname: str) -> str:
    """Debian policy 8.1 name for a library package: libfoo.so.4 -> libfoo4,
    libxkbcommon-x11.so.0 -> libxkbcommon-x11-0 (a hyphen when the name ends in a digit)."""
    name, _, version = soname.partition(".so.")
    version = version.split(".")[0]
    name = name.lower().replace("_", "-")
    return f"{name}-{version}" if name[-1].isdigit() else f"{name}{version}"


def owning_packages(sonames: set[str]) -> dict[str, str]:
    """soname -> Debian package that ships it: asked of dpkg when the library is
    installed on this host, else the policy name (e.g. on a CI machine without Qt's
    xcb runtime libraries)."""
    owners: dict[str, str] = {}
    for soname in sorted(sonames):
        out = subprocess.run(["dpkg", "-S", f"*/{soname}"], capture_output=True, text=True,
                             check=False).stdout
        match = re.match(r"^([^:,\s]+)", out)
        owners[soname] = match.group(1) if match else policy_package_name(soname)
    return owners


def depends_names() -> set[str]:
    names = set()
    for entry in DEPENDS:
        names.update(alt.strip().split(" ")[0] for alt in entry.split("|"))
    return names


def unowned(root: Path) -> dict[str, str]:
    """Needed host libraries whose package is missing from DEPENDS (should be empty)."""
    allowed = depends_names()
    return {so: pkg for so, pkg in owning_packages(needed_libraries(root)).items()
            if pkg not in allowed}


def control_text(*, version: str, installed_kb: int, glibc: str, maintainer: str) -> str:
    depends = ", ".join([f"libc6 (>= {glibc})", *DEPENDS])
    return (
        "Package: video-uploader\n"
        f"Version: {version}\n"
        "Section: video\n"
        "Priority: optional\n"
        "Architecture: amd64\n"
        f"Maintainer: {maintainer}\n"
        f"Installed-Size: {installed_kb}\n"
        f"Depends: {depends}\n"
        f"Recommends: {', '.join(RECOMMENDS)}\n"
        "Homepage: https://example.invalid/video-uploader\n"
        "Description: validate, analyse and upload videos with self-healing retries\n"
        " A desktop app that checks videos locally, analyses them with OpenCV\n"
        " (duration, sharpness, black or frozen segments, scene cuts) and uploads\n"
        " them to a backend with resumable tus uploads that heal transient faults.\n"
        " It ships its own Python, Qt and OpenCV in /opt/video-uploader.\n"
    )
