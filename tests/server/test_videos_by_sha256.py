"""GET /videos?sha256= (the duplicates extension): the user's videos with these bytes."""

from __future__ import annotations

import httpx

from tests.server.helpers import (
    assert_error,
    client,
    new_session,
    sha256_of,
    upload_multipart,
)


def test_lists_the_callers_video_with_those_bytes_and_nothing_else(server, sample_video):
    sha = sha256_of(sample_video)
    with client(server) as c:
        assert c.get("/videos", params={"sha256": sha}).json() == {"videos": []}
        sid = new_session(c, server.username)
        video = upload_multipart(c, sid, sample_video, server.username).json()
        found = c.get("/videos", params={"sha256": sha.upper()}).json()["videos"]
        assert [v["video_id"] for v in found] == [video["video_id"]]
        assert found[0]["sha256"] == sha and found[0]["bytes"] == sample_video.stat().st_size
        assert c.get("/videos", params={"sha256": "0" * 64}).json() == {"videos": []}


def test_another_users_videos_are_not_listed_unless_admin(server_factory, sample_video):
    srv = server_factory(users=[("alice", "pw-alice", False), ("bob", "pw-bob", False),
                                ("ops", "pw-ops", True)])
    sha = sha256_of(sample_video)

    def token(name: str, password: str) -> str:
        r = httpx.post(srv.api_url + "/auth/token", json={"username": name, "password": password})
        return str(r.json()["access_token"])

    with client(srv, token=token("alice", "pw-alice")) as alice:
        upload_multipart(alice, new_session(alice, "alice"), sample_video, "alice")
    with client(srv, token=token("bob", "pw-bob")) as bob:
        assert bob.get("/videos", params={"sha256": sha}).json() == {"videos": []}
        assert_error(bob.get("/videos", params={"sha256": sha, "user_id": "alice"}), 403,
                     "FORBIDDEN")
    with client(srv, token=token("ops", "pw-ops")) as ops:
        found = ops.get("/videos", params={"sha256": sha, "user_id": "alice"}).json()["videos"]
        assert [v["user_id"] for v in found] == ["alice"]


def test_a_missing_or_malformed_sha256_is_a_clear_400(server):
    with client(server) as c:
        assert_error(c.get("/videos"), 400, "MISSING_FIELD", field="sha256")
        assert_error(c.get("/videos", params={"sha256": "abc"}), 400, "INVALID_REQUEST",
                     field="sha256")
        assert_error(c.get("/videos", params={"sha256": "g" * 64}), 400, "INVALID_REQUEST",
                     field="sha256")
    r = httpx.get(server.api_url + "/videos", params={"sha256": "0" * 64})
    assert_error(r, 401, "AUTH_REQUIRED")


def test_the_query_is_answered_from_the_index(server):
    plan = server.ctx.store.all("EXPLAIN QUERY PLAN SELECT * FROM videos WHERE user_id=? "
                                "AND sha256=? ORDER BY created_at DESC", "local", "0" * 64)
    assert any("videos_user_sha256" in row["detail"] for row in plan), plan
