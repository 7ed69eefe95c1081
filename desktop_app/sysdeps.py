"""What the app needs from the operating system, and a clear message when it is missing.

One list, ``QT_SYSTEM_LIBS``: the shared libraries Qt's wheels leave to the system,
each with the package that ships it on Debian/Ubuntu, Fedora and Arch. The .deb's
``Depends`` (``packaging/linux_deps.py``), ``dev.py``'s set-up and the app's own
start-up check all read it, so they cannot drift apart.

``explain_missing_qt()`` runs before Qt is imported: Qt aborts when its platform
plugin cannot load, with a message that names the wrong library ("xcb-cursor0 is
needed" when libxcb-icccm4 is what is missing). This reads the ``DT_NEEDED`` entries
of the Qt modules and of the platform plugin Qt is about to load (following the
libraries bundled in the wheel), asks the dynamic loader for every system library
they name, and says which are missing and the command that installs them.

Stdlib only: ``dev.py`` loads this file by path before any virtual environment exists.
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
import re
import struct
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class SystemLib:
    soname: str
    debian: str  # a Depends entry: "pkg" or "pkg | alternative" (64-bit time_t renames)
    fedora: str
    arch: str


QT_SYSTEM_LIBS: tuple[SystemLib, ...] = (
    SystemLib("libstdc++.so.6", "libstdc++6", "libstdc++", "gcc-libs"),
    SystemLib("libgcc_s.so.1", "libgcc-s1", "libgcc", "gcc-libs"),
    SystemLib("libglib-2.0.so.0", "libglib2.0-0 | libglib2.0-0t64", "glib2", "glib2"),
    SystemLib("libgthread-2.0.so.0", "libglib2.0-0 | libglib2.0-0t64", "glib2", "glib2"),
    SystemLib("libdbus-1.so.3", "libdbus-1-3", "dbus-libs", "dbus"),
    SystemLib("libfontconfig.so.1", "libfontconfig1", "fontconfig", "fontconfig"),
    SystemLib("libfreetype.so.6", "libfreetype6", "freetype", "freetype2"),
    # fontconfig's, and Debian's python3 links it (pyexpat): the bundle leaves it to the host
    SystemLib("libexpat.so.1", "libexpat1", "expat", "expat"),
    SystemLib("libbrotlidec.so.1", "libbrotli1", "libbrotli", "brotli"),
    SystemLib("libbrotlicommon.so.1", "libbrotli1", "libbrotli", "brotli"),
    SystemLib("libzstd.so.1", "libzstd1", "libzstd", "zstd"),
    SystemLib("libz.so.1", "zlib1g", "zlib", "zlib"),
    SystemLib("libEGL.so.1", "libegl1", "libglvnd-egl", "libglvnd"),
    SystemLib("libGL.so.1", "libgl1", "libglvnd-glx", "libglvnd"),
    SystemLib("libX11.so.6", "libx11-6", "libX11", "libx11"),
    SystemLib("libX11-xcb.so.1", "libx11-xcb1", "libX11-xcb", "libx11"),
    SystemLib("libxcb.so.1", "libxcb1", "libxcb", "libxcb"),
    SystemLib("libxcb-cursor.so.0", "libxcb-cursor0", "xcb-util-cursor", "xcb-util-cursor"),
    SystemLib("libxcb-glx.so.0", "libxcb-glx0", "libxcb", "libxcb"),
    SystemLib("libxcb-icccm.so.4", "libxcb-icccm4", "xcb-util-wm", "xcb-util-wm"),
    SystemLib("libxcb-image.so.0", "libxcb-image0", "xcb-util-image", "xcb-util-image"),
    SystemLib("libxcb-keysyms.so.1", "libxcb-keysyms1", "xcb-util-keysyms", "xcb-util-keysyms"),
    SystemLib("libxcb-randr.so.0", "libxcb-randr0", "libxcb", "libxcb"),
    SystemLib("libxcb-render-util.so.0", "libxcb-render-util0", "xcb-util-renderutil",
              "xcb-util-renderutil"),
    SystemLib("libxcb-render.so.0", "libxcb-render0", "libxcb", "libxcb"),
    SystemLib("libxcb-shape.so.0", "libxcb-shape0", "libxcb", "libxcb"),
    SystemLib("libxcb-shm.so.0", "libxcb-shm0", "libxcb", "libxcb"),
    SystemLib("libxcb-sync.so.1", "libxcb-sync1", "libxcb", "libxcb"),
    SystemLib("libxcb-xfixes.so.0", "libxcb-xfixes0", "libxcb", "libxcb"),
    SystemLib("libxcb-xkb.so.1", "libxcb-xkb1", "libxcb", "libxcb"),
    SystemLib("libxcb-util.so.1", "libxcb-util1", "xcb-util", "xcb-util"),
    SystemLib("libxkbcommon.so.0", "libxkbcommon0", "libxkbcommon", "libxkbcommon"),
    SystemLib("libxkbcommon-x11.so.0", "libxkbcommon-x11-0", "libxkbcommon-x11",
              "libxkbcommon-x11"),
    SystemLib("libwayland-client.so.0", "libwayland-client0", "libwayland-client", "wayland"),
    SystemLib("libwayland-cursor.so.0", "libwayland-cursor0", "libwayland-cursor", "wayland"),
    # QtNetwork links it (the app uses QLocalServer only)
    SystemLib("libgssapi_krb5.so.2", "libgssapi-krb5-2", "krb5-libs", "krb5"),
)
_BY_SONAME = {lib.soname: lib for lib in QT_SYSTEM_LIBS}

# Installed with the C library itself; never missing on a working system.
LIBC = re.compile(r"^(libc|libm|libdl|libpthread|librt|libresolv|libutil|ld-linux.*)\.so")

# The PySide6 modules the window imports (desktop_app/gui/).
QT_MODULES = ("QtCore", "QtGui", "QtWidgets", "QtNetwork")


def debian_packages() -> list[str]:
    """Depends entries for every library, in list order, each once."""
    return list(dict.fromkeys(lib.debian for lib in QT_SYSTEM_LIBS))


# ---- ELF -------------------------------------------------------------------------------

_DT_NEEDED, _DT_RPATH, _DT_RUNPATH = 1, 15, 29


def elf_dynamic(path: str | Path) -> tuple[list[str], list[str]]:
    """(DT_NEEDED sonames, RUNPATH/RPATH directories with $ORIGIN expanded) of an ELF
    file; two empty lists for a file that is not ELF."""
    with open(path, "rb") as fh:
        ident = fh.read(16)
        if ident[:4] != b"\x7fELF":
            return [], []
        is64, end = ident[4] == 2, "<" if ident[5] == 1 else ">"
        fh.seek(0)
        header = fh.read(64 if is64 else 52)
        if is64:
            shoff, = struct.unpack_from(end + "Q", header, 0x28)
            shentsize, shnum = struct.unpack_from(end + "HH", header, 0x3A)
        else:
            shoff, = struct.unpack_from(end + "I", header, 0x20)
            shentsize, shnum = struct.unpack_from(end + "HH", header, 0x2E)
        sections = []
        for i in range(shnum):
            fh.seek(shoff + i * shentsize)
            raw = fh.read(shentsize)
            if is64:
                _, kind, _, _, offset, size, link = struct.unpack_from(end + "IIQQQQI", raw)
            else:
                _, kind, _, _, offset, size, link = struct.unpack_from(end + "IIIIIII", raw)
            sections.append((kind, offset, size, link))
        needed: list[str] = []
        paths: list[str] = []
        for kind, offset, size, link in sections:
            if kind != 6:  # SHT_DYNAMIC
                continue
            _, str_offset, str_size, _ = sections[link]
            fh.seek(str_offset)
            strings = fh.read(str_size)
            fh.seek(offset)
            table = fh.read(size)
            entry = "qQ" if is64 else "iI"
            step = struct.calcsize(end + entry)
            for pos in range(0, len(table) - step + 1, step):
                tag, value = struct.unpack_from(end + entry, table, pos)
                if tag == 0:
                    break
                if tag in (_DT_NEEDED, _DT_RPATH, _DT_RUNPATH):
                    text = strings[value:strings.index(b"\0", value)].decode()
                    if tag == _DT_NEEDED:
                        needed.append(text)
                    else:
                        origin = os.path.dirname(os.path.abspath(path))
                        paths += [p.replace("$ORIGIN", origin).replace("${ORIGIN}", origin)
                                  for p in text.split(":") if p]
        return needed, paths


def _loader_finds(soname: str) -> str | None:
    """None when the dynamic loader can load ``soname``; else the library it could not
    find (``soname`` itself, or one of its own dependencies)."""
    try:
        ctypes.CDLL(soname, mode=os.RTLD_LAZY | getattr(os, "RTLD_LOCAL", 0))
        return None
    except OSError as exc:
        match = re.match(r"^([^:\s]+\.so[^:\s]*): cannot open", str(exc))
        return match.group(1) if match else soname


def missing_libraries(targets: list[Path], bundled: list[Path]) -> list[str]:
    """Sonames that ``targets`` need, directly or through the libraries bundled in
    ``bundled`` directories, that neither the bundle nor the system provides."""
    seen: set[str] = set()
    missing: list[str] = []
    queue = list(targets)
    while queue:
        path = queue.pop()
        needed, runpaths = elf_dynamic(path)
        for soname in needed:
            if soname in seen or LIBC.match(soname):
                continue
            seen.add(soname)
            local = next((Path(d) / soname for d in [*runpaths, *map(str, bundled)]
                          if (Path(d) / soname).is_file()), None)
            if local is not None:
                queue.append(local)
                continue
            lost = _loader_finds(soname)
            if lost is not None and lost not in missing:
                missing.append(lost)
    return missing


# ---- distributions ---------------------------------------------------------------------

def distro() -> str:
    """"debian", "fedora", "arch" (including their derivatives), or the os-release ID."""
    fields: dict[str, str] = {}
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            key, _, value = line.partition("=")
            fields[key] = value.strip().strip('"')
    except OSError:
        return sys.platform
    ids = [fields.get("ID", ""), *fields.get("ID_LIKE", "").split()]
    for family, members in (("debian", {"debian", "ubuntu"}),
                            ("fedora", {"fedora", "rhel", "centos"}), ("arch", {"arch"})):
        if members & set(ids):
            return family
    return ids[0] or "linux"


def install_command(family: str, packages: list[str]) -> str | None:
    """The command that installs ``packages`` on ``family``, or None if unknown."""
    packages = list(dict.fromkeys(packages))
    tool = {"debian": "sudo apt-get install -y", "fedora": "sudo dnf install -y",
            "arch": "sudo pacman -S --needed"}.get(family)
    return f"{tool} {' '.join(packages)}" if tool and packages else None


def packages_for(family: str, sonames: list[str]) -> list[str]:
    out = []
    for soname in sonames:
        lib = _BY_SONAME.get(soname)
        if lib is None:
            continue
        name = getattr(lib, family, None) if family in ("debian", "fedora", "arch") else None
        if name:
            out.append(name.split("|")[0].strip())
    return list(dict.fromkeys(out))


# ---- the check -------------------------------------------------------------------------

def _platform_plugins(qt_root: Path) -> list[Path]:
    """The platform plugin(s) Qt will try, first choice first."""
    names = os.environ.get("QT_QPA_PLATFORM", "")
    wanted = [n.split(":")[0].strip() for n in names.split(";") if n.strip()]
    if not wanted:
        wanted = ["wayland", "xcb"] if os.environ.get("WAYLAND_DISPLAY") else ["xcb"]
    folder = os.environ.get("QT_QPA_PLATFORM_PLUGIN_PATH")
    directory = Path(folder) if folder else qt_root / "plugins" / "platforms"
    return [directory / f"libq{name}.so" for name in wanted
            if (directory / f"libq{name}.so").is_file()]


def explain_missing_qt() -> str | None:
    """None when Qt can start here; else a message naming the missing system libraries
    and the command that installs them."""
    if not sys.platform.startswith("linux"):
        return None  # Windows and macOS wheels carry everything Qt needs
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None  # not installed: the import itself says so
    package = Path(list(spec.submodule_search_locations)[0])
    qt_root = package / "Qt"
    bundled = [qt_root / "lib", package, package.parent / "shiboken6"]
    modules = [p for name in QT_MODULES for p in package.glob(f"{name}.*so")]
    plugins = _platform_plugins(qt_root)
    try:
        missing = missing_libraries(modules, bundled)
        plugin_missing: dict[Path, list[str]] = {
            plugin: [m for m in missing_libraries([plugin], bundled) if m not in missing]
            for plugin in plugins}
    except (OSError, ValueError, struct.error, IndexError):
        return None  # an unreadable file: let Qt speak for itself
    # Qt falls back along the list: only a missing library in every candidate stops it.
    if plugins and all(plugin_missing.values()):
        missing += plugin_missing[plugins[0]]
    if not missing:
        return None
    family = distro()
    what = "Qt" if not plugins or not all(plugin_missing.values()) else (
        f"Qt's \"{plugins[0].name[4:-3]}\" platform plugin")
    lines = [f"The window cannot open: {what} needs system libraries that are missing here:",
             "  " + ", ".join(missing)]
    command = install_command(family, packages_for(family, missing))
    if command:
        lines += ["Install them with:", f"  {command}"]
    else:
        lines.append("Install the packages of your system that provide them.")
    lines.append("(The command-line commands work without them; see --help.)")
    return "\n".join(lines)
