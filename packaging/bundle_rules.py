"""What goes into the PyInstaller bundle, as plain data the spec and the tests share.

A naive bundle of PySide6 + OpenCV + numpy is ~330-380 MB: every Qt plugin type the
QtGui hook knows, Qt's translations, QtQml/QtQuick pulled in through
PySide6's hooks, the host's glib/dbus/systemd stack, and debug symbols in libpython and the
extension modules. The rules below keep only what a widgets app on Linux, Windows or
macOS loads, and leave the host's system libraries to the package manager (.deb
Depends) so the app uses the same libstdc++ / fontconfig / dbus as the desktop
(a bundled libstdc++ older than the host's breaks Mesa's GL drivers).

`keep_binary(dest)` and `keep_data(dest)` take the destination path inside the bundle
(forward slashes) and say whether it stays.
"""

from __future__ import annotations

import fnmatch
import sys

# Python modules the app never uses; excluding them also drops what they drag in.
EXCLUDED_MODULES = [
    "tkinter", "_tkinter", "turtle", "turtledemo", "idlelib", "pydoc_data", "lib2to3",
    "unittest", "doctest", "readline", "curses", "xmlrpc", "ensurepip", "venv",
    "distutils", "setuptools", "pkg_resources", "pip", "wheel",
    "IPython", "matplotlib", "pandas", "scipy", "PIL", "pytest", "hypothesis", "psutil",
    "imageio_ffmpeg", "pytestqt", "_pytest",
    # The embedded server falls back to asyncio's loop; uvloop only speeds up the
    # standalone reference backend under load.
    "uvloop",
    # Qt modules the widgets app does not import (the GUI uses QtCore/QtGui/QtWidgets,
    # QtNetwork's QLocalServer for the single-instance check, QtSvg for its icons, QtDBus
    # for the launcher's progress).
    "PySide6.QtQml", "PySide6.QtQuick", "PySide6.QtQuickWidgets",
    "PySide6.QtQuickControls2", "PySide6.QtQuickTest", "PySide6.QtDesigner", "PySide6.QtHelp",
    "PySide6.QtOpenGL", "PySide6.QtOpenGLWidgets", "PySide6.QtPrintSupport", "PySide6.QtSql",
    "PySide6.QtSvgWidgets", "PySide6.QtTest", "PySide6.QtUiTools",
    "PySide6.QtXml", "PySide6.QtConcurrent", "PySide6.QtLabsStyleKit", "PySide6.QtQmlFeatures",
    "PySide6.QtPdf", "PySide6.QtPdfWidgets", "PySide6.QtMultimedia", "PySide6.QtWebEngineCore",
]

# Qt plugins kept, by plugin directory; any plugin type not listed is dropped.
# Linux: xcb (X11 and XWayland), wayland, offscreen (self-test, CI); macOS: cocoa;
# Windows: windows. Image formats: PNG is built into QtGui; JPEG for thumbnails, ICO
# for the Windows window icon.
QT_PLUGINS: dict[str, list[str]] = {
    "platforms": ["*qxcb*", "*qwayland*", "*qoffscreen*", "*qcocoa*", "*qwindows*"],
    "platforms/darwin": ["*"],
    "xcbglintegrations": ["*"],
    "wayland-shell-integration": ["*xdg-shell*"],
    "wayland-decoration-client": ["*bradient*"],
    # No wayland-graphics-integration-client: wayland-egl is for OpenGL windows only
    # (raster widgets use shared memory) and would pull in QtOpenGL.
    "platformthemes": ["*xdgdesktopportal*"],  # native file dialogs via the portal
    "platforminputcontexts": ["*compose*", "*ibus*"],  # dead keys, input methods
    "imageformats": ["*qjpeg*", "*qico*"],
    "styles": ["*"],  # the native style on Windows and macOS
    # QNetworkInformation's backends (NetworkManager, glib, Network List Manager, ...): the
    # window's "Offline - waiting for the network" and retry-when-back (a few small files)
    "networkinformation": ["*"],
}

# Host libraries the .deb takes from the system (see packaging/deb_control.py Depends).
# PyInstaller would copy them from the build machine; matched on the file name.
HOST_LIBS = [
    "libstdc++.so*", "libgcc_s.so*",
    "libglib-2.0.so*", "libgio-2.0.so*", "libgobject-2.0.so*", "libgmodule-2.0.so*",
    "libgthread-2.0.so*", "libdbus-1.so*", "libsystemd.so*", "libgcrypt.so*",
    "libgpg-error.so*", "liblz4.so*", "libcap.so*", "libmount.so*", "libblkid.so*",
    "libselinux.so*", "libpcre2-8.so*", "libfontconfig.so*", "libfreetype.so*",
    "libexpat.so*", "libbrotli*.so*", "libpng16.so*", "libxkbcommon*.so*", "libxcb*.so*",
    "libX11*.so*", "libXau.so*", "libXdmcp.so*", "libbsd.so*", "libmd.so*",
    "libwayland-*.so*", "libGL*.so*", "libEGL.so*", "libOpenGL.so*",
    "libgssapi_krb5.so*", "libkrb5*.so*", "libk5crypto.so*", "libcom_err.so*",
    "libkeyutils.so*", "libreadline.so*", "libtinfo.so*",
]

# Qt's own translations of the languages the app ships (desktop_app/i18n.LANGUAGES):
# its standard buttons and file dialog. Every other Qt translation is dropped (~14 MB).
KEPT_QT_TRANSLATIONS = ["*/translations/qtbase_de.qm", "*/translations/qtbase_es.qm"]

