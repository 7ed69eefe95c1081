"""A full disk ends every job with a code, never a hang or a traceback (issue 13, item 3),
on small tmpfs mounts the tests make and unmount: the app's state dir filling up during a
run, the same already full at start, and the server's data dir full. Once space is freed,
a rerun finishes everything, each file stored once.

On main: the CLI hung for ever when its store filled mid-run (the job never reached a final
state, ``wait_idle`` had no deadline); a store full at start gave UNEXPECTED_ERROR and a
``--- Logging error ---`` traceback; a full server disk was a 500 INTERNAL_ERROR."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from tests.faults.helpers import ROOT, child_env, fill, need_root_tool, records, tmpfs
from tests.fixtures.videos import make_video
from tests.jobs.helpers import server_videos

pytestmark = pytest.mark.needs_tool
MiB = 1024 * 1024


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    root = tmp_path_factory.mktemp("disk-clips")
    return [make_video(root / f"clip{i}.mp4", seconds=0.6 + 0.1 * i, size=(320, 240),
                       noise=True) for i in range(4)]


def _upload(server, files: list[Path], state: Path, *extra: str) -> subprocess.CompletedProcess:
    """The CLI with its job store and log under ``state``, against the test's server."""
    cmd = [sys.executable, str(ROOT / "main.py"), "upload", "--json", "--server", server.url, "--username", server.username,
           "--password-stdin", *extra, *map(str, files)]
    env = child_env(XDG_DATA_HOME=str(state / "data"), XDG_STATE_HOME=str(state / "state"))
    return subprocess.run(cmd, cwd=ROOT, env=env, input=server.password + "\n",
                          capture_output=True, text=True, timeout=240)


def _quiet(proc: subprocess.CompletedProcess) -> None:
    for text in (proc.stdout, proc.stderr):
        assert "Traceback" not in text and "Logging error" not in text, text[-3000:]


def _stored_once(server, files: list[Path]) -> None:
    stored = server_videos(server)
    assert sorted(v["sha256"] for v in stored) == sorted(sha256(f) for f in files)
    for video in stored:
        assert sha256(Path(video["path"])) == video["sha256"]


@pytest.mark.slow
def test_state_dir_filling_up_mid_run_ends_with_local_disk_full_then_a_rerun_finishes(
        server, clips, tmp_path):
    need_root_tool("mount", "umount")
    with tmpfs(tmp_path / "small", "2m") as state:
        first = _upload(server, clips[:1], state)  # the store and the log exist now
        assert first.returncode == 0, first.stdout + first.stderr
        filler = fill(state, leave=96 * 1024)  # room for the new jobs, not for their run
        run = _upload(server, clips, state)  # on main: never returned (timeout here)
        _quiet(run)
        lines = records(run.stdout)
        assert run.returncode == 1 and len(lines) == len(clips), run.stdout + run.stderr
        full = [r for r in lines if r["error_code"] == "LOCAL_DISK_FULL"]
        assert full and all(r["ok"] or r["error_code"] == "LOCAL_DISK_FULL" for r in lines)
        assert all(str(state) in r["error"] for r in full)  # which folder
        assert all("MB" in r["error"] for r in full)  # how much is needed
        print("mid-run:", [(r["error_code"], r["status"]) for r in lines], full[0]["error"])
        filler.unlink()
        rerun = _upload(server, clips, state)
        _quiet(rerun)
        assert rerun.returncode == 0, rerun.stdout + rerun.stderr
        assert all(r["ok"] for r in records(rerun.stdout))
    _stored_once(server, clips)


def test_state_dir_full_at_start_says_so_for_each_file(server, clips, tmp_path):
    need_root_tool("mount", "umount")
    with tmpfs(tmp_path / "small", "2m") as state:
        filler = fill(state)
        run = _upload(server, clips[:2], state)
        _quiet(run)
        lines = records(run.stdout)
        assert run.returncode == 1 and [r["error_code"] for r in lines] == ["LOCAL_DISK_FULL"] * 2
        assert str(state) in lines[0]["error"] and "run the command again" in lines[0]["hint"]
        filler.unlink()
        rerun = _upload(server, clips[:2], state)
        assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    _stored_once(server, clips[:2])


@pytest.mark.slow
def test_a_full_server_disk_is_storage_full_and_heals_once_space_is_freed(
        server_factory, clips, tmp_path):
    need_root_tool("mount", "umount")
    with tmpfs(tmp_path / "server-disk", "24m") as data:
        srv = server_factory(data_dir=data, chunk_size=MiB)
        filler = fill(data, leave=2 * MiB)  # the clips (~5 MB each) do not fit
        run = _upload(srv, clips[:1], tmp_path / "client", "--give-up-after", "5")
        _quiet(run)
        (line,) = records(run.stdout)
        assert run.returncode == 1 and line["error_code"] == "SERVER_STORAGE_FULL", line
        assert line["error"] == "The server is out of storage space."
        assert "administrator" in line["hint"] and "retry --all-failed" in line["hint"]
        filler.unlink()
        rerun = _upload(srv, clips[:1], tmp_path / "client")
        assert rerun.returncode == 0, rerun.stdout + rerun.stderr
        _stored_once(srv, clips[:1])
        srv.stop()  # its files live on the tmpfs: let go before it is unmounted
