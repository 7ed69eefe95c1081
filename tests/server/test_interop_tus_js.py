"""tus-js-client (npm, run by node) uploads to this server's tus endpoint.

A client nobody here wrote: if our tus is off-spec, it fails here. The finish step
then yields a video whose sha256 is the file's.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.fixtures.server import api_token
from tests.server.helpers import client, new_session

INTEROP = Path(__file__).resolve().parents[1] / "interop"
SCRIPT = INTEROP / "tus_js_upload.mjs"

pytestmark = [
    pytest.mark.interop,
    pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed: tus-js-client interop skipped"),
    pytest.mark.skipif(not (INTEROP / "node_modules" / "tus-js-client").exists(),
                       reason="tests/interop/node_modules has no tus-js-client (run `python3 dev.py test` "
                              "with npm available)"),
]


def node_upload(endpoint: str, path: Path, token: str, chunk: int | None = None) -> dict:
    cmd = ["node", str(SCRIPT), endpoint, str(path), token] + ([str(chunk)] if chunk else [])
    proc = subprocess.run(cmd, cwd=INTEROP, capture_output=True, text=True, timeout=120)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    assert lines, f"tus-js-client printed nothing; stderr: {proc.stderr}"
    result = json.loads(lines[-1])
    assert result["ok"], result
    return result


def finish(srv, url: str, path: Path) -> dict:
    with client(srv) as c:
        sid = new_session(c, srv.username)
        r = c.post(f"/sessions/{sid}/videos", json={"upload_id": url, "user_id": srv.username})
        assert r.status_code == 201, r.text
        return r.json()


@pytest.mark.parametrize("chunk", [None, 65536], ids=["one-request", "64KiB-chunks"])
def test_tus_js_client_upload_then_finish(server, video_factory, chunk):
    video = video_factory("interop.mp4", seconds=2, noise=True)
    result = node_upload(server.api_url + "/uploads", video, api_token(server), chunk)
    body = finish(server, result["url"], video)
    assert body["sha256"] == hashlib.sha256(video.read_bytes()).hexdigest()
    assert body["bytes"] == video.stat().st_size and body["filename"] == video.name


def test_tus_js_client_heals_injected_faults(server, video_factory):
    video = video_factory("interop-faults.mp4", seconds=2, noise=True)
    server.inject_fault("PATCH", "/uploads/*", status=503, retry_after=0, count=1)
    server.inject_fault("PATCH", "/uploads/*", drop_after_bytes=20_000, count=1)
    result = node_upload(server.api_url + "/uploads", video, api_token(server))
    assert server.clear_faults() == 0  # both faults fired, and tus-js-client healed them
    body = finish(server, result["url"], video)
    assert body["sha256"] == hashlib.sha256(video.read_bytes()).hexdigest()
