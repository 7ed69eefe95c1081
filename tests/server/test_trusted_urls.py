"""Trusted URLs: absolute URLs come from the configured public URL, never from the
request's Host; a Host the server does not answer to is refused."""

from __future__ import annotations

import httpx
import pytest

from tests.server.helpers import TUS, assert_error, b64, client, create_upload

FORGED = "evil.example:666"


def tus_create(c: httpx.Client, **headers: str) -> httpx.Response:
    return c.post("/uploads", headers={**TUS, "Upload-Length": "10",
                                       "Upload-Metadata": f"filename {b64(b'a.mp4')}", **headers})


@pytest.mark.parametrize(("method", "path"), [("POST", "/uploads"), ("GET", "/config"), ("GET", "/health"),
                                              ("POST", "/auth/token"), ("GET", "/sessions/x")])
def test_a_forged_host_is_refused_in_the_error_shape(server, method, path):
    with client(server) as c:
        r = c.request(method, path, headers={**TUS, "Host": FORGED, "Upload-Length": "10"})
    body = assert_error(r, 400, "INVALID_REQUEST", field="Host")
    assert FORGED not in r.headers.get("location", "") and "evil.example" in body["error"]


def test_location_is_built_from_the_bound_address_by_default(server):
    with client(server) as c:
        assert create_upload(c, 10).startswith(server.url + "/api/v1/uploads/")


def test_location_is_built_from_the_public_url_whatever_host_was_asked(server_factory):
    srv = server_factory(public_url="https://uploads.example.com")
    with client(srv) as c:
        for host in ("uploads.example.com", "UPLOADS.example.com:443", f"127.0.0.1:{srv.port}"):
            r = tus_create(c, Host=host)
            assert r.status_code == 201, r.text
            assert r.headers["location"].startswith("https://uploads.example.com/api/v1/uploads/")
        assert_error(tus_create(c, Host="uploads.example.com:8443"), 400, "INVALID_REQUEST")
        assert_error(tus_create(c, Host=FORGED), 400, "INVALID_REQUEST")


def test_behind_a_proxy_the_public_url_is_the_proxys(server, fault_proxy):
    """A proxy in front (here the suite's TCP proxy): the server is told its URL, and a
    client that knows only the proxy follows Location through it."""
    proxy = fault_proxy(server.url)
    server.set_public_url(proxy.url)
    with client(server) as c:
        c.base_url = httpx.URL(proxy.url + "/api/v1")
        url = create_upload(c, 3)
        assert url.startswith(proxy.url + "/api/v1/uploads/")
        before = proxy.bytes_up
        assert c.patch(url, content=b"abc", headers={**TUS, "Upload-Offset": "0",
                                                      "Content-Type": "application/offset+octet-stream"}
                       ).status_code == 204
        assert proxy.bytes_up > before  # the PATCH went through the proxy, as Location said
    with client(server) as direct:  # the bound address is still answered
        assert direct.head(url.replace(proxy.url, server.url), headers=TUS).headers["upload-offset"] == "3"
