"""An outage is a wait, in the CLI's mode as in the window's: jobs behind an open breaker
wait for its probe and continue; only a deadline with no progress at all ends them, each
with the cause it met (issue 13, item 1). Against the real backend, as the CLI builds it
(``interactive=False``)."""

from __future__ import annotations

import socket
import time

import pytest

from desktop_app.jobs.model import JobChanged, JobState
from desktop_app.session import Options, connect, job_store
from desktop_app.settings import Settings
from desktop_app.transfer.breaker import BreakerConfig
from tests.jobs.helpers import Recorder, manager_for, server_videos, session_for, sha256

S = JobState


@pytest.fixture
def clips(video_factory):
    return [video_factory(f"outage-{i}.mp4", seconds=1.0, size=(160, 120)) for i in range(3)]


def _quick_breakers(session) -> None:
    """The breaker's cooldown is the server's (30 s); capped at 2 s so the test is quick."""
    session.client.breakers.config = BreakerConfig(cooldown_s=1.0, max_cooldown_s=2.0)


def _states(rec: Recorder, job_id: str) -> list[JobState]:
    return [e.job.state for e in rec.of(JobChanged) if e.job.job_id == job_id]


def test_cli_jobs_behind_an_open_breaker_wait_for_the_probe_and_all_finish(
        server, clips, tmp_path):
    rec = Recorder()
    session = session_for(server)
    _quick_breakers(session)
    manager = manager_for(server, tmp_path / "jobs.db", rec, session=session,
                          interactive=False, upload_workers=1)
    # enough 503s in a row to open the breaker, then the server is well again
    server.inject_fault("POST", "/sessions/*/videos", status=503, retry_after=0, count=7)
    manager.start()
    try:
        ids = {j.job_id for j in manager.add_files([str(c) for c in clips])}
        rec.wait(rec.all_finished(ids), timeout=120)
    finally:
        manager.shutdown()
    assert {j.job_id: j.state for j in manager.jobs()} == dict.fromkeys(ids, S.DONE)
    assert any(S.WAITING_SERVER in _states(rec, j) for j in ids)  # they waited, not failed
    assert not any(S.FAILED in _states(rec, j) for j in ids)
    assert sorted(v["sha256"] for v in server_videos(server)) == sorted(map(sha256, clips))


def test_a_server_never_reachable_gives_up_after_the_deadline_with_the_real_cause(
        clips, tmp_path):
    from desktop_app.errors import advice

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{s.getsockname()[1]}"
    session = connect(Settings(), Options(server=url, token="t" * 40))
    session.client.auth.use_token("t" * 40, user_id="alice")  # who: no request needed
    _quick_breakers(session)
    rec = Recorder()
    manager = session.open_manager(on_event=rec, interactive=False,
                                   store=job_store(tmp_path / "jobs.db"), give_up_after_s=3)
    manager.start()
    started = time.monotonic()
    try:
        ids = {j.job_id for j in manager.add_files([str(c) for c in clips])}
        assert manager.wait_idle(ids, timeout=120)
    finally:
        manager.shutdown()
    assert time.monotonic() - started < 90
    failed = manager.jobs()
    assert {j.state for j in failed} == {S.FAILED}
    for job in failed:  # the cause, not the breaker that held the jobs back
        assert job.failure.error_code == "CONNECTION_REFUSED", job.failure
        assert "no progress for" in job.failure.detail
        assert job.failure.hint == advice("CONNECTION_REFUSED", gave_up=True)


def test_cli_sign_in_waits_for_a_server_that_is_not_up_yet_then_gives_up_naming_it(
        tmp_path, sample_video, monkeypatch, capsys):
    import io
    import json

    from desktop_app.cli import main

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{s.getsockname()[1]}"
    monkeypatch.setattr("sys.stdin", io.StringIO("secret\n"))
    started = time.monotonic()
    code = main(["upload", "--json", "--server", url, "--username", "alice",
                 "--password-stdin", "--give-up-after", "4", str(sample_video)])
    took = time.monotonic() - started
    (record,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 1 and record["error_code"] == "CONNECTION_REFUSED"
    assert 4 <= took < 60  # waited the deadline, as the jobs would, then ended
    assert "run the command again" in record["hint"] or "retry" in record["hint"]
