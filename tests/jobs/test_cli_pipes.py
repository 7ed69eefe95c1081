"""Every command ends quietly when its reader goes away (issue 13, item 6):
``jobs --json | head -1`` printed a BrokenPipeError traceback on main."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

from desktop_app import paths
from desktop_app.jobs.model import Job
from desktop_app.jobs.store import JobStore

ROOT = Path(__file__).resolve().parents[2]


def _store_with_jobs(count: int) -> None:
    store = JobStore(paths.job_db_path())
    store.add_many([Job(job_id=uuid.uuid4().hex, path=f"/videos/clip-{i:05d}.mp4", size=i,
                        mtime_ns=i, server_url="http://127.0.0.1:9") for i in range(count)])
    store.close()


def _into_head(args: list[str]) -> tuple[int, str]:
    """``main.py ARGS | head -1``: the command's exit code and its stderr."""
    env = dict(os.environ, PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring")
    cmd = subprocess.Popen([sys.executable, str(ROOT / "main.py"), *args], cwd=ROOT, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert cmd.stdout is not None
    head = subprocess.run(["head", "-1"], stdin=cmd.stdout, capture_output=True, timeout=60)
    cmd.stdout.close()  # only head holds the pipe's reading end now
    _, err = cmd.communicate(timeout=60)
    assert head.stdout.startswith(b"{") or head.stdout.strip(), head.stdout
    return cmd.returncode, err.decode(errors="replace")


def test_jobs_json_into_a_closed_pipe_exits_quietly():
    _store_with_jobs(3000)  # far more than a pipe holds: the writes after head left fail
    code, err = _into_head(["jobs", "--json"])
    assert err == "", err
    assert code == 141  # as a program killed by SIGPIPE


def test_jobs_text_into_a_closed_pipe_exits_quietly():
    _store_with_jobs(3000)
    code, err = _into_head(["jobs"])
    assert err == "" and code == 141, err
