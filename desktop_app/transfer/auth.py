"""Sign-in state: tokens in the OS keyring, one service name per server URL.

    store = TokenStore("https://videos.example.org")   # service "video-uploader:https://videos.example.org"
    auth = AuthSession(store)
    auth.set(tokens)            # after sign-in (the client does the HTTP)
    auth.restore("alice")       # next start: tokens from the keyring, no password needed

Where no keyring backend works (``keyring.errors.KeyringError``, e.g. a headless Linux
without Secret Service) tokens are kept in memory for this process only, and that is
said once (a warning log line, and ``store.memory_only`` for the GUI to show).

No token or password ever reaches a log, an exception message or a file: ``Tokens``
hides them from ``repr``, and only the keyring sees them.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import asdict, dataclass, field

import keyring
from keyring.errors import KeyringError, PasswordDeleteError

log = logging.getLogger("desktop_app.transfer")

SERVICE_PREFIX = "video-uploader:"


@dataclass(frozen=True)
class Tokens:
    username: str
    user_id: str
    is_admin: bool
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False, default="")
    expires_at: float | None = None  # time.time(); None: unknown

    @classmethod
    def from_response(cls, username: str, data: dict) -> Tokens:
        expires_in = data.get("expires_in")
        return cls(
            username=username,
            user_id=str(data.get("user_id") or ""),
            is_admin=bool(data.get("is_admin")),
            access_token=str(data["access_token"]),
            refresh_token=str(data.get("refresh_token") or ""),
            expires_at=time.time() + float(expires_in)
            if isinstance(expires_in, int | float) else None,
        )


def service_name(server_url: str) -> str:
    return SERVICE_PREFIX + server_url.rstrip("/")


class TokenStore:
    """Keyring-backed token storage for one server, with an in-memory fallback."""

    def __init__(self, server_url: str) -> None:
        self.service = service_name(server_url)
        self._memory: dict[str, str] = {}
        self.memory_only = False

    def _fallback(self, exc: Exception) -> None:
        if not self.memory_only:
            self.memory_only = True
            log.warning("No working keyring (%s); your sign-in is kept in memory until the app "
                        "closes.", type(exc).__name__)

    def load(self, username: str) -> Tokens | None:
        raw: str | None = self._memory.get(username)
        if raw is None and not self.memory_only:
            try:
                raw = keyring.get_password(self.service, username)
            except KeyringError as exc:
                self._fallback(exc)
        if not raw:
            return None
        try:
            data = json.loads(raw)
            return Tokens(**data)
        except (ValueError, TypeError):
            return None  # an entry we did not write, or an older format: sign in again

    def save(self, tokens: Tokens) -> None:
        raw = json.dumps(asdict(tokens))
        if not self.memory_only:
            try:
                keyring.set_password(self.service, tokens.username, raw)
                return
            except KeyringError as exc:
                self._fallback(exc)
        self._memory[tokens.username] = raw

    def delete(self, username: str) -> None:
        self._memory.pop(username, None)
        if not self.memory_only:
            try:
                keyring.delete_password(self.service, username)
            except PasswordDeleteError:
                pass
            except KeyringError as exc:
                self._fallback(exc)


class AuthSession:
    """The current tokens of one client, shared by its worker threads."""

    def __init__(self, store: TokenStore | None = None) -> None:
        self.store = store
        self._tokens: Tokens | None = None
        self.lock = threading.Lock()  # serialises refreshes: ten 401s refresh once

    @property
    def tokens(self) -> Tokens | None:
        return self._tokens

    def set(self, tokens: Tokens, *, persist: bool = True) -> None:
        self._tokens = tokens
        if persist and self.store is not None:
            self.store.save(tokens)

    def restore(self, username: str) -> Tokens | None:
        tokens = self.store.load(username) if self.store is not None else None
        if tokens is not None:
            self._tokens = tokens
        return tokens

    def use_token(self, access_token: str, *, username: str = "", user_id: str = "") -> None:
        """A token given on the command line: used as is, never stored, never refreshed."""
        self._tokens = Tokens(username, user_id, False, access_token)

    def clear(self) -> None:
        tokens, self._tokens = self._tokens, None
        if tokens is not None and self.store is not None:
            self.store.delete(tokens.username)
