"""httpx transport whose sockets notice Cancel/Pause, and the request's deadline, at once.

Body generators check the cancel token between pieces, but a socket blocked on a
stalled network (a full send buffer, a server that never answers) would only give up
after its write or read timeout (30 s, 120 s). Here every blocking read and write waits
in slices of ``SLICE_S`` and checks the token of the running request (set by
``retry.call_with_retry`` through ``cancel.scope``) between slices; the per-phase
timeouts are unchanged. A cancelled request raises AppError CANCELLED and its
connection is closed by httpcore (it is mid-request, so never reused).

The request's overall deadline (``bounded.py``) is checked the same way: a server that
trickles its answer resets the read timeout with every byte, never the deadline. Past
it a read or write raises httpcore's timeout, which the callers map to NETWORK_TIMEOUT.

It plugs into httpcore's public ``network_backend`` interface; handing it to httpx's
transport uses one private attribute, so if a future httpx moves it the client falls
back to the default backend (cancel is then bounded by the timeouts) and logs that.
"""

from __future__ import annotations

import logging
import socket
import ssl
import time
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

from desktop_app.transfer import bounded
from desktop_app.transfer import cancel as cancel_mod

log = logging.getLogger("desktop_app.transfer")
SLICE_S = 0.25


def _slice(idle_deadline: float | None, error: type[Exception]) -> float:
    """How long the next wait may be: a slice, cut short by the idle timeout and by the
    request's overall deadline (raising ``error`` once either has passed)."""
    wait = SLICE_S
    if idle_deadline is not None:
        wait = min(wait, idle_deadline - time.monotonic())
        if wait <= 0:
            raise error("timed out")
    left = bounded.time_left()
    if left is not None:
        if left <= 0:
            raise error("the request's overall deadline passed")
        wait = min(wait, left)
    return wait


class _Stream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        token = cancel_mod.current()
        if token is None and bounded.time_left() is None:
            return self._inner.read(max_bytes, timeout)
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            if token is not None:
                token.raise_if_cancelled()
            wait = _slice(deadline, httpcore.ReadTimeout)
            try:
                return self._inner.read(max_bytes, wait)
            except httpcore.ReadTimeout:
                continue  # nothing was read: look at the token, then wait again

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        token = cancel_mod.current()
        sock = self._inner.get_extra_info("socket")
        if (token is None and bounded.time_left() is None) or not isinstance(sock, socket.socket):
            return self._inner.write(buffer, timeout)
        deadline = None if timeout is None else time.monotonic() + timeout
        view = memoryview(buffer)
        while view:
            if token is not None:
                token.raise_if_cancelled()
            wait = _slice(deadline, httpcore.WriteTimeout)
            try:
                sock.settimeout(wait)
                sent = sock.send(view)  # one syscall: on timeout, nothing was sent
            except (TimeoutError, ssl.SSLWantWriteError):
                continue
            except OSError as exc:
                raise httpcore.WriteError(str(exc)) from exc
            view = view[sent:]
        return None

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        return _Stream(self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class CancellableBackend(httpcore.NetworkBackend):
    def __init__(self, inner: httpcore.NetworkBackend | None = None) -> None:
        self._inner = inner or httpcore.SyncBackend()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        left = bounded.time_left()
        if left is not None:
            if left <= 0:
                raise httpcore.ConnectTimeout("the request's overall deadline passed")
            timeout = left if timeout is None else min(timeout, left)
        return _Stream(self._inner.connect_tcp(host, port, timeout, local_address,
                                               socket_options))

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[Any] | None = None
                            ) -> httpcore.NetworkStream:
        return _Stream(self._inner.connect_unix_socket(path, timeout, socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def make_http_client(timeouts: httpx.Timeout, *, max_keepalive: int = 8) -> httpx.Client:
    """The httpx client every transfer uses: cancellable sockets, per-phase timeouts."""
    transport = httpx.HTTPTransport(limits=httpx.Limits(max_keepalive_connections=max_keepalive))
    pool = getattr(transport, "_pool", None)
    if pool is not None and hasattr(pool, "_network_backend"):
        pool._network_backend = CancellableBackend(pool._network_backend)
    else:  # pragma: no cover - a future httpx
        log.info("httpx internals changed; cancel waits for socket timeouts")
    return httpx.Client(timeout=timeouts, transport=transport)
