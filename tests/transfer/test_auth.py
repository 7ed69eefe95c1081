"""Sign-in: tokens live in the keyring (or in memory when there is none), never in logs,
exception messages or files."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.errors import KeyringError

from desktop_app.errors import AppError
from desktop_app.transfer.auth import AuthSession, TokenStore
from desktop_app.transfer.client import BackendClient
from desktop_app.transfer.retry import RetryPolicy

FAST = RetryPolicy(max_attempts=3, base_delay=0.01)


class BrokenKeyring(KeyringBackend):
    """A backend that exists but cannot store anything (locked or missing Secret Service)."""

    priority = 1  # type: ignore[assignment]

    def get_password(self, service, username):
        raise KeyringError("keyring locked")

    def set_password(self, service, username, password):
        raise KeyringError("keyring locked")

    def delete_password(self, service, username):
        raise KeyringError("keyring locked")


def test_tokens_are_kept_in_the_keyring_per_server(server, memory_keyring):
    client = BackendClient(server.url, auth=AuthSession(TokenStore(server.url)), policy=FAST)
    tokens = client.sign_in(server.username, server.password)
    service = "video-uploader:" + server.url
    assert (service, server.username) in memory_keyring.secrets
    # Next start: no password needed, the stored tokens work.
    again = BackendClient(server.url, auth=AuthSession(TokenStore(server.url)), policy=FAST)
    restored = again.auth.restore(server.username)
    assert restored is not None and restored.user_id == tokens.user_id
    assert again.create_session(tokens.user_id).user_id == tokens.user_id
    again.auth.clear()
    assert (service, server.username) not in memory_keyring.secrets


def test_without_a_working_keyring_tokens_stay_in_memory_and_it_is_said_once(server, caplog):
    keyring.set_keyring(BrokenKeyring())
    store = TokenStore(server.url)
    client = BackendClient(server.url, auth=AuthSession(store), policy=FAST)
    with caplog.at_level(logging.WARNING, logger="desktop_app.transfer"):
        tokens = client.sign_in(server.username, server.password)
        client.refresh()  # a second save: still only one warning
    warnings = [r for r in caplog.records if "keyring" in r.getMessage().lower()]
    assert len(warnings) == 1 and "memory" in warnings[0].getMessage()
    assert store.memory_only
    restored = AuthSession(store).restore(server.username)
    assert restored is not None and restored.user_id == tokens.user_id


def test_no_secret_reaches_logs_exceptions_or_files(server, tmp_path, caplog, isolated_state):
    caplog.set_level(logging.DEBUG)  # every logger, httpx and httpcore included
    client = BackendClient(server.url, auth=AuthSession(TokenStore(server.url)), policy=FAST)
    errors: list[AppError] = []
    with pytest.raises(AppError) as info:
        client.sign_in(server.username, "wrong-" + server.password)
    errors.append(info.value)
    tokens = client.sign_in(server.username, server.password)
    secrets = [server.password, tokens.access_token, tokens.refresh_token]
    client.refresh()
    secrets += [client.auth.tokens.access_token, client.auth.tokens.refresh_token]
    local = tmp_path / "v.mp4"
    local.write_bytes(os.urandom(10_000))
    session = client.create_session(tokens.user_id)
    client.upload_video(session.session_id, str(local), user_id=tokens.user_id,
                        idempotency_key="6f1c1f36-0d5f-4a5e-9a43-5b0a7f3f3b1e")
    client.auth.set(type(tokens)(tokens.username, tokens.user_id, False, "x", "y"))
    with pytest.raises(AppError) as info:
        client.create_session(tokens.user_id)
    errors.append(info.value)
    assert [e.code for e in errors] == ["INVALID_CREDENTIALS", "TOKEN_EXPIRED"]

    texts = [caplog.text, repr(client.auth.tokens), repr(tokens)]
    texts += [f"{e} {e!r} {e.detail} {e.to_dict()}" for e in errors]
    for path in Path(isolated_state).rglob("*"):
        if path.is_file():
            texts.append(path.read_text(errors="replace"))
    for secret in secrets:
        assert len(secret) >= 8
        assert not any(secret in text for text in texts)
    assert "signed in" in caplog.text  # the log did record the events themselves
