"""What the server writes is its owner's alone (0600 files, 0700 directories), and
/metrics can be made to ask for a token."""

from __future__ import annotations

import stat
import sys

import httpx
import pytest

from tests.server.helpers import (
    assert_error,
    client,
    create_upload,
    new_session,
    patch,
    upload_multipart,
)


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_database_uploads_and_videos_are_owner_only(server_factory, tmp_path, sample_video):
    data_dir = tmp_path / "fresh" / "server"  # created by the server
    srv = server_factory(data_dir=data_dir)
    with client(srv) as c:
        url = create_upload(c, 10)
        assert patch(c, url, 0, b"01234").status_code == 204
        sid = new_session(c, srv.username)
        assert upload_multipart(c, sid, sample_video, srv.username).status_code == 201
    files = [p for p in data_dir.rglob("*") if p.is_file()]
    dirs = [data_dir, *(p for p in data_dir.rglob("*") if p.is_dir())]
    names = {p.name for p in files}
    assert {"server.sqlite3", "server.sqlite3-wal"} <= names and len(list((data_dir / "videos").iterdir())) == 1
    assert {p.name: oct(mode(p)) for p in files if mode(p) != 0o600} == {}
    assert {p.name: oct(mode(p)) for p in dirs if mode(p) != 0o700} == {}


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_an_existing_database_is_made_owner_only(server_factory, tmp_path):
    data_dir = tmp_path / "old"
    data_dir.mkdir()
    (data_dir / "server.sqlite3").touch(mode=0o644)  # as an earlier version left it
    (data_dir / "server.sqlite3").chmod(0o644)
    server_factory(data_dir=data_dir)
    assert mode(data_dir / "server.sqlite3") == 0o600
    assert all(mode(data_dir / d) == 0o700 for d in ("videos", "uploads", "tmp"))


def test_metrics_are_open_by_default(server):
    assert httpx.get(server.api_url + "/metrics").status_code == 200


def test_metrics_can_require_a_token(server_factory):
    srv = server_factory(metrics_token="scrape-secret-1")
    for url in (srv.api_url + "/metrics", srv.url + "/metrics"):
        assert_error(httpx.get(url), 401, "AUTH_REQUIRED")
        assert_error(httpx.get(url, headers={"Authorization": "Bearer wrong"}), 401, "TOKEN_INVALID")
        with client(srv) as c:  # a user's access token is not the scrape token
            assert_error(c.get(url), 401, "TOKEN_INVALID")
        ok = httpx.get(url, headers={"Authorization": "Bearer scrape-secret-1"})
        assert ok.status_code == 200 and "uploader_requests_total" in ok.text
    assert httpx.get(srv.api_url + "/health").status_code == 200  # health stays open
