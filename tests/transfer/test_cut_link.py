"""Bytes that reached the server are kept (issue 13, item 2): through a link that resets
every connection after 20 MB, uploads of 40 MB and 200 MB finish, and the bytes on the
wire beyond the file stay under 10 % of it.

On main every PATCH carried a checksum of its whole 32 MiB chunk, so a cut PATCH was
thrown away whole: the upload sent 5 x 20 MB, kept nothing and failed CONNECTION_RESET."""

from __future__ import annotations

import pytest

from tests.transfer.conftest import random_file
from tests.transfer.test_client_backend import connect, sha256, upload

MiB = 1024 * 1024
CUT_AFTER = 20_000_000
SERVER_CHUNK = 32 * MiB  # the reference server's own hint


def _through_a_cutting_link(server_factory, fault_proxy, tmp_path, size: int):
    srv = server_factory(chunk_size=SERVER_CHUNK)
    proxy = fault_proxy(srv.url)
    srv.set_public_url(proxy.url)  # reached through the proxy, as behind any proxy
    client = connect(srv, proxy.url)
    local = random_file(tmp_path / "long-take.mp4", size)
    start, attempts = proxy.bytes_up, []
    proxy.reset_each_after(CUT_AFTER)
    video = upload(client, local, on_attempt=attempts.append)
    wire = proxy.bytes_up - start - size  # requests' headers included
    return local, video, proxy, wire, attempts


@pytest.mark.parametrize("size_mb", [40, pytest.param(200, marks=pytest.mark.slow)])
def test_a_link_that_resets_every_connection_after_20_mb_still_finishes(
        server_factory, fault_proxy, tmp_path, size_mb):
    size = size_mb * 1_000_000
    local, video, proxy, wire, attempts = _through_a_cutting_link(
        server_factory, fault_proxy, tmp_path, size)
    assert video.sha256 == sha256(local) == video.local_sha256
    assert proxy.resets >= size // CUT_AFTER - 1  # the link really cut, again and again
    assert wire < 0.10 * size, f"{wire} bytes beyond the file"
    # a cut that kept bytes is progress, not a failed attempt (one now and then, when the
    # client's HEAD overtakes the server noticing the cut: the retry's HEAD sees them)
    assert {a.error_code for a in attempts} <= {"CONNECTION_RESET"}
    assert len(attempts) < proxy.resets
    print(f"{size_mb} MB through a link cut every 20 MB: {proxy.resets} resets, "
          f"{wire} bytes on the wire beyond the file ({wire / size:.1%})")
