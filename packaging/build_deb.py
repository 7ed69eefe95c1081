#!/usr/bin/env python3
"""Build the PyInstaller bundle and the Linux .deb in one command.

    .venv/bin/python packaging/build_deb.py            # bundle + .deb
    .venv/bin/python packaging/build_deb.py --reuse    # .deb from an existing bundle

Outputs (git-ignored) under packaging/out/:
    dist/video-uploader/                  the one-folder bundle
    video-uploader_<version>_amd64.deb    the package (xz)

The package installs the bundle in /opt/video-uploader, a launcher in /usr/bin, a
.desktop entry (MIME types for "Open with") and hicolor icons. dpkg's triggers
refresh the desktop and icon caches, so no maintainer scripts are needed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import linux_deps  # noqa: E402
import make_icons  # noqa: E402

from desktop_app import APP_NAME, __version__  # noqa: E402

OUT = HERE / "out"
INSTALL_DIR = f"opt/{APP_NAME}"
MAINTAINER = "Video Uploader maintainers <maintainers@example.invalid>"

LAUNCHER = f"""#!/bin/sh
# Installed by the {APP_NAME} package: run the bundled app.
exec /{INSTALL_DIR}/{APP_NAME} "$@"
"""


@dataclass
class BuildResult:
    bundle: Path
    deb: Path
    bundle_bytes: int
    deb_bytes: int
    seconds: float


def _run(cmd: list[str], **kw) -> None:
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, **kw)


def tree_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def build_bundle(out: Path = OUT, python: str = sys.executable) -> Path:
    """Run PyInstaller on the spec, then drop debug info and static symbols."""
    _run([python, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
          "--distpath", str(out / "dist"), "--workpath", str(out / "build"),
          str(HERE / "video_uploader.spec")], cwd=ROOT)
    bundle = out / "dist" / APP_NAME
    strip_debug(bundle)
    return bundle


def _sections(path: Path) -> str:
    return subprocess.run(["readelf", "-S", "-W", str(path)], capture_output=True, text=True,
                          check=False).stdout


def strip_debug(bundle: Path) -> int:
    """Drop debug info and static symbol tables (never the dynamic symbols that
    linking needs) from ELF files that carry them: libpython, lib-dynload,
    cryptography's Rust core. Libraries under *.libs/ are skipped: auditwheel
    rewrote them with patchelf, and strip can corrupt such files; they ship
    stripped anyway."""
    if not shutil.which("strip") or not shutil.which("readelf"):
        print("strip/readelf not found: keeping debug info", flush=True)
        return 0
    saved = 0
    for path in bundle.rglob("*"):
        if not path.is_file() or path.is_symlink():
            continue
        rel = path.relative_to(bundle)
        # The launcher carries PyInstaller's archive appended to the ELF image: strip
        # would cut it off.
        if rel.parts == (APP_NAME,) or any(part.endswith(".libs") for part in rel.parts):
            continue
        with path.open("rb") as fh:
            if fh.read(4) != b"\x7fELF":
                continue
        sections = _sections(path)
        if ".debug_info" in sections or ".symtab" in sections:
            before = path.stat().st_size
            subprocess.run(["strip", "--strip-unneeded", str(path)], check=True)
            saved += before - path.stat().st_size
    print(f"stripped debug info and static symbols: {saved / 1e6:.1f} MB", flush=True)
    return saved


def stage(bundle: Path, root: Path) -> None:
    """Lay out the package tree under root (cleared first)."""
    if root.exists():
        shutil.rmtree(root)
    app_dir = root / INSTALL_DIR
    shutil.copytree(bundle, app_dir, symlinks=True)
    bin_dir = root / "usr" / "bin"
    bin_dir.mkdir(parents=True)
    launcher = bin_dir / APP_NAME
    launcher.write_text(LAUNCHER)
    launcher.chmod(0o755)
    apps = root / "usr" / "share" / "applications"
    apps.mkdir(parents=True)
    shutil.copy2(ROOT / "resources" / f"{APP_NAME}.desktop", apps / f"{APP_NAME}.desktop")
    for size in make_icons.SIZES:
        icon_dir = root / "usr" / "share" / "icons" / "hicolor" / f"{size}x{size}" / "apps"
        icon_dir.mkdir(parents=True)
        shutil.copy2(make_icons.png_path(size), icon_dir / f"{APP_NAME}.png")
    doc = root / "usr" / "share" / "doc" / APP_NAME
    doc.mkdir(parents=True)
    (doc / "copyright").write_text(
        "Video Uploader: MIT licence.\nBundled third-party components keep their own "
        f"licences; see /{INSTALL_DIR}/_internal/*.dist-info and cv2/LICENSE*.\n")
    for path in root.rglob("*"):  # dpkg wants sane modes regardless of the umask
        if path.is_dir():
            path.chmod(0o755)


def write_control(root: Path) -> None:
    debian = root / "DEBIAN"
    debian.mkdir(exist_ok=True)
    installed_kb = (tree_bytes(root) + 1023) // 1024
    text = linux_deps.control_text(version=__version__, installed_kb=installed_kb,
                                   glibc=linux_deps.glibc_floor(root / INSTALL_DIR),
                                   maintainer=MAINTAINER)
    (debian / "control").write_text(text)


def build_deb(bundle: Path, out: Path = OUT, *, xz_level: int = 9) -> Path:
    root = out / "deb-root"
    stage(bundle, root)
    write_control(root)
    deb = out / f"{APP_NAME}_{__version__}_amd64.deb"
    if deb.exists():
        deb.unlink()
    # xz -9 shrinks the OpenCV/Qt/numpy binaries best; --threads-max uses both cores.
    _run(["dpkg-deb", "--root-owner-group", "-Zxz", f"-z{xz_level}", "--threads-max=2",
          "--build", str(root), str(deb)])
    shutil.rmtree(root)
    return deb


def build(out: Path = OUT, *, reuse: bool = False, xz_level: int = 9) -> BuildResult:
    """Bundle + .deb under out (packaging/out by default; tests pass a temp dir so
    parallel runs never share a tree)."""
    started = time.perf_counter()
    for tool in ("dpkg-deb", "readelf"):
        if not shutil.which(tool):
            raise SystemExit(f"{tool} not found: install dpkg-dev/binutils to build the .deb")
    make_icons.build_containers(OUT / "icons")  # the spec reads icons from packaging/out
    bundle = out / "dist" / APP_NAME
    if not (reuse and (bundle / APP_NAME).exists()):
        bundle = build_bundle(out)
    deb = build_deb(bundle, out, xz_level=xz_level)
    return BuildResult(bundle, deb, tree_bytes(bundle), deb.stat().st_size,
                       time.perf_counter() - started)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="Build the bundle and the .deb.")
    parser.add_argument("--reuse", action="store_true", help="reuse packaging/out/dist if built")
    parser.add_argument("--out", type=Path, default=OUT, help="output dir (default packaging/out)")
    parser.add_argument("--xz-level", type=int, default=9, choices=range(0, 10),
                        help="xz preset for dpkg-deb (default 9: smallest download)")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # make_icons may draw PNGs
    result = build(args.out.resolve(), reuse=args.reuse, xz_level=args.xz_level)
    print(f"bundle {result.bundle} {result.bundle_bytes / 1e6:.1f} MB")
    print(f"deb    {result.deb} {result.deb_bytes / 1e6:.1f} MB")
    print(f"built in {result.seconds:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
