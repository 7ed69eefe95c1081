#!/usr/bin/env python3
"""Set-up and run, on a fresh clone with only Python 3.11+.

    python3 dev.py run [ARGS...]    create .venv if needed, install, open the app
    python3 dev.py test [PYTEST...] create .venv if needed, install with test extras
                                    (and the npm interop peers when node is present),
                                    run the whole test suite

Re-installs only when pyproject.toml or tests/interop/package.json changed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
INTEROP = ROOT / "tests" / "interop"


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _stamp(extras: str) -> str:
    digest = hashlib.sha256(extras.encode())
    for name in ("pyproject.toml", "tests/interop/package.json"):
        path = ROOT / name
        if path.exists():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def ensure_venv(extras: str) -> Path:
    py = venv_python()
    if not py.exists():
        print("Creating .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    stamp_file = VENV / f".installed-{extras or 'base'}"
    stamp = _stamp(extras)
    if not stamp_file.exists() or stamp_file.read_text() != stamp:
        print(f"Installing the project{f' [{extras}]' if extras else ''} into .venv ...", flush=True)
        pip = [str(py), "-m", "pip", "--disable-pip-version-check", "-q"]
        subprocess.run([*pip, "install", "--upgrade", "pip"], check=True)
        target = f".[{extras}]" if extras else "."
        subprocess.run([*pip, "install", "-e", target], check=True, cwd=ROOT)
        stamp_file.write_text(stamp)
    return py


def ensure_npm_peers() -> None:
    """tus-js-client and @tus/server for the interop tests and benchmarks."""
    npm = shutil.which("npm")
    if not npm or not shutil.which("node") or not (INTEROP / "package.json").exists():
        print("node/npm not found: interop tests will be skipped.", flush=True)
        return
    stamp_file = INTEROP / "node_modules" / ".installed"
    stamp = hashlib.sha256((INTEROP / "package.json").read_bytes()).hexdigest()
    if stamp_file.exists() and stamp_file.read_text() == stamp:
        return
    print("Installing npm interop peers ...", flush=True)
    result = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--loglevel=error"],
                            cwd=INTEROP)
    if result.returncode == 0:
        stamp_file.write_text(stamp)
    else:
        print("npm install failed: interop tests will be skipped.", flush=True)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("run", "test"):
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    if command == "run":
        py = ensure_venv("")
        return subprocess.call([str(py), str(ROOT / "main.py"), *rest], cwd=ROOT)
    py = ensure_venv("test,package")
    ensure_npm_peers()
    return subprocess.call([str(py), "-m", "pytest", *rest], cwd=ROOT)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
