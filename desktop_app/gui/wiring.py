"""Building the core for the window (runs on the start-up thread, never the GUI thread).

With no server configured (no ``--server``, empty ``Settings.server_url``) the
embedded reference backend starts on a free loopback port and the app signs in
as its local user, so a new user can drop a video and see it through to Done.
Its jobs use the stable key ``embedded://local`` (as the CLI's) (the port changes every start; the
manager moves stored upload URLs to the new port), so they resume next time.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable

from desktop_app import settings as settings_mod
from desktop_app.errors import AppError
from desktop_app.gui.core import Core
from desktop_app.settings import Settings

log = logging.getLogger(__name__)

MIB = 1024 * 1024


def make_client(url: str, settings: Settings, key: str | None = None):
    """A client like the CLI's (``jobs.connect``): tokens registered for redaction,
    stored in the keyring under the server's key."""
    from desktop_app.jobs.connect import RedactingAuthSession
    from desktop_app.transfer.auth import TokenStore
    from desktop_app.transfer.client import BackendClient
    from desktop_app.transfer.limiter import BandwidthLimiter
    from desktop_app.transfer.retry import RetryPolicy

    return BackendClient(url, auth=RedactingAuthSession(TokenStore(key or url.rstrip("/"))),
                         policy=RetryPolicy(max_attempts=settings.retry_attempts),
                         chunk_size=settings.chunk_size_mib * MIB,
                         limiter=BandwidthLimiter.from_kbps(settings.bandwidth_limit_kbps or None))


def warm_heavy_imports() -> None:
    """Import the analysis stack (cv2, numpy) now, on the start-up thread.

    Loading cv2 holds the GIL for ~130 ms (dlopen + module init); left to the first
    analysis it would freeze the window the moment the user drops a file. Here it
    happens once at start, after the window is shown, before the core is ready.
    """
    try:
        import desktop_app.media.analyse  # noqa: F401  (imports cv2, numpy)
        import desktop_app.media.validate  # noqa: F401
    except Exception:  # a broken cv2 install shows up as analysis failures, with a code
        log.warning("could not pre-load the analysis modules", exc_info=True)


def freeze_long_lived() -> None:
    """Move every object alive now out of the cyclic GC's sight (``gc.freeze``, O(1)).

    Called when the core is up (modules, classes, Qt wrappers: the whole start-up) and
    after a large drop (its jobs and rows live until removed). These live long, yet
    each full collection walked them all: 40-100 ms holding the GIL, which the window
    waits for (the longest stalls while thousands of files were added were such
    collections, triggered by the many new jobs). Refcounting still frees them; only
    cycles among them would never be collected, and they make none worth tracking.
    """
    gc.freeze()


def build_core(settings: Settings, server_url: str | None,
               on_event: Callable[[object], None], *, server=None,
               store_path: str | None = None) -> Core:
    """``server``: an already running EmbeddedServer to use (tests pass theirs)."""
    from desktop_app.jobs.backend import Backend
    from desktop_app.jobs.connect import EMBEDDED_KEY
    from desktop_app.jobs.manager import JobManager, default_store

    url = server.url if server is not None else (server_url or settings.server_url)
    own_server = None
    if not url:
        from desktop_app import paths
        from desktop_app.server.embedded import start_embedded_server

        server = own_server = start_embedded_server(paths.embedded_server_dir())
        url = server.url
    if not url.startswith(("http://", "https://")):
        raise AppError("INVALID_REQUEST", f"server must be an http(s) URL, got {url!r}",
                       message=f"The server address {url!r} is not a web address.")
    embedded = server is not None and not (server_url or settings.server_url)
    client = make_client(url, settings, EMBEDDED_KEY if embedded else None)
    username = settings.username
    try:
        if server is not None and embedded:
            client.sign_in(server.username, server.password)
            username = server.username
        elif username and client.auth.restore(username) is None:
            username = ""  # no stored sign-in: the window asks
    except Exception:
        client.close()
        if own_server is not None:
            own_server.stop()
        raise
    backend = Backend(client, embedded=embedded)
    warm_heavy_imports()
    store = default_store(store_path)
    manager = JobManager(
        store, backend, on_event=on_event,
        server_key=EMBEDDED_KEY if embedded else None,
        analysis_workers=settings.parallel_analyses or None,
        upload_workers=settings.parallel_uploads, interactive=True,
        default_user_id=settings.default_user_id,
        default_session_id=settings.default_session_id)
    manager.start()
    freeze_long_lived()

    def sign_in(new_url: str, user: str, password: str) -> None:
        new_url = (new_url or url).rstrip("/")
        if new_url != url.rstrip("/"):
            # Another server: check the credentials and keep the token for the next start.
            with make_client(new_url, settings) as other:
                other.sign_in(user, password)
            settings.server_url = new_url
        else:
            client.sign_in(user, password)
        settings.username = user
        settings_mod.save(settings)

    def stop() -> None:
        manager.shutdown(wait=True)
        store.close()
        if own_server is not None:
            own_server.stop()

    return Core(manager=manager, server_url=url, username=username, sign_in=sign_in,
                embedded=embedded, stop=stop, initial_jobs=manager.jobs(),
                token_memory_only=lambda: bool(getattr(client.auth.store, "memory_only", False)))
