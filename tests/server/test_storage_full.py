"""A full disk on the server is 507 SERVER_STORAGE_FULL with Retry-After, in the contract's
shape (issue 13, item 4): on main it was a 500 INTERNAL_ERROR "The server ran into an
unexpected problem" while /health already said "out of disk space". A PATCH that met the
full disk is not kept (its space is freed at once); once there is room, the upload goes on
from the same offset. The disk is a small tmpfs the test mounts and unmounts."""

from __future__ import annotations

import os
import shutil

import pytest

from tests.faults.helpers import fill, tmpfs
from tests.server.helpers import assert_error, client, create_upload, new_session, patch, sha256_of

pytestmark = pytest.mark.needs_tool
MiB = 1024 * 1024


def _root() -> None:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("needs root and mount (a tmpfs the test makes)")


def test_a_patch_meeting_a_full_disk_is_507_and_the_upload_goes_on_once_there_is_room(
        server_factory, tmp_path):
    _root()
    data = os.urandom(6 * MiB)
    with tmpfs(tmp_path / "disk", "16m") as disk:
        srv = server_factory(data_dir=disk)
        try:
            with client(srv) as c:
                url = create_upload(c, len(data))
                assert patch(c, url, 0, data[:MiB]).status_code == 204
                filler = fill(disk, leave=2 * MiB)
                full = patch(c, url, MiB, data[MiB:])
                body = assert_error(full, 507, "SERVER_STORAGE_FULL")
                assert "out of storage space" in body["error"]
                assert int(full.headers["retry-after"]) >= 1 and body["retry_after"] >= 1
                head = c.head(url, headers={"Tus-Resumable": "1.0.0"})
                assert head.headers["upload-offset"] == str(MiB)  # not kept, not half-kept
                filler.unlink()
                done = patch(c, url, MiB, data[MiB:])
                assert done.status_code == 204 and done.headers["upload-offset"] == str(len(data))
                sid = new_session(c, srv.username)
                video = c.post(f"/sessions/{sid}/videos", json={
                    "upload_id": url, "user_id": srv.username})
                assert video.status_code == 201, video.text
                (stored,) = (disk / "videos").glob(f"{video.json()['video_id']}.*")
                assert stored.read_bytes() == data
                assert video.json()["sha256"] == sha256_of(stored)
        finally:
            srv.stop()  # its files live on the tmpfs: let go before it is unmounted


def test_a_multipart_upload_meeting_a_full_disk_is_507(server_factory, tmp_path, sample_video):
    _root()
    with tmpfs(tmp_path / "disk", "8m") as disk:
        srv = server_factory(data_dir=disk)
        try:
            with client(srv) as c:
                sid = new_session(c, srv.username)
                fill(disk)
                with open(sample_video, "rb") as fh:
                    r = c.post(f"/sessions/{sid}/videos", files={"video": ("a.mp4", fh)},
                               data={"user_id": srv.username})
                assert_error(r, 507, "SERVER_STORAGE_FULL")
                assert not list((disk / "tmp").glob("*.part"))  # nothing half-written left
        finally:
            srv.stop()
