"""Local validation: is this a readable video file, and are the job's fields valid?

Every failure is an ``AppError`` with a catalogue code and a specific message that
says what was found ("This file is not a video (it looks like a PDF document).").
Checks run cheapest first: the file system, the extension, the first bytes, the
container structure, the first frame, and (``deep=True``) a decode of every frame
compared with what the header promises.

The reference backend reuses ``validate_file(stored_path, check_extension=False)``
and ``validate_job_fields`` so client and server judge alike.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from desktop_app.errors import AppError
from desktop_app.media.formats import VIDEO_SUFFIXES
from desktop_app.media.probe import MediaInfo, Opened, check_complete, decode_pass, open_video
from desktop_app.media.sniff import HEAD_BYTES, Kind, Sniffed, sniff

__all__ = [
    "FileFacts", "MediaInfo", "inspect_file", "parse_timestamp",
    "validate_file", "validate_job_fields",
]

STAGE = "validate"


@dataclass(frozen=True)
class FileFacts:
    path: str
    size: int
    sniffed: Sniffed


def _err(code: str, message: str, detail: str, path: str, **kw: object) -> AppError:
    return AppError(code, detail, message=message, file=path, stage=STAGE, **kw)  # type: ignore[arg-type]


def _stat(path: str) -> os.stat_result:
    name = os.path.basename(path) or path
    if not path:
        raise _err("FILE_NOT_FOUND", "No file was given (the file name is empty).", "empty path", path)
    try:
        return os.stat(path)
    except FileNotFoundError as exc:
        if os.path.islink(path):
            target = os.readlink(path)
            raise _err("FILE_NOT_FOUND",
                       f"This is a link to \u201c{target}\u201d, which does not exist (a dangling link).",
                       f"dangling symlink {path!r} -> {target!r}", path) from exc
        raise _err("FILE_NOT_FOUND",
                   f"The file \u201c{name}\u201d does not exist; it may have been moved, renamed or deleted.",
                   f"{exc.strerror}: {path!r}", path) from exc
    except NotADirectoryError as exc:
        raise _err("FILE_NOT_FOUND", f"The file \u201c{name}\u201d does not exist (part of its path is a file, not a folder).",
                   f"{exc.strerror}: {path!r}", path) from exc
    except PermissionError as exc:
        raise _err("FILE_UNREADABLE", "The app is not allowed to open the folder that holds this file.",
                   f"{exc.strerror}: {path!r}", path) from exc
    except ValueError as exc:  # e.g. an embedded NUL character
        raise _err("FILE_NOT_FOUND", "This is not a valid file name.", f"{exc}: {path!r}", path) from exc
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise _err("FILE_NOT_FOUND", "This link points back to itself (a loop of links), so there is no file.",
                       f"{exc.strerror}: {path!r}", path) from exc
        raise _err("FILE_NOT_FOUND", f"The file \u201c{name}\u201d cannot be found ({exc.strerror}).",
                   f"{exc!r}", path) from exc


def _normalise_extensions(allowed: Iterable[str]) -> frozenset[str]:
    return frozenset(e.lower() if e.startswith(".") else "." + e.lower() for e in allowed)


def inspect_file(
    path: str | os.PathLike[str],
    *,
    check_extension: bool = True,
    allowed_extensions: Iterable[str] | None = None,
) -> FileFacts:
    """File-system, extension and first-bytes checks (no decoding)."""
    p = os.fsdecode(os.fspath(path))
    st = _stat(p)
    if stat.S_ISDIR(st.st_mode):
        raise _err("NOT_A_FILE", "This is a folder, not a video file.", f"directory: {p!r}", p)
    if not stat.S_ISREG(st.st_mode):
        kind = ("a named pipe" if stat.S_ISFIFO(st.st_mode) else "a socket" if stat.S_ISSOCK(st.st_mode)
                else "a device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode) else "a special file")
        raise _err("NOT_A_FILE", f"This is {kind}, not a video file.", f"mode {oct(st.st_mode)}: {p!r}", p)
    if check_extension:
        allowed = _normalise_extensions(allowed_extensions) if allowed_extensions is not None else VIDEO_SUFFIXES
        ext = Path(p).suffix.lower()
        if ext not in allowed:
            message = (f"Files ending in \u201c{ext}\u201d are not accepted as videos." if ext
                       else "This file has no extension (like .mp4), so it is not accepted as a video.")
            raise _err("INVALID_FILE_TYPE", message,
                       f"extension {ext!r} not in {sorted(allowed)}", p)
    try:
        with open(p, "rb") as fh:
            head = fh.read(HEAD_BYTES)
    except PermissionError as exc:
        raise _err("FILE_UNREADABLE", "The app is not allowed to read this file (permission denied).",
                   f"{exc.strerror}: {p!r}", p) from exc
    except OSError as exc:
        raise _err("FILE_UNREADABLE", f"The file could not be read ({exc.strerror or exc}).",
                   f"{exc!r}", p) from exc
    if not head:
        raise _err("INVALID_FILE_TYPE", "This file is empty (0 bytes), so it is not a video.",
                   f"empty file: {p!r}", p)
    sniffed = sniff(head)
    if sniffed.kind is Kind.NOT_VIDEO:
        raise _err("INVALID_FILE_TYPE", f"This file is not a video (it looks like {sniffed.what}).",
                   f"content sniffed as {sniffed.what}; first bytes {head[:16].hex(' ')}", p)
    if sniffed.kind is Kind.ENCRYPTED:
        raise _err("DECRYPTION_FAILED",
                   f"This file is encrypted (it looks like {sniffed.what}), so the app cannot read a video from it.",
                   f"content sniffed as {sniffed.what}", p)
    return FileFacts(p, st.st_size, sniffed)


def validate_file(
    path: str | os.PathLike[str],
    *,
    check_extension: bool = True,
    allowed_extensions: Iterable[str] | None = None,
    deep: bool = True,
) -> MediaInfo:
    """Check that ``path`` is a complete, decodable video; return what was learnt.

    ``deep=False`` stops after the first frame (fast: structure, codec, size);
    ``deep=True`` also decodes every frame and compares with the header.
    """
    facts = inspect_file(path, check_extension=check_extension, allowed_extensions=allowed_extensions)
    with decoder_errors(facts.path), open_video(facts.path, facts.size, facts.sniffed) as opened:
        return full_decode(opened, facts.path) if deep else opened.info


def full_decode(opened: Opened, path: str) -> MediaInfo:
    """Decode every frame after the first and compare with the header (VIDEO_CORRUPTED)."""
    info = opened.info
    result = decode_pass(opened.cap, total=info.header_frame_count, path=path)
    check_complete(info, result)
    return replace(info, frame_count=result.frames, deep_checked=True)


@contextmanager
def decoder_errors(path: str) -> Iterator[None]:
    """Read errors and the decoder's own exceptions (cv2.error) as catalogue errors."""
    try:
        yield
    except AppError:
        raise
    except OSError as exc:
        raise _err("FILE_UNREADABLE", f"The file could not be read ({exc.strerror or exc}).",
                   f"{exc!r}", path) from exc
    except Exception as exc:  # cv2.error and friends: the decoder choked on the data
        if type(exc).__module__.startswith("cv2"):
            raise _err("VIDEO_UNPROCESSABLE", "The video decoder could not process this file.",
                       f"{type(exc).__name__}: {exc}", path) from exc
        raise


def parse_timestamp(text: str) -> datetime:
    """Parse an ISO 8601 date and time ("2026-05-01T14:30:00Z", "+02:00" offsets,
    fractions, or a date alone meaning midnight). A time without an offset is taken
    as UTC. Raises INVALID_TIMESTAMP."""
    shown = str(text)[:80]
    invalid = AppError("INVALID_TIMESTAMP", f"not an ISO 8601 timestamp: {shown!r}",
                       message=f"\u201c{shown}\u201d is not a valid date and time.",
                       field="recorded_at", stage=STAGE)
    if not isinstance(text, str) or not text.strip() or len(text) > 64:
        raise invalid
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise invalid from None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def validate_job_fields(user_id: str | None, recorded_at: str | None, *, require_user: bool = True) -> None:
    """An upload job needs a user id; a recording time, when given, must be ISO 8601.
    Blank strings count as not given."""
    blank_user = user_id is None or not str(user_id).strip()
    if blank_user and (require_user or user_id is not None):
        raise AppError("MISSING_FIELD", "user_id is required for upload jobs",
                       message="A user id is required to upload, and none was given.",
                       field="user_id", stage=STAGE)
    if recorded_at is not None and str(recorded_at).strip():
        parse_timestamp(recorded_at)