# Data never needed at run time.
EXCLUDED_DATA = [
    "PySide6/Qt/translations/*",  # but the KEPT_QT_TRANSLATIONS
    "PySide6/translations/*",  # (Windows wheel layout)
    "PySide6/Qt/qml/*",
    "PySide6/qml/*",
    "PySide6/Qt/metatypes/*",
    "PySide6/Qt/libexec/*",
    "PySide6/*.pyi",
    "cv2/*.pyi", "cv2/LICENSE*", "numpy/*.pyi",
    "*/__pycache__/*",
]

# Qt shared libraries the kept modules and plugins do not load.
EXCLUDED_QT_LIBS = [
    "*Qt6Qml*", "*Qt6Quick*", "*Qt6Designer*", "*Qt6Help*", "*Qt6Pdf*", "*Qt6SvgWidgets*",
    "*Qt6Sql*", "*Qt6Test*", "*Qt6OpenGL*", "*Qt6PrintSupport*",
    "*Qt6VirtualKeyboard*", "*Qt6Labs*", "*Qt6Lottie*", "*Qt6ShaderTools*",
    "*Qt6EglFS*", "*Qt6Xml*", "*Qt6Concurrent*", "*Qt6WaylandEglCompositor*",
]


def _match(name: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatch(name, pattern) for pattern in patterns)


def _qt_plugin_kept(dest: str) -> bool | None:
    """None when dest is not a Qt plugin; else whether the plugin stays."""
    marker = "/Qt/plugins/"
    if marker not in dest:
        marker = "/plugins/" if dest.startswith("PySide6/plugins/") else ""
        if not marker:
            return None
    rest = dest.split(marker, 1)[1]
    plugin_type, _, name = rest.rpartition("/")
    patterns = QT_PLUGINS.get(plugin_type)
    return bool(patterns) and _match(name, patterns)


def keep_binary(dest: str, *, host_libs: bool = sys.platform.startswith("linux")) -> bool:
    dest = dest.replace("\\", "/")
    plugin = _qt_plugin_kept(dest)
    if plugin is not None:
        return plugin
    name = dest.rsplit("/", 1)[-1]
    if _match(name, EXCLUDED_QT_LIBS):
        return False
    if host_libs and "/" not in dest and _match(name, HOST_LIBS):
        return False
    return True


def keep_data(dest: str) -> bool:
    dest = dest.replace("\\", "/")
    plugin = _qt_plugin_kept(dest)
    if plugin is not None:
        return plugin
    if _match(dest, KEPT_QT_TRANSLATIONS):
        return True
    return not _match(dest, EXCLUDED_DATA)


def _prunable(entry: tuple) -> bool:
    """Libraries that were only collected as dependencies: Qt's own libraries and
    libraries copied from the host's system dirs. Never libpython (the bootloader
    dlopens it), Python extensions, Qt plugins or wheel-bundled libraries."""
    dest, src, typecode = entry
    dest, src = dest.replace("\\", "/"), str(src).replace("\\", "/")
    if typecode != "BINARY" or "/plugins/" in dest or "python" in dest.rsplit("/", 1)[-1]:
        return False
    return "/Qt/lib/" in dest or src.startswith(("/lib/", "/lib64/", "/usr/lib/"))


def prune_unreferenced(binaries: list[tuple], imports_of) -> list[tuple]:
    """Drop dependency libraries nothing kept links to any more.

    PyInstaller resolves the dependencies of every collected Qt plugin before the
    filters above run, so dropping e.g. the GTK theme plugin still leaves pango,
    cairo and harfbuzz behind (and QtSvg, QtOpenGL for other dropped plugins). Only
    `_prunable` entries are candidates; one stays while any kept binary links to it.
    `imports_of(src_path)` returns (name, path) pairs a binary links (PyInstaller's
    bindepend.get_imports); names compare by base name, case-folded (Windows DLL
    names are case-insensitive). Symlinks go with their targets.
    """

    def base(name: str) -> str:
        return str(name).replace("\\", "/").rsplit("/", 1)[-1].casefold()

    kept = [e for e in binaries if e[2] != "SYMLINK"]
    while True:
        referenced: set[str] = set()
        for _dest, src, _typecode in kept:
            try:
                referenced.update(base(name) for name, _path in imports_of(src))
            except Exception:  # unreadable binary: keep everything it might need
                referenced = {base(e[0]) for e in kept}
                break
        pruned = [e for e in kept if not _prunable(e) or base(e[0]) in referenced]
        if len(pruned) == len(kept):
            break
        kept = pruned
    dests = {e[0].replace("\\", "/") for e in kept}
    symlinks = [e for e in binaries
                if e[2] == "SYMLINK" and str(e[1]).replace("\\", "/") in dests]
    return kept + symlinks


def drop_dangling_symlinks(entries: list[tuple], kept: list[tuple]) -> list[tuple]:
    """PyInstaller lists top-level symlinks to Qt libraries (libQt6Svg.so.6 ->
    PySide6/Qt/lib/libQt6Svg.so.6) among the datas; drop those whose target left."""
    dests = {e[0].replace("\\", "/") for e in kept if e[2] != "SYMLINK"}
    return [e for e in entries
            if e[2] != "SYMLINK" or str(e[1]).replace("\\", "/") in dests]
