"""Peers for the transfer tests: a third-party tus server (@tus/server, run by node)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

INTEROP = Path(__file__).resolve().parents[1] / "interop"


def random_file(path: Path, size: int) -> Path:
    """A file of ``size`` random bytes (uploads must not depend on compressible content)."""
    with open(path, "wb") as fh:
        left = size
        while left:
            block = os.urandom(min(left, 1 << 20))
            fh.write(block)
            left -= len(block)
    return path


@pytest.fixture(scope="module")
def tus_node_server(tmp_path_factory):
    """``(endpoint_url, storage_dir)`` of a @tus/server with @tus/file-store on loopback."""
    node = shutil.which("node")
    if node is None or not (INTEROP / "node_modules" / "@tus" / "server").is_dir():
        pytest.skip("node or the npm peers are not installed (run dev.py)")
    store = tmp_path_factory.mktemp("tus-store")
    proc = subprocess.Popen([node, str(INTEROP / "tus_server.mjs"), str(store), "0"],
                            stdout=subprocess.PIPE, text=True, cwd=INTEROP)
    line = proc.stdout.readline() if proc.stdout else ""
    if not line.startswith("READY "):
        proc.kill()
        pytest.fail(f"tus server did not start: {line!r}")
    yield line.split()[1], store
    proc.terminate()
    proc.wait(10)


def stored_file(store: Path, upload_url: str) -> Path:
    return store / upload_url.rstrip("/").rsplit("/", 1)[-1]
