"""Every request bounded in time and in memory, on top of httpx's idle timeouts.

httpx's read timeout restarts with every byte, so a server that answers one byte a
second would hold a request for ever; and ``Client.request`` reads a body whole, so a
503 with a 100 MB body costs 100 MB (more, once parsed). Here each request gets:

* an overall deadline: connect + sending the body + the server's time, where the body's
  share is its size over a quarter of the upload rate measured on earlier requests (a
  floor of ``MIN_RATE`` before there is one, at most half of a bandwidth limit). The
  sockets check it between their 0.25 s slices (``transport.py``); past it the request
  fails NETWORK_TIMEOUT like any timeout (an upload keeps what the server stored);
* a capped body: an error answer is read up to ``ERROR_BODY_CAP`` (enough for the
  contract's JSON; the rest is discarded with the connection), a success up to
  ``SUCCESS_BODY_CAP`` (beyond: SERVER_PROTOCOL_ERROR).

    deadlines = RequestDeadlines(timeouts, limit_rate=limiter.rate)
    resp = send(http, "PATCH", url, deadlines, headers=h, content=body, timeout=timeouts)
"""

from __future__ import annotations

import contextlib
import contextvars
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx

from desktop_app.errors import AppError

ERROR_BODY_CAP = 64 * 1024
SUCCESS_BODY_CAP = 16 * 1024 * 1024
MIN_RATE = 64 * 1024  # bytes/s assumed before any upload was measured
_MEASURE_FROM = 256 * 1024  # bodies this large tell the rate; smaller ones are latency

# monotonic time by which the request running in this thread must end (transport.py reads it)
_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "desktop_app_request_deadline", default=None)


def time_left() -> float | None:
    """Seconds left for the request running in this thread; None when it has no deadline."""
    deadline = _deadline.get()
    return None if deadline is None else deadline - time.monotonic()


@contextlib.contextmanager
def deadline_in(seconds: float) -> Iterator[None]:
    reset = _deadline.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _deadline.reset(reset)


class RequestDeadlines:
    """How long one request may take, from its body size and the rate measured so far."""

    def __init__(self, timeouts: httpx.Timeout, *, limit_rate: float | None = None,
                 min_rate: float = MIN_RATE) -> None:
        self.fixed_s = _fixed_s(timeouts)
        self.min_rate = min_rate
        self.limit_rate = limit_rate
        self._rate: float | None = None  # bytes/s, a moving average of measured uploads
        self._lock = threading.Lock()

    @property
    def rate(self) -> float | None:
        return self._rate

    def seconds_for(self, body_bytes: int, timeouts: httpx.Timeout | None = None) -> float:
        """Connect + the server's time (the timeouts' connect and read, ``timeouts`` when
        the request has its own) + the body at a quarter of the measured rate."""
        with self._lock:
            rate = max(self.min_rate, (self._rate or 0.0) / 4)
        if self.limit_rate:
            rate = min(rate, self.limit_rate / 2)
        fixed = self.fixed_s if timeouts is None else _fixed_s(timeouts)
        return fixed + body_bytes / rate

    def observe(self, body_bytes: int, seconds: float) -> None:
        """A request with a body of ``body_bytes`` took ``seconds``, answer included."""
        if body_bytes < _MEASURE_FROM or seconds <= 0:
            return
        measured = body_bytes / seconds
        with self._lock:
            self._rate = measured if self._rate is None else 0.7 * self._rate + 0.3 * measured


def send(http: httpx.Client, method: str, url: str, deadlines: RequestDeadlines, *,
         headers: dict[str, str], timeout: httpx.Timeout | None = None,
         **kwargs: Any) -> httpx.Response:
    """One request within its deadline, its answer read up to the cap for its status.
    Transport errors are httpx's (the callers map them to catalogue codes)."""
    request = http.build_request(method, url, headers=headers,
                                 timeout=timeout if timeout is not None else http.timeout,
                                 **kwargs)
    size = _body_size(request)
    started = time.monotonic()
    with deadline_in(deadlines.seconds_for(size, timeout)):
        resp = http.send(request, stream=True)
        try:
            ok = 200 <= resp.status_code < 300
            body = _read_capped(resp, SUCCESS_BODY_CAP if ok else ERROR_BODY_CAP)
        finally:
            resp.close()  # a body left unread closes the connection instead of draining it
    if ok:
        if body is None:
            raise AppError("SERVER_PROTOCOL_ERROR", f"{method} {request.url.path} answered more "
                           f"than {SUCCESS_BODY_CAP} bytes", http_status=resp.status_code)
        deadlines.observe(size, time.monotonic() - started)
    # decoded already: the copy carries no Content-Encoding (nor a stale Content-Length)
    kept = [(k, v) for k, v in resp.headers.multi_items()
            if k.lower() not in ("content-encoding", "content-length", "transfer-encoding")]
    return httpx.Response(resp.status_code, headers=kept, content=body or b"",
                          request=request, extensions=resp.extensions)


def _fixed_s(timeouts: httpx.Timeout) -> float:
    return (timeouts.connect or 10.0) + (timeouts.read or 120.0)


def _body_size(request: httpx.Request) -> int:
    value = request.headers.get("content-length", "")
    return int(value) if value.isdigit() else 0


def _read_capped(resp: httpx.Response, cap: int) -> bytes | None:
    """Up to ``cap`` bytes of the body; None when there was more (an error body is cut
    there: its first bytes are all a client may look at)."""
    parts: list[bytes] = []
    size = 0
    for piece in resp.iter_bytes():
        parts.append(piece)
        size += len(piece)
        if size > cap:
            return None if 200 <= resp.status_code < 300 else b"".join(parts)[:cap]
    return b"".join(parts)
