"""Small helpers for the server tests: a signed-in client and contract checks."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import Any

import httpx

from desktop_app.errors import CATALOGUE
from desktop_app.server.embedded import EmbeddedServer
from tests.fixtures.server import api_token

TUS = {"Tus-Resumable": "1.0.0"}
OCTETS = {"Content-Type": "application/offset+octet-stream"}


def client(srv: EmbeddedServer, *, admin: bool = False, token: str | None = None) -> httpx.Client:
    token = token or api_token(srv, admin=admin)
    return httpx.Client(base_url=srv.api_url, headers={"Authorization": f"Bearer {token}"}, timeout=30)


def assert_error(response: httpx.Response, status: int, code: str, *, field: str | None = None) -> dict:
    """The contract's error shape: JSON, error + error_code (+ request_id), no trace."""
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["error_code"] == code, body
    assert code in CATALOGUE
    assert isinstance(body["error"], str) and body["error"].strip()
    assert "Traceback" not in response.text and "/work/" not in response.text
    assert body.get("request_id") == response.headers["x-request-id"]
    if field is not None:
        assert body.get("field") == field, body
    return body


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def new_session(c: httpx.Client, user_id: str, **extra: Any) -> str:
    r = c.post("/sessions", json={"user_id": user_id, **extra})
    assert r.status_code == 201, r.text
    return str(r.json()["session_id"])


def create_upload(c: httpx.Client, length: int, filename: str = "clip.mp4", **headers: str) -> str:
    meta = f"filename {b64(filename.encode())}"
    r = c.post("/uploads", headers={**TUS, "Upload-Length": str(length), "Upload-Metadata": meta, **headers})
    assert r.status_code == 201, r.text
    return str(r.headers["location"])


def patch(c: httpx.Client, url: str, offset: int, data: bytes, **headers: str) -> httpx.Response:
    return c.patch(url, content=data, headers={**TUS, **OCTETS, "Upload-Offset": str(offset), **headers})


def upload_multipart(c: httpx.Client, session_id: str, path: Path, user_id: str, **fields: str) -> httpx.Response:
    with open(path, "rb") as fh:
        return c.post(f"/sessions/{session_id}/videos", files={"video": (path.name, fh)},
                      data={"user_id": user_id, **fields})


def wait_processed(c: httpx.Client, video_id: str, timeout: float = 60.0) -> dict:
    """Poll the video resource until the server has finished processing it."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        body = c.get(f"/videos/{video_id}").json()
        if body["status"] != "processing" or time.monotonic() > deadline:
            return dict(body)
        time.sleep(0.05)
