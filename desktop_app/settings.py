"""User settings, stored as JSON under the platform config dir. Never a secret."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from desktop_app import paths

# The first byte of an upload waits up to this long for the file's sha256, so that a file
# the server already has sends nothing (``jobs/duplicates.py``); one whose sha256 takes
# longer is checked once it is known, its upload stopped then. The one home of the default.
DUPLICATE_CHECK_WAIT_S = 1.0
MAX_DUPLICATE_CHECK_WAIT_S = 600.0


@dataclass
class Settings:
    server_url: str = ""  # empty: start the embedded reference backend
    username: str = ""
    default_user_id: str = ""
    default_session_id: str = ""
    parallel_uploads: int = 2  # 1-4
    parallel_analyses: int = 0  # 0: as many as cores
    retry_attempts: int = 5  # 3-5
    bandwidth_limit_kbps: int = 0  # 0: unlimited
    chunk_size_mib: int = 8
    start_minimized: bool = False
    # Hands-off uploading (watch/, system/): folders whose new videos are queued by
    # themselves (those also in paused_folders are kept but not watched), how long a file
    # must stay unchanged before it counts as complete, pause uploads on a metered
    # connection, keep the machine awake while uploads run.
    watched_folders: list[str] = field(default_factory=list)
    paused_folders: list[str] = field(default_factory=list)
    watch_settle_s: float = 5.0
    pause_on_metered: bool = False
    keep_awake: bool = True
    language: str = ""  # "" follows the system; else one of i18n.LANGUAGES ("de", "es", "en")
    # a batch waiting for the server with no progress at all gives up after this (0: never;
    # the window waits for ever by default, the CLI's --give-up-after defaults to 300 s)
    give_up_after_s: int = 0
    # the first byte waits up to this long for the checksum, so a duplicate sends nothing
    duplicate_check_wait_s: float = DUPLICATE_CHECK_WAIT_S

    def clamped(self) -> Settings:
        self.parallel_uploads = min(4, max(1, int(self.parallel_uploads)))
        self.parallel_analyses = max(0, int(self.parallel_analyses))
        self.retry_attempts = min(5, max(3, int(self.retry_attempts)))
        self.bandwidth_limit_kbps = max(0, int(self.bandwidth_limit_kbps))
        self.chunk_size_mib = min(256, max(1, int(self.chunk_size_mib)))
        self.watched_folders = _paths(self.watched_folders)
        self.paused_folders = [p for p in _paths(self.paused_folders)
                               if p in self.watched_folders]
        self.watch_settle_s = min(600.0, max(1.0, float(self.watch_settle_s)))
        self.pause_on_metered = bool(self.pause_on_metered)
        self.keep_awake = bool(self.keep_awake)
        self.give_up_after_s = max(0, int(self.give_up_after_s))
        self.duplicate_check_wait_s = min(MAX_DUPLICATE_CHECK_WAIT_S,
                                          max(0.0, float(self.duplicate_check_wait_s)))
        return self

    def watched(self) -> list[tuple[str, bool]]:
        """Each watched folder with whether it is paused."""
        return [(p, p in self.paused_folders) for p in self.watched_folders]


def _paths(value: object) -> list[str]:
    """A list of folder paths, each once, in order (anything else is dropped)."""
    items = value if isinstance(value, list) else []
    return list(dict.fromkeys(p.strip() for p in items if isinstance(p, str) and p.strip()))


def load(path: Path | None = None) -> Settings:
    path = path or paths.settings_path()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Settings()
    known = {f.name for f in fields(Settings)}
    values = {k: v for k, v in raw.items() if k in known} if isinstance(raw, dict) else {}
    try:
        return Settings(**values).clamped()
    except (TypeError, ValueError):
        return Settings()


def save(settings: Settings, path: Path | None = None) -> None:
    """Write atomically, so a crash never leaves half a settings file."""
    path = path or paths.settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".settings-")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(asdict(settings.clamped()), fh, indent=2)
    os.replace(tmp, path)
