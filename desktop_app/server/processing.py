"""Background processing of stored videos: open and decode them with the app's validator.

One worker thread (decoding is CPU-heavy and the machine is shared); a video
moves ``processing`` -> ``processed``, or ``failed`` with the validator's
422-class code and friendly message. Videos left ``processing`` by a previous
run are queued again at start.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from desktop_app.errors import AppError
from desktop_app.server.store import Store

log = logging.getLogger("desktop_app.server.processing")
_FAILED_DEFAULT = "VIDEO_UNPROCESSABLE"


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def check_video(path: Path) -> tuple[str, str | None, str | None]:
    """(status, error_code, error) for the file at ``path``."""
    from desktop_app.media.validate import validate_file  # heavy (cv2): only when needed

    try:
        validate_file(path, check_extension=False)
    except AppError as err:
        code = err.code if err.status == 422 else _FAILED_DEFAULT
        return "failed", code, err.message
    return "processed", None, None


class Processor:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="video-processing")

    def resume(self) -> None:
        for row in self.store.videos_in("processing"):
            self.submit(row["video_id"], Path(row["path"]))

    def submit(self, video_id: str, path: Path) -> None:
        self._pool.submit(self._run, video_id, path)

    def _run(self, video_id: str, path: Path) -> None:
        try:
            status, code, error = check_video(path)
        except Exception:  # a bug must not leave the video processing forever
            log.exception("processing video %s failed unexpectedly", video_id)
            status, code, error = "failed", _FAILED_DEFAULT, "The server could not process this video."
        try:
            self.store.finish_video(video_id, status, code, error, now_iso())
        except Exception:  # the store may be closed during shutdown
            log.warning("could not record processing result for %s", video_id)

    def stop(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
