"""Which server the CLI talks to, and how it signs in.

Order: ``--server URL``; else the configured server (settings); else the
embedded reference backend started here, with its local user's credentials.
Sign-in: ``--token`` (used as is), ``--username`` + ``--password-stdin``, else
the tokens the app stored in the keyring for the configured username.

Jobs remember their server by a *key*: the URL, or ``embedded://local`` for the
embedded backend, whose data survives between runs while its port does not.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

from desktop_app import paths
from desktop_app import settings as settings_mod
from desktop_app.errors import AppError
from desktop_app.jobs.backend import Backend
from desktop_app.jobs.redact import add_secret
from desktop_app.transfer.auth import AuthSession, Tokens, TokenStore
from desktop_app.transfer.client import BackendClient
from desktop_app.transfer.limiter import BandwidthLimiter
from desktop_app.transfer.retry import RetryPolicy

EMBEDDED_KEY = "embedded://local"


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


@dataclass
class Connection:
    backend: Backend
    server_key: str
    embedded: Any = None  # the EmbeddedServer we started, stopped by close()

    def close(self) -> None:
        self.backend.close()
        if self.embedded is not None:
            self.embedded.stop()


def read_password(args: Any) -> str | None:
    if not getattr(args, "password_stdin", False):
        return None
    line = sys.stdin.readline()
    password = line.rstrip("\r\n")
    if not password:
        raise AppError("MISSING_FIELD", "--password-stdin given but stdin was empty",
                       field="password", message="No password was given on standard input.")
    add_secret(password)
    return password


def connect(server: str | None, *, username: str | None = None, password: str | None = None,
            token: str | None = None, attempts: int | None = None,
            chunk_size: int | None = None, limit_kbps: int | None = None) -> Connection:
    settings = settings_mod.load()
    add_secret(token)
    url = (server or settings.server_url or "").strip()
    embedded = None
    if not url or url == EMBEDDED_KEY:
        from desktop_app.server.embedded import start_embedded_server

        embedded = start_embedded_server(paths.embedded_server_dir())
        url, key = embedded.url, EMBEDDED_KEY
        if not token and not password:
            username, password = embedded.username, embedded.password
            add_secret(password)
    else:
        if not url.startswith(("http://", "https://")):
            raise AppError("INVALID_REQUEST", f"server must be an http(s) URL, got {url!r}",
                           message=f"The server address {url!r} is not a web address.")
        key = url.rstrip("/")
    policy = RetryPolicy(max_attempts=attempts or settings.retry_attempts)
    chunk = chunk_size or None
    limit = limit_kbps or settings.bandwidth_limit_kbps or None
    client = BackendClient(url, auth=RedactingAuthSession(TokenStore(key)), policy=policy,
                           chunk_size=chunk, limiter=BandwidthLimiter.from_kbps(limit))
    conn = Connection(Backend(client, embedded=embedded is not None), key, embedded)
    try:
        if token:
            client.auth.use_token(token, username=username or "")
        elif password:
            if not username:
                raise AppError("MISSING_FIELD", "--password-stdin needs --username",
                               field="username", message="A username is needed to sign in.")
            client.sign_in(username, password)
        else:
            user = username or settings.username
            if not user or client.auth.restore(user) is None:
                raise AppError("AUTH_REQUIRED", "no stored sign-in for this server",
                               message="You need to sign in to upload: pass --username and "
                               "--password-stdin (or --token).")
    except BaseException:
        conn.close()
        raise
    return conn
