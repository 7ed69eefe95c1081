"""Connection limits: half-open connections are closed after the header timeout, and
one client address cannot hold more than its share, while other clients carry on.

The hostile connections come from 127.0.0.2 (any 127/8 address is loopback on Linux),
so the server can tell them from the well-behaved client on 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from desktop_app.server.config import ConnectionLimits
from tests.server.helpers import TUS, client, create_upload, new_session, patch

OTHER_ADDRESS = "127.0.0.2"

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="needs 127.0.0.2 as a loopback source address")


@contextlib.contextmanager
def half_open(srv, n: int, *, source: str = OTHER_ADDRESS) -> Iterator[list[socket.socket]]:
    """``n`` connections that each sent half a request line and then nothing more."""
    socks: list[socket.socket] = []
    try:
        for _ in range(n):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind((source, 0))
            sock.connect((srv.host, srv.port))
            sock.sendall(b"GET /api/v1/hea")
            socks.append(sock)
        yield socks
    finally:
        for sock in socks:
            sock.close()


def closed_within(socks: list[socket.socket], seconds: float) -> list[socket.socket]:
    """The sockets the server closed (EOF or reset) before ``seconds`` passed."""
    closed: list[socket.socket] = []
    with selectors.DefaultSelector() as sel:
        for sock in socks:
            sel.register(sock, selectors.EVENT_READ)
        deadline = time.monotonic() + seconds
        while len(closed) < len(socks) and (left := deadline - time.monotonic()) > 0:
            for key, _ in sel.select(timeout=left):
                sock = key.fileobj
                assert isinstance(sock, socket.socket)
                try:
                    data = sock.recv(4096)
                except ConnectionResetError:
                    data = b""
                assert data == b"", data  # the server sends nothing to a half request line
                sel.unregister(sock)
                closed.append(sock)
    return closed


def upload_through(srv, data: bytes) -> bytes:
    """A normal tus upload in three chunks; returns the bytes the server stored."""
    with client(srv) as c:
        url = create_upload(c, len(data))
        third = len(data) // 3
        for start in (0, third, 2 * third):
            end = len(data) if start == 2 * third else start + third
            assert patch(c, url, start, data[start:end]).status_code == 204
        assert c.head(url, headers=TUS).headers["upload-offset"] == str(len(data))
        sid = new_session(c, srv.username)
        video = c.post(f"/sessions/{sid}/videos", json={"upload_id": url, "user_id": srv.username}).json()
    (stored,) = (srv.data_dir / "videos").glob(f"{video['video_id']}.*")
    return stored.read_bytes()


def test_half_open_connections_are_closed_after_the_header_timeout_while_others_upload(server_factory):
    srv = server_factory(connection_limits=ConnectionLimits(header_timeout_s=2.0))
    data = bytes(range(256)) * 8192  # 2 MiB
    with half_open(srv, 100) as socks:
        opened = time.monotonic()
        assert upload_through(srv, data) == data  # the server still serves the others
        closed = closed_within(socks, 2.0 + 3.0 - (time.monotonic() - opened))
        assert len(closed) == len(socks), f"{len(socks) - len(closed)} of {len(socks)} still open"


def test_a_connection_that_sends_nothing_is_closed_too(server_factory):
    srv = server_factory(connection_limits=ConnectionLimits(header_timeout_s=1.0))
    with socket.create_connection((srv.host, srv.port)) as sock:
        assert closed_within([sock], 1.0 + 3.0) == [sock]


def test_keep_alive_connections_still_get_a_full_header_timeout_per_request(server_factory):
    """The timeout bounds reading a request's headers, not the life of a connection."""
    srv = server_factory(connection_limits=ConnectionLimits(header_timeout_s=1.0))
    with client(srv) as c:
        for _ in range(3):
            assert c.get("/config").status_code == 200
            time.sleep(0.6)  # idle between requests: the keep-alive timeout's business
        assert c.get("/config").status_code == 200


def test_one_address_gets_at_most_its_share_of_connections(server_factory):
    srv = server_factory(connection_limits=ConnectionLimits(header_timeout_s=30.0, max_per_client=8))
    with half_open(srv, 20) as socks:
        closed = closed_within(socks, 3.0)  # well before the header timeout
        assert len(closed) == 12, len(closed)
        data = b"x" * 100_000
        assert upload_through(srv, data) == data  # 127.0.0.1 has its own share


def test_the_server_holds_at_most_max_connections(server_factory):
    srv = server_factory(connection_limits=ConnectionLimits(header_timeout_s=30.0, max_connections=10,
                                                            max_per_client=100))
    with half_open(srv, 15) as socks:
        assert len(closed_within(socks, 3.0)) == 5
        with pytest.raises(httpx.TransportError):  # full, whoever asks
            httpx.get(srv.api_url + "/health", timeout=5)
    deadline = time.monotonic() + 5  # room again once the server has seen them close
    while not health_ok(srv):
        assert time.monotonic() < deadline, "the closed connections were never released"
    data = b"y" * 100_000
    assert upload_through(srv, data) == data


def health_ok(srv) -> bool:
    try:
        return httpx.get(srv.api_url + "/health", timeout=5).status_code == 200
    except httpx.TransportError:
        return False
