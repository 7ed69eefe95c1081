"""Fault injection (only when enabled) and the embedded server's life cycle."""

from __future__ import annotations

import socket
import threading

import httpx
import pytest

from desktop_app.server.embedded import start_embedded_server
from tests.server.helpers import TUS, assert_error, client, create_upload


def test_fault_endpoint_absent_without_fault_injection(server_factory):
    srv = server_factory(fault_injection=False)
    with client(srv, admin=True) as admin:
        assert_error(admin.post("/admin/faults", json={"path_glob": "/api/v1/health"}), 404, "NOT_FOUND")
    with pytest.raises(RuntimeError, match="fault injection is off"):
        srv.inject_fault("GET", "/health")


def test_faults_fire_count_times_then_stop(server):
    server.inject_fault("GET", "/health", status=503, count=2, retry_after=4)
    codes = [httpx.get(server.api_url + "/health").status_code for _ in range(3)]
    assert codes == [503, 503, 200]


def test_fault_with_a_catalogue_code(server):
    server.inject_fault("*", "/config", status=502, error_code="BAD_GATEWAY")
    assert_error(httpx.get(server.api_url + "/config"), 502, "BAD_GATEWAY")


def test_clear_faults(server):
    server.inject_fault("GET", "/health", count=5)
    assert server.clear_faults() == 1
    assert httpx.get(server.api_url + "/health").status_code == 200


def test_invalid_fault_is_refused(server):
    with client(server, admin=True) as admin:
        assert_error(admin.post("/admin/faults", json={"path_glob": "/x", "status": 200}), 400, "INVALID_REQUEST")
        assert_error(admin.post("/admin/faults", json={"status": 503}), 400, "MISSING_FIELD", field="path_glob")


def test_drop_is_a_real_tcp_reset(server):
    """With drop_after_bytes=0 the server aborts the connection: the raw socket sees a
    TCP reset, never an HTTP status line."""
    server.inject_fault("GET", "/health", drop_after_bytes=0)
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        sock.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: %s\r\n\r\n" % server.url.split("//")[1].encode())
        with pytest.raises(ConnectionResetError):
            sock.recv(1024)
    assert httpx.get(server.api_url + "/health").status_code == 200  # the next one is fine


def test_drop_mid_body_keeps_the_server_healthy(server):
    with client(server) as c:
        url = create_upload(c, 1_000_000)
        server.inject_fault("PATCH", "/uploads/*", drop_after_bytes=300_000)
        with pytest.raises(httpx.TransportError):
            c.patch(url, content=b"\1" * 1_000_000, headers={**TUS, "Upload-Offset": "0",
                                                            "Content-Type": "application/offset+octet-stream"})
        assert c.head(url, headers=TUS).headers["upload-offset"] == "300000"


def test_embedded_server_starts_with_a_local_user_and_stops_cleanly(tmp_path):
    before = set(threading.enumerate())
    srv = start_embedded_server(tmp_path)
    assert srv.url.startswith("http://127.0.0.1:") and srv.api_url == srv.url + "/api/v1"
    assert srv.username and len(srv.password) >= 16 and srv.admin_username != srv.username
    assert srv.password not in repr(srv)
    with client(srv) as c:
        assert c.post("/sessions", json={"user_id": srv.username}).status_code == 201
    srv.stop()
    srv.stop()  # idempotent
    with pytest.raises(httpx.TransportError):
        httpx.get(srv.api_url + "/health", timeout=2)
    leftover = [t for t in threading.enumerate() if t not in before and t.name.startswith("embedded-server")]
    assert not leftover


def test_embedded_default_data_dir_is_under_the_app_data(isolated_state):
    with start_embedded_server() as srv:
        assert str(srv.data_dir).startswith(str(isolated_state))
        assert (srv.data_dir / "server.sqlite3").exists()


def test_two_embedded_servers_side_by_side(server_factory):
    a, b = server_factory(), server_factory()
    assert a.port != b.port
    assert httpx.get(a.api_url + "/health").status_code == httpx.get(b.api_url + "/health").status_code == 200
