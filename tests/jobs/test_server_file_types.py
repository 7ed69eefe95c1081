"""A file type the server does not accept (its GET /config list) fails before analysis,
before a byte is sent, with a message naming the type and the accepted ones."""

from __future__ import annotations

import io
import json
import re
import shutil

import httpx
import pytest

from desktop_app.cli import main
from desktop_app.jobs.model import JobState
from tests.jobs.helpers import Recorder, manager_for, server_videos

S = JobState


@pytest.fixture
def ts_clip(sample_video, tmp_path):
    """A real, decodable video the app itself could analyse, named as MPEG-TS."""
    clip = tmp_path / "holiday.ts"
    shutil.copy(sample_video, clip)
    return clip


def _upload_traffic(server) -> tuple[int, list[str]]:
    """Upload body bytes the server stored, and every upload request it saw."""
    text = httpx.get(server.api_url + "/metrics", timeout=10).text
    stored = int(re.search(r"^uploader_upload_bytes_total (\d+)$", text, re.M).group(1))
    uploads = [line for line in text.splitlines() if line.startswith("uploader_requests_total")
               and ('method="PATCH"' in line or "/uploads" in line or "/videos" in line)]
    return stored, uploads


def _assert_names_type_and_accepted(message: str) -> None:
    assert "\u201c.ts\u201d" in message
    for accepted in (".mp4", ".mov", ".mkv", ".webm"):
        assert accepted in message
    assert message != "This file is not a video the app can upload."


def test_manager_fails_an_unaccepted_type_before_analysis(server, ts_clip, tmp_path):
    rec = Recorder()
    manager = manager_for(server, tmp_path / "jobs.db", rec)
    manager.start()
    try:
        (job,) = manager.add_files([str(ts_clip)])
        rec.wait(rec.state_reached(job.job_id, S.FAILED))
    finally:
        manager.shutdown()
    failed = manager.get(job.job_id)
    assert failed.failure.error_code == "INVALID_FILE_TYPE"
    assert failed.failure.stage == "validate" and failed.analysis is None
    _assert_names_type_and_accepted(failed.failure.message)
    states = [h["to_state"] for h in manager.history(job.job_id) if h["kind"] == "state"]
    assert "analyzing" not in states
    assert _upload_traffic(server) == (0, [])
    assert server_videos(server) == []


def test_cli_upload_of_an_unaccepted_type_sends_nothing(server, ts_clip, sample_video,
                                                        monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO(server.password))
    code = main(["upload", "--json", "--server", server.url, "--username", server.username,
                 "--password-stdin", str(ts_clip)])
    (record,) = [json.loads(x) for x in capsys.readouterr().out.splitlines() if x.startswith("{")]
    assert code == 1 and record["error_code"] == "INVALID_FILE_TYPE"
    _assert_names_type_and_accepted(record["error"])
    assert _upload_traffic(server) == (0, [])
