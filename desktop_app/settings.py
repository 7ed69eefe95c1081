"""User settings, stored as JSON under the platform config dir. Never a secret."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from desktop_app import paths


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
    # a batch waiting for the server with no progress at all gives up after this (0: never;
    # the window waits for ever by default, the CLI's --give-up-after defaults to 300 s)
    give_up_after_s: int = 0

    def clamped(self) -> Settings:
        self.parallel_uploads = min(4, max(1, int(self.parallel_uploads)))
        self.parallel_analyses = max(0, int(self.parallel_analyses))
        self.retry_attempts = min(5, max(3, int(self.retry_attempts)))
        self.bandwidth_limit_kbps = max(0, int(self.bandwidth_limit_kbps))
        self.chunk_size_mib = min(256, max(1, int(self.chunk_size_mib)))
        self.give_up_after_s = max(0, int(self.give_up_after_s))
        return self


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
