"""Duplicates by checksum: bytes the server already has are not sent again.

The same content under another name ends "Already on the server" with the first video's
id and nothing on the wire; ``--force`` (and the window's "Upload again anyway") sends it
all the same; a server without ``GET /videos?sha256=`` gets the upload as before; the same
file added twice while its job runs joins that job (``jobs/known.py``).
"""

from __future__ import annotations

import io
import json
import re
import shutil

import httpx
import pytest

from desktop_app.cli import main
from desktop_app.jobs.known import Request
from desktop_app.jobs.model import JobState
from tests.jobs.helpers import Recorder, manager_for, server_videos, session_for, sha256

S = JobState


def run_cli(argv, monkeypatch, capsys, stdin: str = ""):
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(argv)
    out = capsys.readouterr().out
    return code, [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def upload_args(url: str, srv, *files, extra=()):
    return ["upload", "--json", "--server", url, "--username", srv.username,
            "--password-stdin", *extra, *map(str, files)]


def body_bytes_stored(srv) -> int:
    """The server's own count of upload body bytes received (``/metrics``)."""
    text = httpx.get(srv.api_url + "/metrics", timeout=10).text
    return int(re.search(r"^uploader_upload_bytes_total (\d+)$", text, re.M).group(1))


@pytest.fixture
def twins(sample_video, tmp_path):
    """One clip under two names (a card copied twice)."""
    first, second = tmp_path / "take1.mp4", tmp_path / "take1 (copy).mp4"
    shutil.copyfile(sample_video, first)
    shutil.copyfile(sample_video, second)
    return first, second


def test_same_content_under_two_names_uploads_once_and_sends_no_byte_again(
        server, twins, fault_proxy, monkeypatch, capsys):
    proxy = fault_proxy(server.url)  # every byte the client sends passes through it
    server.set_public_url(proxy.url)
    first, second = twins
    code, [a] = run_cli(upload_args(proxy.url, server, first), monkeypatch, capsys,
                        server.password)
    assert code == 0 and a["ok"] and not a["already_on_server"]
    wire_before, body_before = proxy.bytes_up, body_bytes_stored(server)

    code, [b] = run_cli(upload_args(proxy.url, server, second), monkeypatch, capsys,
                        server.password)
    wire, body = proxy.bytes_up - wire_before, body_bytes_stored(server) - body_before
    size = second.stat().st_size
    with capsys.disabled():
        print(f"\nduplicate of a {size} B file: {body} upload body bytes on the wire "
              f"(server's uploader_upload_bytes_total), {wire} B of requests in all "
              "(sign-in, config, the sha256 query: proxy)")
    assert code == 0 and b["ok"] and b["already_on_server"]
    assert b["video_id"] == a["video_id"] and b["sha256"] == sha256(second)
    assert body == 0 and wire < 8_000 < size  # requests only, never the file
    assert [v["video_id"] for v in server_videos(server)] == [a["video_id"]]


def test_force_uploads_the_copy_all_the_same(server, twins, monkeypatch, capsys):
    first, second = twins
    code, [a] = run_cli(upload_args(server.url, server, first), monkeypatch, capsys,
                        server.password)
    code, [b] = run_cli(upload_args(server.url, server, second, extra=["--force"]),
                        monkeypatch, capsys, server.password)
    assert code == 0 and b["ok"] and not b["already_on_server"]
    assert b["video_id"] != a["video_id"]
    assert len(server_videos(server)) == 2


@pytest.mark.parametrize(("status", "code"), [(404, "NOT_FOUND"), (405, "METHOD_NOT_ALLOWED")])
def test_a_server_without_the_extension_gets_the_upload_as_before(
        server, twins, monkeypatch, capsys, status, code):
    # A backend that does not know GET /videos answers 404 (or 405) to the query.
    server.inject_fault("GET", "/videos", status=status, error_code=code, count=10)
    first, second = twins
    rc, records = run_cli(upload_args(server.url, server, first, second), monkeypatch, capsys,
                          server.password)
    assert rc == 0 and all(r["ok"] and not r["already_on_server"] for r in records)
    assert len({r["video_id"] for r in records}) == 2
    assert len(server_videos(server)) == 2


def test_twins_queued_together_upload_once(server, twins, tmp_path):
    """Both names reach the upload stage at about the same time (two upload workers): the
    second waits for the first one's upload, then finds its video."""
    rec = Recorder()
    session = session_for(server)
    manager = manager_for(server, tmp_path / "jobs.sqlite3", rec, session=session,
                          upload_workers=2)
    try:
        manager.start()
        jobs = manager.add_files([str(p) for p in twins])
        rec.wait(rec.all_finished({j.job_id for j in jobs}))
        done = [manager.get(j.job_id) for j in jobs]
    finally:
        session.close()
    assert all(j.state is S.DONE for j in done)
    assert sorted(j.already_on_server for j in done) == [False, True]
    assert len({j.video_id for j in done}) == 1
    assert len(server_videos(server)) == 1


def test_the_same_file_added_twice_while_its_job_runs_joins_that_job(
        server, sample_video, tmp_path):
    rec = Recorder()
    session = session_for(server, kbps=64)  # slow enough to be mid-upload when re-added
    manager = manager_for(server, tmp_path / "jobs.sqlite3", rec, session=session)
    try:
        manager.start()
        [first] = manager.submit([str(sample_video)], Request())
        rec.wait(rec.state_reached(first.job.job_id, S.UPLOADING))
        [again] = manager.submit([str(sample_video)], Request())
        assert again.known and again.job.job_id == first.job.job_id
        rec.wait(rec.all_finished({first.job.job_id}))
        assert [j.job_id for j in manager.jobs()] == [first.job.job_id]
    finally:
        session.close()
    assert len(server_videos(server)) == 1
