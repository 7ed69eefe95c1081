"""A token and a password go through every path (CLI sign-in, failures, logs, the
job store, support bundles) and appear in none of the files the app writes."""

from __future__ import annotations

import io
import json
import logging
import zipfile

from desktop_app import paths
from desktop_app.cli import main
from desktop_app.jobs.model import FailureRecord, JobState
from desktop_app.jobs.store import JobStore

TOKEN = "eyJhbGciOiJIUzI1NiJ9.dG9wLXNlY3JldA.Zm9yLXRlc3Rz-only"


def _cli(argv, monkeypatch, capsys, stdin=""):
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def _all_bytes(root) -> bytes:
    blob = b""
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        blob += data
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as zf:
                blob += b"".join(zf.read(n) for n in zf.namelist())
    return blob


def test_token_and_password_appear_in_no_log_record_or_bundle(
        server, sample_video, isolated_state, memory_keyring, monkeypatch, capsys, tmp_path):
    password = server.password
    outputs = []
    # 1. a token that the server refuses: the job fails with a sign-in error
    code, out = _cli(["upload", "--json", "--server", server.url, "--token", TOKEN,
                      "--user-id", "local", str(sample_video)], monkeypatch, capsys)
    outputs.append(out)
    assert code == 1 and json.loads(out.splitlines()[0])["error_code"] == "TOKEN_EXPIRED"
    # 2. a real sign-in with the password, and a server failure that is recorded
    server.inject_fault("POST", "/sessions/*/videos", status=500, error_code="INTERNAL_ERROR")
    code, out = _cli(["upload", "--json", "--server", server.url, "--username", server.username,
                      "--password-stdin", "--force", str(sample_video)], monkeypatch, capsys,
                     password + "\n")
    outputs.append(out)
    assert code == 1 and json.loads(out.splitlines()[0])["error_code"] == "INTERNAL_ERROR"
    # 3. the secrets pushed straight into each path, as a careless future change might
    store = JobStore(paths.job_db_path())
    failed = store.jobs(states={JobState.FAILED})
    assert len(failed) == 2
    logging.getLogger("desktop_app.transfer").error(
        "sign-in as %s with password %s gave token %s", server.username, password, TOKEN,
        extra={"job_id": failed[0].job_id, "headers": {"Authorization": f"Bearer {TOKEN}"}})
    job = failed[1]
    store.transition(job.job_id, JobState.QUEUED)
    store.transition(job.job_id, JobState.VALIDATING)
    store.transition(job.job_id, JobState.FAILED, failure=FailureRecord(
        stage="validate", error_code="UNEXPECTED_ERROR", message=f"boom {TOKEN}", hint="",
        detail=f"password={password} Authorization: Bearer {TOKEN}"))
    for failed_job in failed:
        code, out = _cli(["support-bundle", failed_job.job_id, "-o",
                          str(isolated_state / f"{failed_job.job_id}.zip")], monkeypatch, capsys)
        assert code == 0
        outputs.append(out)

    real_tokens = [value for value in memory_keyring.secrets.values()]  # tokens from sign-in
    assert real_tokens
    everything = _all_bytes(isolated_state) + "".join(outputs).encode()
    log_text = (paths.log_dir() / "app.jsonl").read_text()
    assert "[REDACTED]" in log_text and "INTERNAL_ERROR" in log_text  # the lines are there
    for secret in (TOKEN, password):
        assert secret.encode() not in everything
    for raw in real_tokens:
        stored = json.loads(raw)
        for key in ("access_token", "refresh_token"):
            assert stored[key].encode() not in everything
