"""One job store, two processes: a job a live process runs is left to it; a dead one's is taken over."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from desktop_app.jobs import ownership
from desktop_app.jobs.model import JobState, Stage
from desktop_app.jobs.ownership import RunnerClaim
from desktop_app.jobs.store import JobStore
from tests.jobs.helpers import Recorder, manager_for, server_videos, sha256

S = JobState


def _queue_as(other: RunnerClaim, server, store_path, clip, tmp_path):
    """A job the way another process leaves it mid-analysis: state in the store, its runner
    that process's id. (The job is made by a manager that is never started.)"""
    maker = manager_for(server, tmp_path / "unused.db", Recorder())
    job = maker.new_job(str(clip), session_title="Two processes")
    store = JobStore(store_path)
    [job] = store.add_many([job])
    store.transition(job.job_id, S.VALIDATING, stage=Stage.VALIDATE)
    store.transition(job.job_id, S.ANALYZING, stage=Stage.ANALYSE)
    store.update(job.job_id, runner=other.instance)
    store.close()
    return job.job_id


def test_a_job_another_live_process_runs_is_left_to_it_then_taken_over_when_it_ends(
        server, video_factory, tmp_path):
    store_path = tmp_path / "jobs.db"
    clip = video_factory("shared.mp4", seconds=1.0, size=(160, 120))
    other = RunnerClaim(store_path.parent / "runners")  # a real lock, as the window holds
    other.acquire()
    job_id = _queue_as(other, server, store_path, clip, tmp_path)

    rec = Recorder()
    manager = manager_for(server, store_path, rec)
    manager.start()
    try:
        job = manager.get(job_id)
        assert job.state is S.ANALYZING and job.runner == other.instance  # not touched
        assert not any(getattr(e, "job", None) is not None and e.job.job_id == job_id
                       for e in rec.events)
    finally:
        manager.shutdown()
    assert server_videos(server) == []

    other.release()  # that process ends (or dies: the OS drops its lock the same way)
    rec = Recorder()
    manager = manager_for(server, store_path, rec)
    manager.start()
    try:
        rec.wait(rec.state_reached(job_id, S.DONE))
        job = manager.get(job_id)
        assert job.runner == manager.claim.instance
    finally:
        manager.shutdown()
    [video] = server_videos(server)
    assert video["sha256"] == sha256(clip)


def test_a_killed_process_s_claim_is_seen_as_gone_at_once(tmp_path):
    directory = tmp_path / "runners"
    child = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys, time
            from pathlib import Path
            from desktop_app.jobs.ownership import RunnerClaim
            claim = RunnerClaim(Path({str(directory)!r}))
            claim.acquire()
            print(claim.instance, flush=True)
            sys.stdin.read()  # until the test kills it
        """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        instance = child.stdout.readline().strip()
        assert ownership.alive(directory, instance)
        child.kill()
        child.wait(10)
        assert not ownership.alive(directory, instance)
        RunnerClaim(directory).acquire()  # a new run sweeps the dead one's lock file away
        assert not (directory / f"{instance}.lock").exists()
    finally:
        child.kill()


def test_of_two_runs_claiming_one_orphaned_job_only_one_gets_it(tmp_path, server, video_factory):
    store_path = tmp_path / "jobs.db"
    clip = video_factory("orphan.mp4", seconds=0.5, size=(64, 48))
    job = manager_for(server, tmp_path / "unused.db", Recorder()).new_job(str(clip))
    store = JobStore(store_path)
    try:
        [job] = store.add_many([job])  # runner: none (a crashed run's job after its sweep)
        assert store.claim(job.job_id, "first", expected=None)
        assert not store.claim(job.job_id, "second", expected=None)
        assert store.get(job.job_id).runner == "first"
    finally:
        store.close()
