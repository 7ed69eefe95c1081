"""Background processing of stored videos: open them and decode a sample of frames.

The check is ``media.spotcheck.spot_check``, an ingest-style probe, not the
client's full decode: the client has already decoded every frame for its
analysis, and the embedded backend shares the client's cores, so decoding
everything again doubled the pipeline's decode work. The probe checks the
structure, the MP4/MOV sample tables against the file (truncation), and decodes
the first frame, a few keyframes across the duration and the frames after the
last keyframe; other containers still get the full decode (see that module).

One worker thread (the machine is shared); a video moves ``processing`` ->
``processed``, or ``failed`` with the check's 422-class code and friendly message.
Videos left ``processing`` by a previous run are queued again at start.
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
    from desktop_app.media.spotcheck import spot_check  # heavy (cv2): only when needed

    try:
        result = spot_check(path)
    except AppError as err:
        code = err.code if err.status == 422 else _FAILED_DEFAULT
        return "failed", code, err.message
    log.info("video %s checked by %s: %d of %d frames decoded%s", path.name, result.method,
             result.frames_decoded, result.frames_total, f" ({result.reason})" if result.reason else "")
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
