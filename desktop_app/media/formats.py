"""What counts as a video: the one list of file types, shared by every front end.

``VIDEO_SUFFIXES`` is what the app itself can open and analyse (OpenCV with FFmpeg):
folders are walked for these, the Add Files dialog offers them, and validation
refuses anything else. A server may accept fewer (``GET /config`` sends its
``allowed_extensions``); ``REFERENCE_SERVER_SUFFIXES`` is what the reference backend
accepts by default. The client checks the server's list before any analysis, so a
type the server refuses fails before a byte is sent.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

VIDEO_SUFFIXES: frozenset[str] = frozenset({
    ".mp4", ".m4v", ".mov", ".qt", ".mkv", ".webm", ".avi", ".mpg", ".mpeg", ".ts", ".mts",
    ".m2ts", ".3gp", ".3g2", ".wmv", ".flv", ".ogv", ".mxf",
})

# The reference backend's default; the desktop entry's "Open with" types match it.
REFERENCE_SERVER_SUFFIXES: tuple[str, ...] = (".mp4", ".mov", ".m4v", ".mkv", ".webm", ".avi")


def suffix_of(path: str) -> str:
    """The lower-case extension with its dot (``""`` when there is none)."""
    return os.path.splitext(path)[1].lower()


def is_video_name(path: str, suffixes: Iterable[str] = VIDEO_SUFFIXES) -> bool:
    return suffix_of(path) in set(suffixes)


def describe(suffixes: Iterable[str]) -> str:
    """``".mp4, .mov and .mkv"``: a list of types for a message."""
    items = sorted({s.lower() for s in suffixes})
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
