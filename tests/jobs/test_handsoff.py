"""The pipeline's reactions to the laptop's own events, driven by controllable OS stand-ins
(``ManualNetwork``, ``ManualInhibitor``) against the real backend and job manager."""

from __future__ import annotations

import time

import pytest

from desktop_app.jobs.model import JobState, NetworkChanged, Stage
from desktop_app.session import Options, connect, job_store
from desktop_app.settings import Settings
from desktop_app.system.api import ManualInhibitor, ManualNetwork, NetworkStatus, OsHooks
from tests.jobs.helpers import Recorder, server_videos, sha256

S = JobState


@pytest.fixture
def hands_off(server, tmp_path):
    """hands_off(settings=None, network=None, kbps=None, server_local=False) ->
    (manager, network, inhibitor, recorder); the session is closed afterwards."""
    sessions = []

    def start(settings: Settings | None = None, network: ManualNetwork | None = None,
              kbps: int | None = None, server_local: bool = False):
        session = connect(settings or Settings(), Options(
            server=server.url, username=server.username, password=server.password,
            limit_kbps=kbps))
        sessions.append(session)
        rec = Recorder()
        manager = session.open_manager(on_event=rec, interactive=True,
                                       store=job_store(tmp_path / "jobs.sqlite3"))
        network = network or ManualNetwork()
        inhibitor = ManualInhibitor()
        session.start_hands_off(OsHooks(network, inhibitor, server_local=server_local))
        manager.start()
        return manager, network, inhibitor, rec

    yield start
    for session in sessions:
        session.close()


def told(rec: Recorder) -> list[NetworkChanged]:
    return rec.of(NetworkChanged)


def test_when_the_network_is_back_a_job_retries_at_once_not_after_its_backoff(
        server, sample_video, hands_off):
    # The upload meets a 503 asking to come back in 2 minutes ...
    server.inject_fault("POST", "/sessions/*/videos", status=503, retry_after=120, count=1)
    manager, network, _, rec = hands_off()
    [job] = manager.add_files([str(sample_video)])
    rec.wait(rec.state_reached(job.job_id, S.WAITING_RETRY))
    # ... the laptop lost its network meanwhile, and the front ends are told so ...
    network.set(reachable=False)
    rec.wait(lambda _: told(rec) and told(rec)[-1].offline)
    back = time.monotonic()
    network.set(reachable=True)  # ... and it is back: no waiting out the 120 s
    rec.wait(rec.state_reached(job.job_id, S.DONE), timeout=30)
    assert time.monotonic() - back < 30
    assert [t.offline for t in told(rec)] == [True, False]
    assert [v["sha256"] for v in server_videos(server)] == [sha256(sample_video)]


def test_a_metered_connection_holds_uploads_and_they_continue_from_their_offset(
        server, video_factory, hands_off):
    big = video_factory("metered.mp4", seconds=2.0, size=(640, 480), noise=True)  # tus
    assert big.stat().st_size > 9 * 1024 * 1024
    network = ManualNetwork()
    manager, network, _, rec = hands_off(Settings(pause_on_metered=True), network,
                                         kbps=8 * 1024)
    [job] = manager.add_files([str(big)])
    rec.wait(lambda _: (j := manager.get(job.job_id)).state is S.UPLOADING
             and j.upload_url is not None)
    network.set(metered=True)  # a phone's hotspot: the running upload stops
    rec.wait(lambda _: told(rec) and told(rec)[-1].uploads_held)
    rec.wait(lambda _: (j := manager.get(job.job_id)).state is S.QUEUED
             and j.stage is Stage.UPLOAD)
    held = manager.get(job.job_id)
    assert held.upload_url is not None and server_videos(server) == []
    network.set(metered=False)
    rec.wait(rec.state_reached(job.job_id, S.DONE), timeout=120)
    done = manager.get(job.job_id)
    assert done.upload_url == held.upload_url  # the same upload, continued
    assert [v["sha256"] for v in server_videos(server)] == [sha256(big)]
    assert not told(rec)[-1].uploads_held


def test_metered_without_the_setting_changes_nothing(server, sample_video, hands_off):
    network = ManualNetwork(NetworkStatus(metered=True))
    manager, network, _, rec = hands_off(Settings(pause_on_metered=False), network)
    [job] = manager.add_files([str(sample_video)])
    rec.wait(rec.state_reached(job.job_id, S.DONE))
    assert not any(t.uploads_held for t in told(rec))


def test_the_machine_is_kept_awake_while_jobs_run_and_released_when_idle(
        server, sample_video, hands_off):
    manager, _, inhibitor, rec = hands_off(kbps=64)
    [job] = manager.add_files([str(sample_video)])
    assert inhibitor.wait_for(True, timeout=30)
    assert manager.get(job.job_id).state is not S.DONE  # held while it ran
    rec.wait(rec.state_reached(job.job_id, S.DONE))
    assert inhibitor.wait_for(False, timeout=10) and inhibitor.holds == 1


def test_keep_awake_off_never_holds(server, sample_video, hands_off):
    manager, _, inhibitor, rec = hands_off(Settings(keep_awake=False))
    [job] = manager.add_files([str(sample_video)])
    rec.wait(rec.state_reached(job.job_id, S.DONE))
    assert inhibitor.holds == 0


def test_a_server_on_this_machine_does_not_care_about_the_network(
        server, sample_video, hands_off):
    network = ManualNetwork(NetworkStatus(reachable=False, metered=True))
    manager, network, _, rec = hands_off(Settings(pause_on_metered=True), network,
                                         server_local=True)
    [job] = manager.add_files([str(sample_video)])
    rec.wait(rec.state_reached(job.job_id, S.DONE))
    assert told(rec) == []
