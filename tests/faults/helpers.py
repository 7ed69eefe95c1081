"""Real faults for the end-to-end tests: a `serve` process to kill, small file systems that
fill up, a network namespace whose link goes silent. Everything is cleaned up by pid,
mount point or name in ``finally`` blocks, and every wait has a deadline.

    with ServeProcess(data_dir, port=free_port()) as srv:   # main.py serve, on loopback
        srv.kill(); srv.start()                             # SIGKILL, then the same dir/port
    with tmpfs(path, size="2m"): ...                        # mounted, then unmounted
    with NetNamespace() as ns: ns.link_down(); ns.link_up() # a server's own network
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
USER, PASSWORD = "faults", "faults-password-1"


def need_root_tool(*tools: str) -> None:
    """Skip unless we may mount and make namespaces (root) and have the tools."""
    if os.geteuid() != 0:
        pytest.skip("needs root (mount, network namespaces)")
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        pytest.skip(f"needs {', '.join(missing)} (dev.py test installs it)")


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def child_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"  # never the real keyring
    env.pop("VIDEO_UPLOADER_TEST_HOOK", None)
    env.update(extra)
    return env


class ServeProcess:
    """``main.py serve`` in its own process (optionally inside a network namespace)."""

    def __init__(self, data_dir: Path, *, host: str = "127.0.0.1", port: int | None = None,
                 netns: str | None = None, options: tuple[str, ...] = ()) -> None:
        self.data_dir, self.host = data_dir, host
        self.port = port or free_port()
        self.netns, self.options = netns, options
        self.proc: subprocess.Popen[str] | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 60.0) -> ServeProcess:
        cmd = [sys.executable, str(ROOT / "main.py"), "serve", "--host", self.host,
               "--port", str(self.port), "--data-dir", str(self.data_dir),
               "--user", f"{USER}:{PASSWORD}", *self.options]
        if self.netns:
            cmd = ["ip", "netns", "exec", self.netns, *cmd]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=child_env(), stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True)
        listening = threading.Event()

        def read() -> None:  # the server prints this line once it listens
            assert self.proc is not None and self.proc.stdout is not None
            for line in self.proc.stdout:
                if line.startswith("Serving the reference backend at "):
                    listening.set()

        threading.Thread(target=read, daemon=True).start()
        if not listening.wait(timeout):
            self.stop()
            raise AssertionError("serve did not start")
        return self

    def kill(self) -> None:
        """SIGKILL, as a crash or an OOM kill would end it."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(15)

    def __enter__(self) -> ServeProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def videos(self) -> list[dict]:
        """What the server stored (its own database; read after it stopped or while it runs)."""
        import sqlite3

        db = sqlite3.connect(self.data_dir / "server.sqlite3")
        db.row_factory = sqlite3.Row
        try:
            return [dict(r) for r in db.execute("SELECT * FROM videos ORDER BY created_at")]
        finally:
            db.close()


def upload_cmd(url: str, files: list[Path], *extra: str) -> list[str]:
    return [sys.executable, str(ROOT / "main.py"), "upload", "--json", "--server", url,
            "--username", USER, "--password-stdin", *extra, *map(str, files)]


def start_cli(cmd: list[str], tmp: Path, **env: str) -> subprocess.Popen[str]:
    """The command running on its own, the password on its stdin (``--password-stdin``)."""
    secret = tmp / f"stdin-{uuid.uuid4().hex}"
    secret.write_text(PASSWORD + "\n")
    with open(secret) as stdin:
        return subprocess.Popen(cmd, cwd=ROOT, env=child_env(**env), stdin=stdin,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def records(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]


@contextlib.contextmanager
def tmpfs(mount_point: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` (``mount -o size=``) at ``mount_point``, unmounted afterwards."""
    mount_point.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs",
                    str(mount_point)], check=True, timeout=30)
    try:
        yield mount_point
    finally:
        done = subprocess.run(["umount", str(mount_point)], capture_output=True, timeout=30)
        if done.returncode != 0:  # something still holds a file there: detach it anyway
            subprocess.run(["umount", "-l", str(mount_point)], timeout=30)


def fill(folder: Path, leave: int = 0) -> Path:
    """Fill the file system holding ``folder`` up to ``leave`` free bytes; the filler file
    is returned (delete it to free the space again)."""
    filler = folder / f"filler-{uuid.uuid4().hex}"
    block = b"\0" * (64 * 1024)
    with open(filler, "wb") as fh:
        while shutil.disk_usage(folder).free - len(block) >= leave:
            try:
                fh.write(block)
                fh.flush()
            except OSError:
                break
        left = shutil.disk_usage(folder).free - leave
        if left > 0:
            with contextlib.suppress(OSError):
                fh.write(b"\0" * left)
    return filler


class NetNamespace:
    """A network namespace joined to this one by a veth pair on a private /30.

    ``link_down()`` takes the namespace's end down: with the neighbours pinned (no ARP to
    fail fast), every packet between the two is dropped silently, as on a dead link;
    ``link_up()`` restores it. Everything is deleted on exit."""

    def __init__(self) -> None:
        tag = uuid.uuid4().hex[:6]
        self.name = f"upl-{tag}"
        self.host_if, self.ns_if = f"uh{tag}", f"us{tag}"
        third = int(tag[:2], 16)  # a /30 inside 10.213.0.0/16, unlikely to collide
        self.host_ip, self.ns_ip = f"10.213.{third}.1", f"10.213.{third}.2"

    def _ip(self, *args: str, ns: bool = False) -> None:
        cmd = ["ip", *(["-n", self.name] if ns else []), *args]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
        if done.returncode != 0:  # ip's own words say why ("mount --make-rslave /" ...)
            raise RuntimeError(f"{' '.join(cmd)}: exit {done.returncode}: "
                               f"{(done.stderr or done.stdout).strip()}")

    def __enter__(self) -> NetNamespace:
        subprocess.run(["ip", "netns", "add", self.name], check=True, timeout=30)
        try:
            self._ip("link", "add", self.host_if, "type", "veth", "peer", "name", self.ns_if)
            self._ip("link", "set", self.ns_if, "netns", self.name)
            self._ip("addr", "add", f"{self.host_ip}/30", "dev", self.host_if)
            self._ip("addr", "add", f"{self.ns_ip}/30", "dev", self.ns_if, ns=True)
            self._ip("link", "set", self.host_if, "up")
            self._ip("link", "set", self.ns_if, "up", ns=True)
            self._ip("link", "set", "lo", "up", ns=True)
            host_mac, ns_mac = self._mac(self.host_if), self._mac(self.ns_if, ns=True)
            self._ip("neigh", "replace", self.ns_ip, "lladdr", ns_mac, "dev", self.host_if,
                     "nud", "permanent")
            self._ip("neigh", "replace", self.host_ip, "lladdr", host_mac, "dev", self.ns_if,
                     "nud", "permanent", ns=True)
        except BaseException:
            self.__exit__()
            raise
        return self

    def _mac(self, dev: str, ns: bool = False) -> str:
        cmd = ["ip", *(["-n", self.name] if ns else []), "-j", "link", "show", dev]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=30).stdout
        return str(json.loads(out)[0]["address"])

    def link_down(self) -> None:
        self._ip("link", "set", self.ns_if, "down", ns=True)

    def link_up(self) -> None:
        self._ip("link", "set", self.ns_if, "up", ns=True)

    def __exit__(self, *exc: object) -> None:
        subprocess.run(["ip", "link", "del", self.host_if], capture_output=True, timeout=30)
        subprocess.run(["ip", "netns", "del", self.name], capture_output=True, timeout=30)
