"""Where the app keeps its state, from platformdirs.

Honours XDG_DATA_HOME / XDG_STATE_HOME / XDG_CONFIG_HOME on Linux, so tests run
isolated by pointing those at a temporary folder. Nothing here is cached at
import time: every call reads the environment afresh.

Every directory returned here is the app's own and owner-only (0700, tightened if an
earlier version made it wider): the job store, the log, settings and the embedded
server's data are then its user's alone whatever mode each file gets.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from desktop_app import APP_NAME


def _dirs() -> platformdirs.PlatformDirs:
    return platformdirs.PlatformDirs(APP_NAME, appauthor=False)


def _private(path: str | Path) -> Path:
    """``path`` created if missing, owner-only (its parents are not ours: left alone)."""
    path = Path(path)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if os.name != "nt":
        path.chmod(0o700)
    return path


def data_dir() -> Path:
    """Job store, thumbnails, the embedded server's data."""
    return _private(_dirs().user_data_dir)


def state_dir() -> Path:
    """Runtime state: the single-instance socket name, last window geometry."""
    return _private(_dirs().user_state_dir)


def config_dir() -> Path:
    """settings.json (never a secret in it)."""
    return _private(_dirs().user_config_dir)


def log_dir() -> Path:
    """Rotating JSON-lines logs."""
    return _private(_dirs().user_log_dir)


def job_db_path() -> Path:
    return data_dir() / "jobs.sqlite3"


def settings_path() -> Path:
    return config_dir() / "settings.json"


def embedded_server_dir() -> Path:
    return _private(data_dir() / "embedded-server")
