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
  ``--give-up-after``).

Heavy modules (httpx here, uvicorn for the embedded backend) load when this module or
the backend is first used: front ends import it inside their handlers, never at start.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop_app import paths
from desktop_app import settings as settings_mod
from desktop_app.errors import AppError
from desktop_app.jobs.api import EventCallback
from desktop_app.jobs.backend import Backend
from desktop_app.jobs.giveup import patiently
from desktop_app.jobs.manager import JobManager
from desktop_app.jobs.model import Job
from desktop_app.jobs.redact import add_secret
from desktop_app.jobs.store import JobStore
from desktop_app.settings import Settings
from desktop_app.transfer.auth import AuthSession, Tokens, TokenStore
from desktop_app.transfer.client import BackendClient
from desktop_app.transfer.limiter import BandwidthLimiter
from desktop_app.transfer.retry import RetryPolicy

if TYPE_CHECKING:
    from desktop_app.server.embedded import EmbeddedServer

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
            "give_up_after_s": self.settings.give_up_after_s or None, **overrides}
        self._manager = JobManager(self.store, self.backend, on_event=on_event,
                                   server_key=self.server_key, interactive=interactive,
                                   **options)
        return self._manager

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
        if self._manager is not None:
            self._manager.shutdown(wait=True)
        self.backend.close()
        if self.store is not None:
            self.store.close()
        if self._own_server is not None:
            self._own_server.stop()

    stop = close  # the window's name for it


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
                 store_path: str | Path | None = None) -> Session:
    """The window's core (and the GUI tests'): connected, signed in as far as the keyring
    allows, the manager started (interactive) and the store's jobs read."""
    session = connect(settings, Options(server=server_url), server=server)
    try:
        manager = session.open_manager(on_event=on_event, interactive=True,
                                       store=job_store(store_path))
        manager.start()
        session.initial_jobs = manager.jobs()
    except BaseException:
        session.close()
        raise
    return session
