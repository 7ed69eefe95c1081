"""A module-wide backend with three users for the contract tests (signing in costs an scrypt)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from desktop_app.server.embedded import EmbeddedServer, start_embedded_server
from tests.server.helpers import client

MAX_UPLOAD = 3_000_000


@dataclass
class Peers:
    srv: EmbeddedServer
    alice: httpx.Client  # a user
    bob: httpx.Client  # another user
    root: httpx.Client  # an administrator
    anon: httpx.Client  # nobody signed in


@pytest.fixture(scope="module")
def peers(tmp_path_factory) -> Iterator[Peers]:
    srv = start_embedded_server(tmp_path_factory.mktemp("peers"), fault_injection=True,
                                max_upload_bytes=MAX_UPLOAD,
                                users=[("alice", "alice-pw", False), ("bob", "bob-pw", False),
                                       ("root", "root-pw", True)])
    clients = [client(srv, token=_token(srv, n, n + "-pw")) for n in ("alice", "bob", "root")]
    anon = httpx.Client(base_url=srv.api_url, timeout=30)
    try:
        yield Peers(srv, *clients, anon)
    finally:
        for c in (*clients, anon):
            c.close()
        srv.stop()


def _token(srv: EmbeddedServer, username: str, password: str) -> str:
    r = httpx.post(srv.api_url + "/auth/token", json={"username": username, "password": password})
    r.raise_for_status()
    return str(r.json()["access_token"])
