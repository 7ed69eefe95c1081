"""Passwords (scrypt), bearer tokens with expiry, and refresh with rotation.

Tokens are 32 random bytes (URL-safe); only their sha256 is stored. An access
token lives ``token_ttl_s``; a refresh token 30 days and is single-use: refreshing
returns a new pair and revokes the old refresh token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Any

from desktop_app.server.config import REFRESH_TTL_S
from desktop_app.server.errors import ApiError
from desktop_app.server.store import Store

_N, _R, _P = 2**14, 8, 1  # scrypt cost: ~16 MiB, tens of ms per check


@dataclass(frozen=True)
class Caller:
    user_id: str
    is_admin: bool

    def may_act_for(self, user_id: str) -> bool:
        return self.is_admin or user_id == self.user_id


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return "scrypt$" + base64.b64encode(salt).decode() + "$" + base64.b64encode(digest).decode()


def check_password(password: str, stored: str) -> bool:
    try:
        _, salt_b64, digest_b64 = stored.split("$")
        salt, expected = base64.b64decode(salt_b64), base64.b64decode(digest_b64)
    except ValueError:
        return False
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return hmac.compare_digest(digest, expected)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Auth:
    def __init__(self, store: Store, token_ttl_s: float) -> None:
        self.store = store
        self.token_ttl_s = token_ttl_s
        # a real hash to compare against for unknown users, so timing does not reveal names
        self._dummy = hash_password(secrets.token_hex(8))

    def add_user(self, name: str, password: str, is_admin: bool) -> None:
        self.store.upsert_user(name, hash_password(password), is_admin)

    def sign_in(self, username: str, password: str) -> dict[str, Any]:
        user = self.store.user(username)
        ok = check_password(password, user["pw_hash"] if user else self._dummy)
        if not user or not ok:
            raise ApiError("INVALID_CREDENTIALS", "The username or password is not correct.")
        return self._issue(user)

    def refresh(self, refresh_token: str) -> dict[str, Any]:
        digest = _digest(refresh_token)
        row = self.store.token(digest, "refresh")
        if not row or not self.store.delete_token(digest):
            raise ApiError("TOKEN_INVALID", "The refresh token is not valid; sign in again.")
        if row["expires_at"] < time.time():
            raise ApiError("TOKEN_INVALID", "The refresh token has expired; sign in again.")
        user = self.store.user(row["user_id"])
        if not user:
            raise ApiError("TOKEN_INVALID", "The account no longer exists.")
        return self._issue(user)

    def _issue(self, user: dict[str, Any]) -> dict[str, Any]:
        now = time.time()
        access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        self.store.add_token(_digest(access), user["user_id"], "access", now + self.token_ttl_s)
        self.store.add_token(_digest(refresh), user["user_id"], "refresh", now + REFRESH_TTL_S)
        return {
            "access_token": access,
            "refresh_token": refresh,
            "token_type": "bearer",
            "expires_in": int(self.token_ttl_s),
            "user_id": user["user_id"],
            "is_admin": bool(user["is_admin"]),
        }

    def caller(self, authorization: str | None) -> Caller:
        """The signed-in user for an ``Authorization`` header, or a 401."""
        if not authorization:
            raise ApiError("AUTH_REQUIRED", "Sign in first: this request needs a bearer token.")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError("AUTH_REQUIRED", "The Authorization header must be 'Bearer <token>'.")
        row = self.store.token(_digest(token.strip()), "access")
        if not row:
            raise ApiError("TOKEN_INVALID", "The access token is not valid; sign in again.")
        if row["expires_at"] < time.time():
            raise ApiError("TOKEN_EXPIRED", "The access token has expired; refresh it or sign in again.")
        user = self.store.user(row["user_id"])
        if not user:
            raise ApiError("TOKEN_INVALID", "The account no longer exists.")
        return Caller(user["user_id"], bool(user["is_admin"]))
