"""`upload` / `retry` / `jobs` commands on a batch, against the real backend with faults."""

from __future__ import annotations

import io
import json
import time

import httpx
import pytest

from desktop_app import paths
from desktop_app.cli import main
from desktop_app.jobs.store import JobStore
from tests.fixtures.server import api_token
from tests.jobs.helpers import server_videos, sha256


def run_cli(argv, monkeypatch, capsys, stdin: str = ""):
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(argv)
    out = capsys.readouterr().out
    return code, [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def _upload_args(srv, files):
    return ["upload", "--json", "--server", srv.url, "--username", srv.username,
            "--password-stdin", *map(str, files)]


@pytest.fixture
def batch(video_factory):
    return [video_factory(f"batch-{i:02d}.mp4", seconds=0.4, size=(160, 120)) for i in range(20)]


def _assert_each_stored_once(srv, files):
    stored = server_videos(srv)
    assert sorted(v["sha256"] for v in stored) == sorted(sha256(f) for f in files)
    for video in stored:
        assert sha256(video["path"]) == video["sha256"]


@pytest.mark.slow
def test_batch_of_20_with_transient_faults_all_complete(server, batch, monkeypatch, capsys):
    # Fewer than 5 in a row per endpoint, so the breaker stays closed: these must heal.
    server.inject_fault("POST", "/sessions/*/videos", status=503, retry_after=0, count=2)
    server.inject_fault("POST", "/sessions/*/videos", status=500,
                        error_code="TEMPORARY_FAILURE", count=2)
    server.inject_fault("POST", "/sessions", status=502, error_code="BAD_GATEWAY", count=1)
    server.inject_fault("GET", "/videos/*", status=503, retry_after=0, count=2)
    code, records = run_cli(_upload_args(server, batch), monkeypatch, capsys, server.password)
    assert code == 0, records
    assert [r["file"] for r in records] == [str(f) for f in batch]
    for record, file in zip(records, batch, strict=True):
        assert record["ok"] and record["status"] == "done" and record["error_code"] is None
        assert record["sha256"] == sha256(file) and record["bytes"] == file.stat().st_size
    assert sum(r["attempts"] - 1 for r in records) >= 5  # the retries are accounted for
    _assert_each_stored_once(server, batch)


@pytest.mark.slow
def test_permanent_fault_fails_some_the_rest_complete_and_retry_all_failed_finishes(
        server, batch, monkeypatch, capsys):
    files = batch[:8]
    server.inject_fault("POST", "/sessions/*/videos", status=500, error_code="INTERNAL_ERROR",
                        count=3)
    code, records = run_cli(_upload_args(server, files), monkeypatch, capsys, server.password)
    assert code == 1
    failed = [r for r in records if not r["ok"]]
    assert len(failed) == 3 and sum(r["ok"] for r in records) == 5
    for record in failed:
        assert record["error_code"] == "INTERNAL_ERROR" and record["status"] == "failed"
        assert record["attempts"] == 1  # a server bug is not retried automatically
        assert record["request_id"]
    store = JobStore(paths.job_db_path())
    for record in failed:
        failure = store.get(record["job_id"]).failure
        assert failure.stage == "upload" and failure.http_status == 500
        assert failure.message == "The server ran into an unexpected problem."
        assert failure.request_id == record["request_id"]
    code, listed = run_cli(["jobs", "--json", "--failed"], monkeypatch, capsys)
    assert sorted(r["job_id"] for r in listed) == sorted(r["job_id"] for r in failed)

    server.clear_faults()
    code, retried = run_cli(["retry", "--json", "--all-failed", "--username", server.username,
                             "--password-stdin"], monkeypatch, capsys, server.password)
    assert code == 0
    assert sorted(r["job_id"] for r in retried) == sorted(r["job_id"] for r in failed)
    assert all(r["ok"] and r["sha256"] for r in retried)
    _assert_each_stored_once(server, files)


def test_rerun_reports_stored_files_as_done_without_sending_and_force_sends_again(
        server, batch, monkeypatch, capsys):
    files = batch[:2]
    code, first = run_cli(_upload_args(server, [*files, files[0]]), monkeypatch, capsys,
                          server.password)
    assert code == 0 and first[2]["job_id"] == first[0]["job_id"]  # named twice: one job
    assert len(server_videos(server)) == 2
    first = first[:2]
    code, again = run_cli(_upload_args(server, files), monkeypatch, capsys, server.password)
    assert code == 0
    assert [r["job_id"] for r in again] == [r["job_id"] for r in first]
    assert all(r["already_stored"] and r["ok"] for r in again)
    assert len(server_videos(server)) == 2  # nothing sent again
    code, forced = run_cli([*_upload_args(server, files[:1]), "--force"], monkeypatch, capsys,
                           server.password)
    assert code == 0 and forced[0]["job_id"] != first[0]["job_id"]
    assert len(server_videos(server)) == 3


def test_a_server_failing_for_good_gives_up_after_the_deadline_naming_the_real_cause(
        server, batch, monkeypatch, capsys):
    files = batch[:3]
    server.inject_fault("POST", "/sessions/*/videos", status=503, retry_after=0, count=100)
    started = time.monotonic()
    code, records = run_cli([*_upload_args(server, files), "--attempts", "3",
                             "--give-up-after", "3"], monkeypatch, capsys, server.password)
    assert code == 1 and time.monotonic() - started < 90
    # the cause, not the breaker that kept the jobs waiting; CLI advice, not the window's
    assert {r["error_code"] for r in records} == {"SERVICE_UNAVAILABLE"}
    for record in records:
        assert "retry --all-failed" in record["hint"] and "Retry now" not in record["hint"]
    store = JobStore(paths.job_db_path())
    details = [store.get(r["job_id"]).failure.detail for r in records]
    assert all("no progress for" in d for d in details)
    assert any("circuit breaker" in d for d in details)  # it opened: named as the context
    server.clear_faults()
    code, retried = run_cli(["retry", "--json", "--all-failed", "--username", server.username,
                             "--password-stdin"], monkeypatch, capsys, server.password)
    assert code == 0 and all(r["ok"] for r in retried)
    _assert_each_stored_once(server, files)


def test_bad_input_gets_catalogue_errors_not_tracebacks(server, tmp_path, corrupt_video,
                                                        monkeypatch, capsys):
    pdf = tmp_path / "report.mp4"
    pdf.write_bytes(b"%PDF-1.4\n%%EOF\n")
    code, records = run_cli(_upload_args(server, [pdf, tmp_path / "missing.mp4", corrupt_video]),
                            monkeypatch, capsys, server.password)
    assert code == 1
    assert [r["error_code"] for r in records] == ["INVALID_FILE_TYPE", "FILE_NOT_FOUND",
                                                  "VIDEO_CORRUPTED"]
    assert "PDF" in records[0]["error"] and "missing.mp4" in records[1]["error"]
    assert server_videos(server) == []  # nothing bad was sent
    code, records = run_cli(["upload", "--json", "--server", server.url, "--username",
                             server.username, "--password-stdin", str(pdf)], monkeypatch, capsys,
                            "wrong password")
    assert code == 1 and records[0]["error_code"] == "INVALID_CREDENTIALS"
    assert "wrong password" not in json.dumps(records)


def test_rerun_with_corrected_user_id_is_a_new_upload_not_the_failed_one(
        server, sample_video, monkeypatch, capsys):
    # A non-admin uploading for someone else is refused for good ...
    code, [first] = run_cli([*_upload_args(server, [sample_video])[:2], "--user-id", "someone-else",
                             *_upload_args(server, [sample_video])[2:]], monkeypatch, capsys,
                            server.password)
    assert code == 1 and first["error_code"] == "FORBIDDEN"
    # ... and the corrected command uploads the file instead of replaying that failure.
    code, [second] = run_cli(_upload_args(server, [sample_video]), monkeypatch, capsys,
                             server.password)
    assert code == 0, second
    assert second["ok"] and not second["resumed"] and second["job_id"] != first["job_id"]
    assert second["sha256"] == sha256(sample_video)
    # the refused job keeps its record for the Failed panel
    failed = JobStore(paths.job_db_path()).jobs()
    assert {j.job_id: j.state.value for j in failed}[first["job_id"]] == "failed"


def test_rerun_after_the_server_deleted_the_videos_uploads_them_again(
        server, batch, monkeypatch, capsys):
    files = batch[:2]
    code, first = run_cli(_upload_args(server, files), monkeypatch, capsys, server.password)
    assert code == 0
    auth = {"Authorization": f"Bearer {api_token(server)}"}
    for record in first:  # gone from the server (deleted by someone, or its disk lost)
        httpx.delete(f"{server.api_url}/videos/{record['video_id']}", headers=auth,
                     timeout=10).raise_for_status()
    assert server_videos(server) == []
    code, again = run_cli(_upload_args(server, files), monkeypatch, capsys, server.password)
    assert code == 0, again
    # not "already stored" with dead ids: the same jobs ran again and stored new videos
    assert [r["job_id"] for r in again] == [r["job_id"] for r in first]
    assert all(r["ok"] and not r.get("already_stored") for r in again)
    assert not {r["video_id"] for r in again} & {r["video_id"] for r in first}
    _assert_each_stored_once(server, files)


def test_a_job_failed_for_a_missing_user_id_takes_it_from_the_rerun(
        server, sample_video, monkeypatch, capsys):
    token = api_token(server)  # a bare token does not say who the videos are for
    base = ["upload", "--json", "--server", server.url, "--token", token]
    code, [first] = run_cli([*base, str(sample_video)], monkeypatch, capsys)
    assert code == 1 and first["error_code"] == "MISSING_FIELD"
    assert "--user-id" in first["hint"]  # the option to use, by name
    code, [second] = run_cli([*base, "--user-id", server.username, str(sample_video)],
                             monkeypatch, capsys)
    assert code == 0, second
    assert second["ok"] and second["job_id"] == first["job_id"] and second["resumed"]
    assert [v["user_id"] for v in server_videos(server)] == [server.username]
