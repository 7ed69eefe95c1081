"""Package figures: bundle size, .deb size, what dominates, the installed binary's
--self-test time and its time to a shown window.

    .venv/bin/python tests/benchmarks/bench_package.py            # build, then measure
    .venv/bin/python tests/benchmarks/bench_package.py --reuse    # reuse packaging/out/dist
    .venv/bin/python tests/benchmarks/bench_package.py --naive    # also a naive bundle to compare

Targets (issue 7): .deb <= 90 MB; installed app shows its window within 2 s.
"Shown window" is measured from spawning the installed binary until the app prints
"window-shown <epoch>" (VIDEO_UPLOADER_BENCH_STARTUP, set right after window.show()).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "packaging"))

import build_deb  # noqa: E402
import bundle_rules  # noqa: E402

APP = "video-uploader"


def mb(n: float) -> str:
    return f"{n / 1e6:.1f} MB"


def component(rel: Path) -> str:
    """Group files the way a reader thinks of them."""
    parts = rel.parts
    if parts[0] != "_internal":
        return parts[0]
    rest = parts[1:]
    name = rest[-1]
    if rest[0] == "PySide6" and len(rest) > 3 and rest[1] == "Qt" and rest[2] == "lib":
        return "Qt " + name.split(".so")[0]
    if rest[0] in ("PySide6", "shiboken6"):
        return "PySide6 bindings + plugins" if rest[0] == "PySide6" else "shiboken6"
    if rest[0] == "opencv_python_headless.libs" or name.startswith(("libav", "libsw")):
        return "OpenCV libs: " + name.split("-")[0]
    if rest[0] in ("cv2", "numpy", "numpy.libs", "cryptography", "python3.11"):
        return rest[0]
    if name.startswith("libpython"):
        return "libpython"
    return "other (" + (rest[0] if len(rest) > 1 else "top-level libs") + ")"


def size_table(bundle: Path, top: int = 16) -> list[str]:
    sizes: Counter[str] = Counter()
    seen: set[int] = set()
    for path in bundle.rglob("*"):
        if path.is_file() and not path.is_symlink():
            st = path.stat()
            if st.st_ino in seen:
                continue
            seen.add(st.st_ino)
            sizes[component(path.relative_to(bundle))] += st.st_size
    total = sum(sizes.values())
    return [f"  {name:<40} {mb(n):>9}  {100 * n / total:4.1f} %"
            for name, n in sizes.most_common(top)]


def isolated_env(tmp: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env.update({"HOME": str(tmp), "QT_QPA_PLATFORM": "offscreen", **extra})
    for name in ("XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME",
                 "XDG_RUNTIME_DIR"):
        env[name] = str(tmp / name.lower())
        Path(env[name]).mkdir(parents=True, exist_ok=True, mode=0o700)
    return env


def time_self_test(binary: Path, runs: int) -> tuple[list[float], str]:
    times, verdict = [], ""
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            r = subprocess.run([str(binary), "--self-test"], env=isolated_env(Path(tmp)),
                               capture_output=True, text=True, timeout=300)
            times.append(time.perf_counter() - t0)
            verdict = r.stdout.strip() or r.stderr.strip()[-300:]
    return times, verdict


def time_to_window(binary: Path, runs: int, prefix: list[str] | None = None,
                   platform: str = "offscreen") -> list[float]:
    times = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            env = isolated_env(Path(tmp), VIDEO_UPLOADER_BENCH_STARTUP="1",
                               QT_QPA_PLATFORM=platform)
            t0 = time.time()
            r = subprocess.run([*(prefix or []), str(binary)], env=env, capture_output=True,
                               text=True, timeout=120)
            shown = [ln for ln in r.stdout.splitlines() if ln.startswith("window-shown ")]
            if not shown:
                raise SystemExit(f"no window-shown line (rc {r.returncode}): {r.stderr[-500:]}")
            times.append(float(shown[0].split()[1]) - t0)
    return times


def naive_bundle(out: Path) -> tuple[int, int]:
    """A default PyInstaller one-folder build of the same app, and its xz size."""
    subprocess.run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--onedir", "--name",
                    "naive", "--distpath", str(out / "dist"), "--workpath", str(out / "build"),
                    "--specpath", str(out), "--collect-submodules", "desktop_app",
                    "--log-level", "ERROR", str(ROOT / "main.py")], check=True, cwd=ROOT,
                   capture_output=True)
    bundle = out / "dist" / "naive"
    tar_xz = out / "naive.tar.xz"
    subprocess.run(["tar", "-C", str(bundle.parent), "-cf", str(tar_xz), "-I", "xz -6 -T2",
                    "naive"], check=True)
    return build_deb.tree_bytes(bundle), tar_xz.stat().st_size


def describe(samples: list[float]) -> str:
    return (f"median {statistics.median(samples):.2f} s, min {min(samples):.2f} s "
            f"({len(samples)} runs)")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reuse", action="store_true", help="reuse an existing bundle")
    parser.add_argument("--naive", action="store_true", help="also build a naive bundle")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=build_deb.OUT, help="build output dir")
    args = parser.parse_args(argv)

    out = args.out.resolve()
    deb = out / f"{APP}_{build_deb.__version__}_amd64.deb"
    bundle = out / "dist" / APP
    if args.reuse and deb.exists() and (bundle / APP).exists():  # measure what is there
        result = build_deb.BuildResult(bundle, deb, build_deb.tree_bytes(bundle),
                                       deb.stat().st_size, 0.0)
        print("build time                 (bundle and .deb reused)")
    else:
        result = build_deb.build(out, reuse=args.reuse)
        print(f"build time                 {result.seconds:.0f} s"
              + (" (bundle reused)" if args.reuse else ""))
    print(f"bundle (one folder)        {mb(result.bundle_bytes)}  {result.bundle}")
    print(f".deb (xz -9)               {mb(result.deb_bytes)}  target <= 90 MB: "
          f"{'met' if result.deb_bytes <= 90e6 else 'MISSED'}")
    print("largest parts of the bundle:")
    print("\n".join(size_table(result.bundle)))
    print(f"excluded: {len(bundle_rules.EXCLUDED_MODULES)} Python/Qt modules "
          f"({', '.join(bundle_rules.EXCLUDED_MODULES[:6])}, ...), Qt plugin types except "
          f"{', '.join(bundle_rules.QT_PLUGINS)}, Qt translations/QML/metatypes, "
          f"{len(bundle_rules.HOST_LIBS)} host-library patterns (left to Depends), "
          "debug info and static symbol tables (strip --strip-unneeded; wheel libs untouched)")

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        subprocess.run(["dpkg-deb", "-x", str(result.deb), str(root)], check=True)
        binary = root / "opt" / APP / APP
        times, verdict = time_self_test(binary, args.runs)
        print(f"installed --self-test      {describe(times)}")
        print(f"  verdict: {verdict}")
        shown = time_to_window(binary, args.runs)
        print(f"start to shown window      {describe(shown)} (offscreen)  target <= 2 s: "
              f"{'met' if statistics.median(shown) <= 2 else 'MISSED'}")
        if subprocess.run(["which", "xvfb-run"], capture_output=True).returncode == 0:
            xcb = time_to_window(binary, args.runs, platform="xcb",
                                 prefix=["xvfb-run", "-a", "-s", "-screen 0 1280x800x24"])
            print(f"start to shown window      {describe(xcb)} (xcb on Xvfb, incl. xvfb-run "
                  "start-up)")
    if args.naive:
        size, xz = naive_bundle(args.out.resolve() / "naive")
        print(f"naive PyInstaller bundle   {mb(size)} on disk, {mb(xz)} as tar.xz (-6)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
