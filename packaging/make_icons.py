"""Draw the app icon with Qt and write every format the installers need.

    .venv/bin/python packaging/make_icons.py            # PNGs into resources/icons/
    .venv/bin/python packaging/make_icons.py --out DIR  # plus .ico and .icns into DIR

The PNGs (16-256 px, a few KB each) are committed; the .ico (Windows) and .icns
(macOS) are generated at build time from them. Both containers hold plain PNG
payloads, which every supported OS version reads, so no Pillow is needed.
"""

from __future__ import annotations

import argparse
import os
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ICON_DIR = ROOT / "resources" / "icons"
SIZES = (16, 24, 32, 48, 64, 128, 256)
ICON_NAME = "video-uploader"


def png_path(size: int) -> Path:
    return ICON_DIR / f"{ICON_NAME}-{size}.png"


def draw_pngs(sizes: tuple[int, ...] = SIZES, dest: Path = ICON_DIR) -> list[Path]:
    """Render the icon at each size: a rounded blue tile, a film frame and an up arrow."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QPointF, QRectF, Qt
    from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter, QPainterPath, QPolygonF

    _app = QGuiApplication.instance() or QGuiApplication(["make_icons"])  # noqa: F841
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    for size in sizes:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        p = QPainter(image)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.scale(size / 256, size / 256)  # draw on a 256 grid
        tile = QPainterPath()
        tile.addRoundedRect(QRectF(8, 8, 240, 240), 48, 48)
        p.fillPath(tile, QColor("#1f6feb"))
        # film frame with sprocket holes
        p.fillRect(QRectF(48, 64, 160, 112), QColor("#ffffff"))
        p.fillRect(QRectF(64, 80, 128, 80), QColor("#0b3d91"))
        for x in range(56, 200, 28):
            p.fillRect(QRectF(x, 68, 12, 8), QColor("#1f6feb"))
            p.fillRect(QRectF(x, 164, 12, 8), QColor("#1f6feb"))
        # upload arrow
        arrow = QPolygonF([QPointF(128, 92), QPointF(164, 132), QPointF(142, 132),
                           QPointF(142, 212), QPointF(114, 212), QPointF(114, 132),
                           QPointF(92, 132)])
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor("#3fb950"))
        p.drawPolygon(arrow)
        p.end()
        path = dest / f"{ICON_NAME}-{size}.png"
        if not image.save(str(path), "PNG"):
            raise RuntimeError(f"could not write {path}")
        written.append(path)
    return written


def write_ico(pngs: dict[int, bytes], dest: Path) -> Path:
    """ICO with PNG entries (Windows Vista+). A size of 256 is stored as 0."""
    sizes = sorted(s for s in pngs if s <= 256)
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = 6 + 16 * len(sizes)
    entries, blobs = b"", b""
    for size in sizes:
        data = pngs[size]
        dim = 0 if size == 256 else size
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(data), offset)
        blobs += data
        offset += len(data)
    dest.write_bytes(header + entries + blobs)
    return dest


# icns element types holding PNG data, by pixel size (macOS 10.7+).
_ICNS_TYPES = {16: b"icp4", 32: b"icp5", 64: b"icp6", 128: b"ic07", 256: b"ic08"}


def write_icns(pngs: dict[int, bytes], dest: Path) -> Path:
    body = b""
    for size, kind in _ICNS_TYPES.items():
        if size in pngs:
            body += kind + struct.pack(">I", 8 + len(pngs[size])) + pngs[size]
    dest.write_bytes(b"icns" + struct.pack(">I", 8 + len(body)) + body)
    return dest


def build_containers(out_dir: Path) -> list[Path]:
    """The .ico and .icns from the committed PNGs (drawing them first if absent)."""
    if not all(png_path(s).exists() for s in SIZES):
        draw_pngs()
    pngs = {s: png_path(s).read_bytes() for s in SIZES}
    out_dir.mkdir(parents=True, exist_ok=True)
    return [write_ico(pngs, out_dir / f"{ICON_NAME}.ico"),
            write_icns(pngs, out_dir / f"{ICON_NAME}.icns")]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="also write .ico and .icns here")
    parser.add_argument("--redraw", action="store_true", help="redraw the committed PNGs")
    args = parser.parse_args(argv)
    if args.redraw or not all(png_path(s).exists() for s in SIZES):
        for path in draw_pngs():
            print(path.relative_to(ROOT))
    if args.out:
        for path in build_containers(args.out):
            print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
