"""One way in: the core built from settings and options, the same for every front end.

    session = connect(settings, Options(server=url, username=..., password=...))
    manager = session.open_manager(on_event=callback, interactive=False)
    ...
    session.close()                      # manager, store, client, embedded backend

    session = start_window(settings, on_event, server_url=args.server)   # the window

The CLI commands, the window (``gui/wiring.py``), the self-test and the tests' helpers
all build the core here, so they pick the server, build the client and sign in alike:

* server: ``Options.server`` (``--server``), else ``Settings.server_url``, else the
  embedded reference backend, started here (or a running one handed in). Jobs remember
  their server by a *key*: the URL, or ``embedded://local`` for the embedded backend,
  whose data survives between runs while its port does not;
* client: tokens registered with the redactor and kept in the keyring under the key;
  retry attempts, tus chunk size and bandwidth limit from the options, else settings;
* sign-in: a token (used as is), else username + password, else the embedded backend's
  local user, else the tokens stored for the username; when none works the CLI fails
  with AUTH_REQUIRED (``require_sign_in``) and the window asks;
* manager: pool sizes, default user and default session, and how long a batch waits for
  the server with no progress before it gives up, from settings (the CLI passes its
  ``--give-up-after``);
* hands-off (``start_hands_off``, ``watch``): the OS's network and sleep behind
  ``system/api.py`` (``OsHooks``: the window hands in Qt's network monitor, the CLI gets
  netlink), reacted to by ``jobs/handsoff.py``; watched folders (``watch/``) fed to the
  manager. ``apply_settings`` applies a changed Settings to both at once.

Heavy modules (httpx here, uvicorn for the embedded backend) load when this module or
the backend is first used: front ends import it inside their handlers, never at start.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from desktop_app import paths
from desktop_app import settings as settings_mod
from desktop_app.errors import AppError
from desktop_app.jobs.api import EventCallback
from desktop_app.jobs.backend import Backend
from desktop_app.jobs.giveup import patiently
from desktop_app.jobs.handsoff import HandsOff
from desktop_app.jobs.known import Request
from desktop_app.jobs.manager import JobManager
from desktop_app.jobs.model import Event, Job, WatchedFolderChanged
from desktop_app.jobs.redact import add_secret
from desktop_app.jobs.store import JobStore
from desktop_app.settings import Settings
from desktop_app.system.api import OsHooks
from desktop_app.transfer.auth import AuthSession, Tokens, TokenStore
from desktop_app.transfer.client import BackendClient
from desktop_app.transfer.limiter import BandwidthLimiter
from desktop_app.transfer.retry import RetryPolicy

if TYPE_CHECKING:
    from desktop_app.server.embedded import EmbeddedServer
    from desktop_app.watch.folders import FolderStatus, FolderWatcher, WatchedFolder

log = logging.getLogger(__name__)

EMBEDDED_KEY = "embedded://local"
MIB = 1024 * 1024


class RedactingAuthSession(AuthSession):
    """An ``AuthSession`` that registers every token it holds with the redactor, so
    a token that leaks into any text (an exception, a log line) is masked there."""

    def set(self, tokens: Tokens, *, persist: bool = True) -> None:
        add_secret(tokens.access_token)
        add_secret(tokens.refresh_token)
        super().set(tokens, persist=persist)

    def restore(self, username: str) -> Tokens | None:
        tokens = super().restore(username)
        if tokens is not None:
            add_secret(tokens.access_token)
            add_secret(tokens.refresh_token)
        return tokens

    def use_token(self, access_token: str, *, username: str = "", user_id: str = "") -> None:
        add_secret(access_token)
        super().use_token(access_token, username=username, user_id=user_id)


@dataclass(frozen=True)
class Options:
    """What a front end asks for on top of the settings (CLI flags, the window's --server)."""

    server: str | None = None
    username: str | None = None
    password: str | None = None
    token: str | None = None
    attempts: int | None = None  # retry attempts per request, 3-5
    chunk_size: int | None = None  # tus chunk size in bytes (a server's hint wins)
    limit_kbps: int | None = None
    require_sign_in: bool = False  # CLI: AUTH_REQUIRED now; the window asks later
    # CLI: a sign-in that meets an outage tries again for this long, as the jobs wait
    give_up_after_s: float | None = None


def job_store(path: str | Path | None = None) -> JobStore:
    """The job store (``paths.job_db_path()`` unless told otherwise)."""
    return JobStore(path or paths.job_db_path())


def make_client(url: str, settings: Settings, *, key: str | None = None,
                options: Options = Options()) -> BackendClient:
    """A client for ``url`` with its tokens in the keyring under ``key`` (default: the URL)."""
    limit = options.limit_kbps or settings.bandwidth_limit_kbps or None
    return BackendClient(url, auth=RedactingAuthSession(TokenStore(key or url.rstrip("/"))),
                         policy=RetryPolicy(max_attempts=options.attempts
                                            or settings.retry_attempts),
                         chunk_size=options.chunk_size or settings.chunk_size_mib * MIB,
                         limiter=BandwidthLimiter.from_kbps(limit))


class Session:
    """The core for one front end: the signed-in backend, then the store and the manager."""

    def __init__(self, settings: Settings, client: BackendClient, *, server_key: str,
                 embedded: bool, username: str, own_server: EmbeddedServer | None) -> None:
        self.settings = settings
        self.backend = Backend(client, embedded=embedded)
        self.server_key = server_key
        self.embedded = embedded
        self.username = username
        self._own_server = own_server
        self.store: JobStore | None = None
        self._manager: JobManager | None = None
        self.initial_jobs: list[Job] | None = None  # read before the window needs them
        self.hands_off: HandsOff | None = None
        self.watcher: FolderWatcher | None = None
        self._front_end: EventCallback | None = None
        self._taps: list[EventCallback] = []  # the core's own listeners (hands-off)
        self._folder_states: dict[str, str] = {}

    @property
    def client(self) -> BackendClient:
        return self.backend.client

    @property
    def server_url(self) -> str:
        return self.backend.base_url

    @property
    def manager(self) -> JobManager:
        if self._manager is None:
            raise RuntimeError("open_manager() first")
        return self._manager

    def open_manager(self, *, on_event: EventCallback | None = None, interactive: bool,
                     store: JobStore | None = None, **overrides: Any) -> JobManager:
        """The job manager on this backend (not started), configured from settings;
        ``overrides``: other ``JobManager`` arguments (tests, benchmarks)."""
        self.store = store or job_store()
        options: dict[str, Any] = {
            "analysis_workers": self.settings.parallel_analyses or None,
            "upload_workers": self.settings.parallel_uploads,
            "default_user_id": self.settings.default_user_id,
            "default_session_id": self.settings.default_session_id,
            "give_up_after_s": self.settings.give_up_after_s or None,
            "duplicate_check_wait_s": self.settings.duplicate_check_wait_s, **overrides}
        self._front_end = on_event
        self._manager = JobManager(self.store, self.backend, on_event=self._dispatch,
                                   server_key=self.server_key, interactive=interactive,
                                   **options)
        return self._manager

    def _dispatch(self, event: Event) -> None:
        """Every manager event: to the front end, then to the core's own listeners."""
        try:
            if self._front_end is not None:
                self._front_end(event)
        finally:
            for tap in self._taps:
                tap(event)

    # ---- hands-off: the OS's events and watched folders --------------------------------

    def start_hands_off(self, hooks: OsHooks | None = None) -> HandsOff:
        """React to the network and keep the machine awake while jobs run (``open_manager``
        first). ``hooks``: the front end's network monitor / inhibitor, else the OS's."""
        from desktop_app.system import inhibit, netlink

        hooks = hooks or OsHooks()
        local = hooks.server_local if hooks.server_local is not None \
            else is_loopback(self.server_url)
        self.hands_off = HandsOff(self.manager, hooks.network or netlink.for_platform(),
                                  hooks.inhibitor or inhibit.for_platform(),
                                  pause_on_metered=self.settings.pause_on_metered,
                                  keep_awake=self.settings.keep_awake, server_local=local)
        self._taps.append(self.hands_off.on_event)
        self.hands_off.start()
        return self.hands_off

    def watch(self, folders: Iterable[WatchedFolder], *, settle_s: float | None = None,
              request: Request | None = None, rescan_s: float = 30.0) -> FolderWatcher:
        """Queue the videos that settle in these folders (``watch/``); the watcher stops
        with the session. A folder back after being absent retries its jobs that failed
        for want of their file."""
        from desktop_app.watch.feed import WatchFeed
        from desktop_app.watch.folders import FolderWatcher

        feed = WatchFeed(self.manager, request)

        def on_status(status: FolderStatus) -> None:
            before = self._folder_states.get(status.path)
            self._folder_states[status.path] = status.state
            if status.state == "watching" and before == "absent":
                feed.folder_back(status.path)
            self.manager.life.emit(WatchedFolderChanged(status.path, status.state))

        self.watcher = FolderWatcher(feed, settle_s=settle_s or self.settings.watch_settle_s,
                                     rescan_s=rescan_s, on_status=on_status)
        self.watcher.start()
        self.watcher.set_folders(folders)
        return self.watcher

    def apply_settings(self) -> None:
        """The window's Settings were changed: watched folders, metered, keep awake."""
        if self.hands_off is not None:
            self.hands_off.set_options(pause_on_metered=self.settings.pause_on_metered,
                                       keep_awake=self.settings.keep_awake)
        folders = watched_folders(self.settings)
        if self.watcher is not None:
            self.watcher.set_folders(folders)
        elif folders and self._manager is not None:
            self.watch(folders)

    def sign_in(self, url: str, username: str, password: str) -> None:
        """The window's sign-in: this server, or another one, which becomes the configured
        server at the next start (its token is kept in the keyring meanwhile)."""
        url = (url or self.server_url).rstrip("/")
        if url != self.server_url.rstrip("/"):
            with make_client(url, self.settings) as other:
                other.sign_in(username, password)
            self.settings.server_url = url
        else:
            self.client.sign_in(username, password)
        self.settings.username = username
        settings_mod.save(self.settings)

    def token_memory_only(self) -> bool:
        """True when no keyring works here: the token lives in memory for this run only."""
        store = self.client.auth.store
        return bool(store is not None and store.memory_only)

    def close(self) -> None:
        """Stop the manager (unfinished jobs stay in the store) and what this session started."""
        if self.watcher is not None:
            self.watcher.stop()
        if self.hands_off is not None:
            self.hands_off.stop()
        if self._manager is not None:
            self._manager.shutdown(wait=True)
        self.backend.close()
        if self.store is not None:
            self.store.close()
        if self._own_server is not None:
            self._own_server.stop()

    stop = close  # the window's name for it


def is_loopback(url: str) -> bool:
    """A server on this machine (the embedded backend): it needs no network."""
    host = (urlsplit(url).hostname or "").lower()
    return host == "localhost" or host == "::1" or host.startswith("127.")


def watched_folders(settings: Settings) -> list[WatchedFolder]:
    from desktop_app.watch.folders import WatchedFolder

    return [WatchedFolder(path, paused) for path, paused in settings.watched()]


def connect(settings: Settings, options: Options = Options(), *,
            server: EmbeddedServer | None = None) -> Session:
    """Pick the server, build the client and sign in (see the module docstring).
    ``server``: an embedded backend already running (the window's tests pass theirs)."""
    add_secret(options.token)
    add_secret(options.password)
    url = (options.server or settings.server_url or "").strip()
    own_server = None
    if server is not None:
        embedded = not url or url == EMBEDDED_KEY
        url = server.url
    elif not url or url == EMBEDDED_KEY:
        from desktop_app.server.embedded import start_embedded_server

        server = own_server = start_embedded_server(paths.embedded_server_dir())
        url, embedded = server.url, True
    elif url.startswith(("http://", "https://")):
        embedded = False
    else:
        raise AppError("INVALID_REQUEST", f"server must be an http(s) URL, got {url!r}",
                       message=f"The server address {url!r} is not a web address.")
    key = EMBEDDED_KEY if embedded else url.rstrip("/")
    client = make_client(url, settings, key=key, options=options)
    try:
        username = _sign_in(client, settings, options, server if embedded else None)
    except BaseException:
        client.close()
        if own_server is not None:
            own_server.stop()
        raise
    return Session(settings, client, server_key=key, embedded=embedded, username=username,
                   own_server=own_server)


def _sign_in(client: BackendClient, settings: Settings, options: Options,
             embedded: EmbeddedServer | None) -> str:
    """Sign in as far as the options allow; the username signed in as ("" for none)."""
    username = options.username or ""
    if options.token:
        client.auth.use_token(options.token, username=username)
        return username
    if options.password:
        if not username:
            raise AppError("MISSING_FIELD", "--password-stdin needs --username",
                           field="username", message="A username is needed to sign in.")
        password = options.password
        patiently(lambda: client.sign_in(username, password), options.give_up_after_s)
        return username
    if embedded is not None:  # the local user of the backend we run
        add_secret(embedded.password)
        client.sign_in(embedded.username, embedded.password)
        return embedded.username
    username = username or settings.username
    if username and client.auth.restore(username) is not None:
        return username
    if options.require_sign_in:
        raise AppError("AUTH_REQUIRED", "no stored sign-in for this server",
                       message="You need to sign in to upload: pass --username and "
                       "--password-stdin, or a token with --token-stdin or "
                       "$VIDEO_UPLOADER_TOKEN.")
    return ""  # the window asks


def start_window(settings: Settings, on_event: EventCallback, *, server_url: str | None = None,
                 server: EmbeddedServer | None = None,
                 store_path: str | Path | None = None,
                 os_hooks: OsHooks | None = None) -> Session:
    """The window's core (and the GUI tests'): connected, signed in as far as the keyring
    allows, the manager started (interactive), hands-off started (``os_hooks``: the
    window's network monitor), the settings' watched folders watched, the store's jobs read."""
    session = connect(settings, Options(server=server_url), server=server)
    try:
        manager = session.open_manager(on_event=on_event, interactive=True,
                                       store=job_store(store_path))
        manager.start()
        session.start_hands_off(os_hooks)
        if folders := watched_folders(settings):
            session.watch(folders)
        session.initial_jobs = manager.jobs()
    except BaseException:
        session.close()
        raise
    return session
