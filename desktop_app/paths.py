"""Where the app keeps its state, from platformdirs.

Honours XDG_DATA_HOME / XDG_STATE_HOME / XDG_CONFIG_HOME on Linux, so tests run
isolated by pointing those at a temporary folder. Nothing here is cached at
import time: every call reads the environment afresh.
"""

from __future__ import annotations

from pathlib import Path

import platformdirs

from desktop_app import APP_NAME


def _dirs() -> platformdirs.PlatformDirs:
    return platformdirs.PlatformDirs(APP_NAME, appauthor=False, ensure_exists=True)


def data_dir() -> Path:
    """Job store, thumbnails, the embedded server's data."""
    return Path(_dirs().user_data_dir)


def state_dir() -> Path:
    """Runtime state: the single-instance socket name, last window geometry."""
    return Path(_dirs().user_state_dir)


def config_dir() -> Path:
    """settings.json (never a secret in it)."""
    return Path(_dirs().user_config_dir)


def log_dir() -> Path:
    """Rotating JSON-lines logs."""
    return Path(_dirs().user_log_dir)


def job_db_path() -> Path:
    return data_dir() / "jobs.sqlite3"


def settings_path() -> Path:
    return config_dir() / "settings.json"


def embedded_server_dir() -> Path:
    path = data_dir() / "embedded-server"
    path.mkdir(parents=True, exist_ok=True)
    return path
