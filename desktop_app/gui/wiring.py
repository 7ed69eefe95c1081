"""Building the core for the window (runs on the start-up thread, never the GUI thread).

The core itself comes from ``session.start_window`` (server choice, the embedded
backend and its local user, client, sign-in, store, manager: the same as the CLI's).
Here only what is the window's own: the analysis stack imported before the first
drop needs it, and the start-up's objects frozen out of the cyclic GC.
"""

from __future__ import annotations

import gc
import logging
from typing import Any

from desktop_app.gui.core import Core
from desktop_app.jobs.api import EventCallback
from desktop_app.settings import Settings
from desktop_app.system.api import OsHooks

log = logging.getLogger(__name__)


def make_client(url: str, settings: Settings) -> Any:
    """A client as the window's core builds them (see ``session.make_client``)."""
    from desktop_app.session import make_client as session_client

    return session_client(url, settings)


def warm_heavy_imports() -> None:
    """Import the analysis stack (cv2, numpy) now, on the start-up thread.

    Loading cv2 holds the GIL for ~130 ms; left to the first analysis it would freeze
    the window the moment the user drops a file.
    """
    try:
        import desktop_app.media.analyse  # noqa: F401  (imports cv2, numpy)
        import desktop_app.media.validate  # noqa: F401
    except Exception:  # a broken cv2 install shows up as analysis failures, with a code
        log.warning("could not pre-load the analysis modules", exc_info=True)


def freeze_long_lived() -> None:
    """Move every object alive now out of the cyclic GC's sight (``gc.freeze``, O(1)).

    Called when the core is up and after a large drop: these objects live long, and a
    full collection walking them all holds the GIL the window waits for (see
    tests/benchmarks/bench_gui.py). Refcounting still frees them.
    """
    gc.freeze()


def build_core(settings: Settings, server_url: str | None,
               on_event: EventCallback, *, server: Any = None,
               store_path: str | None = None, os_hooks: OsHooks | None = None) -> Core:
    """``server``: an already running EmbeddedServer to use (tests pass theirs);
    ``os_hooks``: the window's network monitor (tests pass controllable ones)."""
    from desktop_app.session import start_window

    warm_heavy_imports()
    core = start_window(settings, on_event, server_url=server_url, server=server,
                        store_path=store_path, os_hooks=os_hooks)
    freeze_long_lived()
    return core
