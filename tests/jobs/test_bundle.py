"""Support bundle and the store-only CLI commands (`jobs`, `support-bundle`)."""

from __future__ import annotations

import json
import logging
import zipfile

from desktop_app import paths
from desktop_app.cli import main
from desktop_app.jobs.bundle import export_support_bundle
from desktop_app.jobs.log import setup_logging
from desktop_app.jobs.model import FailureRecord, Job, JobState
from desktop_app.jobs.redact import add_secret
from desktop_app.jobs.store import JobStore

TOKEN = "tok-5f1e2d3c4b5a69788796a5b4c3d2e1f0"
PASSWORD = "pa55-Word-never-shown"


def _failed_job(store: JobStore, path="/videos/clip.mp4") -> Job:
    job = store.add(Job(job_id="", path=path, size=10, mtime_ns=1, server_url="http://s"))
    store.transition(job.job_id, JobState.VALIDATING)
    store.transition(job.job_id, JobState.FAILED, failure=FailureRecord(
        stage="validate", error_code="SERVICE_UNAVAILABLE", message="The server is busy.",
        hint="Wait.", detail=f"HTTP 503 with Authorization: Bearer {TOKEN} password={PASSWORD}",
        http_status=503, request_id="req-77", attempts=5, retryable=True))
    return job


def test_bundle_has_records_matching_log_lines_versions_and_no_secrets(tmp_path):
    add_secret(PASSWORD)
    setup_logging()
    store = JobStore(paths.job_db_path())
    job = _failed_job(store)
    other = _failed_job(store, "/videos/other.mp4")
    log = logging.getLogger("desktop_app.jobs.test")
    log.error("job %s failed with token %s", job.job_id, TOKEN, extra={"job_id": job.job_id})
    log.error("job %s failed", other.job_id, extra={"job_id": other.job_id})
    log.warning("server said 503", extra={"request_id": "req-77"})

    out = export_support_bundle(store, job.job_id, tmp_path / "b.zip")
    with zipfile.ZipFile(out) as zf:
        names = set(zf.namelist())
        blob = b"".join(zf.read(n) for n in names).decode()
        record = json.loads(zf.read("job.json"))
        lines = zf.read("log.jsonl").decode().splitlines()
        versions = json.loads(zf.read("versions.json"))
    assert {"job.json", "log.jsonl", "versions.json", "README.txt"} <= names
    assert TOKEN not in blob and PASSWORD not in blob
    assert record["job"]["job_id"] == job.job_id
    assert record["failures"][0]["error_code"] == "SERVICE_UNAVAILABLE"
    assert record["failures"][0]["request_id"] == "req-77"
    assert [h["to_state"] for h in record["history"]] == ["queued", "validating", "failed"]
    assert len(lines) == 2  # its own line and the one with its request id, not the other job's
    assert all(other.job_id not in line for line in lines)
    assert versions["app"] and versions["libraries"]["httpx"]


def test_cli_jobs_lists_failed_with_reason_and_bundle_command_writes_zip(tmp_path, capsys):
    store = JobStore(paths.job_db_path())
    job = _failed_job(store)
    store.add(Job(job_id="", path="/videos/fine.mp4", size=1, mtime_ns=1, server_url="http://s"))
    assert main(["jobs", "--json", "--failed"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["job_id"] for r in rows] == [job.job_id]
    assert rows[0]["error_code"] == "SERVICE_UNAVAILABLE" and rows[0]["attempts"] == 5
    assert TOKEN not in json.dumps(rows)
    assert main(["jobs"]) == 0
    assert "queued" in capsys.readouterr().out

    assert main(["support-bundle", job.job_id, "-o", str(tmp_path / "s.zip")]) == 0
    assert zipfile.is_zipfile(tmp_path / "s.zip")
    assert main(["support-bundle", "nope", "-o", str(tmp_path / "n.zip")]) == 1
    err = capsys.readouterr().err
    assert "INVALID_REQUEST" in err and "nope" in err and "Traceback" not in err
