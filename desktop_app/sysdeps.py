"""What the app needs from the operating system, and a clear message when it is missing.

Stdlib only: ``dev.py`` loads this file by path before any virtual environment
exists, and the app calls ``explain_missing_qt()`` before it imports Qt.
"""

from __future__ import annotations


def explain_missing_qt() -> str | None:
    """None when Qt can start here; else a message naming what is missing and how to
    install it."""
    return None
