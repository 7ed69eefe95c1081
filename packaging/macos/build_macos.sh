#!/usr/bin/env bash
# macOS: the .app bundle from the spec, its self-test, and a compressed DMG.
#   packaging/macos/build_macos.sh
# Output: packaging/out/Video Uploader.app and packaging/out/video-uploader-<version>.dmg
# Unsigned: signing and notarisation need the project's Developer ID (set
# CODESIGN_IDENTITY to sign; notarise with `xcrun notarytool` afterwards).
# Not runnable on the Linux dev machine; CI (.github/workflows/build.yml) runs it.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=.venv/bin/python
VERSION=$($PY -c "import desktop_app; print(desktop_app.__version__)")
OUT=packaging/out
APP="$OUT/dist/Video Uploader.app"

$PY packaging/make_icons.py --out "$OUT/icons"
$PY -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath "$OUT/dist" --workpath "$OUT/build" packaging/video_uploader.spec

# The bundle must pass its own self-test before it is packed.
QT_QPA_PLATFORM=offscreen "$APP/Contents/MacOS/video-uploader" --self-test

if [[ -n "${CODESIGN_IDENTITY:-}" ]]; then
    codesign --deep --force --options runtime --sign "$CODESIGN_IDENTITY" "$APP"
fi

STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
cp -R "$APP" "$STAGE/"
ln -s /Applications "$STAGE/Applications"   # drag-to-install layout
DMG="$OUT/video-uploader-$VERSION.dmg"
rm -f "$DMG"
hdiutil create -volname "Video Uploader" -srcfolder "$STAGE" -fs HFS+ -format ULMO -ov "$DMG"
ls -l "$DMG"
