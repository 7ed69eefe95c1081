"""Gone is gone: an upload whose video or bytes were deleted answers 404/410 in the
contract's shape (a client then starts that upload afresh), never 500."""

from __future__ import annotations

from tests.server.helpers import TUS, assert_error, client, create_upload, new_session, patch


def finish(c, sid: str, url: str, user: str):
    return c.post(f"/sessions/{sid}/videos", json={"upload_id": url, "user_id": user})


def test_refinishing_after_the_video_was_deleted_is_404(server):
    with client(server) as c:
        url = create_upload(c, 6)
        assert patch(c, url, 0, b"abcdef").status_code == 204
        sid = new_session(c, server.username)
        video = finish(c, sid, url, server.username)
        assert video.status_code == 201
        assert c.delete(f"/videos/{video.json()['video_id']}").status_code == 204
        assert_error(finish(c, sid, url, server.username), 404, "UPLOAD_NOT_FOUND")
        assert c.head(url, headers=TUS).status_code == 404
        assert_error(patch(c, url, 6, b""), 404, "UPLOAD_NOT_FOUND")
        assert_error(c.delete(url, headers=TUS), 404, "UPLOAD_NOT_FOUND")


def test_an_upload_whose_bytes_vanished_is_404_for_head_patch_and_finish(server):
    with client(server) as c:
        url = create_upload(c, 6)
        assert patch(c, url, 0, b"abc").status_code == 204
        (server.data_dir / "uploads" / url.rsplit("/", 1)[-1]).unlink()  # a disk clean-up, say
        assert c.head(url, headers=TUS).status_code == 404
        assert_error(patch(c, url, 3, b"def"), 404, "UPLOAD_NOT_FOUND")
        assert_error(finish(c, new_session(c, server.username), url, server.username), 404, "UPLOAD_NOT_FOUND")
        assert not list((server.data_dir / "uploads").iterdir())  # and nothing was re-created


def test_a_finished_upload_takes_no_more_bytes_and_leaves_no_file_behind(server):
    with client(server) as c:
        url = create_upload(c, 3)
        assert patch(c, url, 0, b"abc").status_code == 204
        assert finish(c, new_session(c, server.username), url, server.username).status_code == 201
        again = patch(c, url, 3, b"")
        assert again.status_code == 204 and again.headers["upload-offset"] == "3"
        assert_error(patch(c, url, 3, b"d"), 413, "FILE_TOO_LARGE")
        assert not list((server.data_dir / "uploads").iterdir())
