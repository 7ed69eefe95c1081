"""The app's own state (job store, log, settings, embedded server) is its user's alone."""

from __future__ import annotations

import logging
import stat
import sys

import pytest

from desktop_app import paths, settings
from desktop_app.jobs.log import setup_logging
from desktop_app.jobs.store import JobStore

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_job_store_log_and_settings_live_in_owner_only_directories(isolated_state):
    store = JobStore(paths.job_db_path())
    log_file = setup_logging()
    try:
        logging.getLogger("desktop_app.test").info("hello")
        settings.save(settings.Settings(username="alice"))
        written = [paths.job_db_path(), log_file, paths.settings_path()]
        assert all(p.exists() for p in written)
        assert {str(p.parent): oct(mode(p.parent)) for p in written if mode(p.parent) != 0o700} == {}
        assert mode(paths.settings_path()) == 0o600
        assert mode(paths.state_dir()) == 0o700 and mode(paths.embedded_server_dir()) == 0o700
    finally:
        store.close()
        for handler in list(logging.getLogger("desktop_app").handlers):
            if getattr(handler, "_jobs_log", False):
                logging.getLogger("desktop_app").removeHandler(handler)
                handler.close()


def test_an_existing_app_directory_is_made_owner_only(isolated_state):
    app_dir = paths.data_dir()
    app_dir.chmod(0o755)  # as an earlier version created it
    parent_mode = mode(app_dir.parent)
    assert mode(paths.data_dir()) == 0o700
    assert mode(app_dir.parent) == parent_mode  # XDG_DATA_HOME is not ours to change
