"""uvicorn's httptools protocol with the additions the contract and the limits need.

* Requests uvicorn itself rejects (malformed HTTP, oversized headers) get the
  contract's JSON error body instead of uvicorn's plain text.
* The connection's transport is put into ``scope["extensions"]`` so fault
  injection can abort the TCP connection mid-body (ASGI has no such message).
* Connection limits (``connections.py``): a connection past the server's cap, or its
  address's, is closed as it opens; and a request's line and headers must arrive
  within ``header_timeout_s`` of its first byte (of the connection's opening, for the
  first request), else the connection is closed. uvicorn has no such timeout: a
  client sending half a request line held its connection for ever.
"""

from __future__ import annotations

import asyncio
import json
import socket
import struct
import uuid
from typing import Any, cast

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle

from desktop_app.server.config import ConnectionLimits
from desktop_app.server.connections import ConnectionGuard

TRANSPORT_KEY = "desktop_app.transport"
# uvicorn pauses reading once 64 KiB are buffered; for large uploads that means a
# pause/resume round trip per 64 KiB. 1 MiB keeps memory bounded and cuts that overhead.
BODY_HIGH_WATER = 1024 * 1024
MAX_HEADER_BYTES = 64 * 1024  # request line + headers; httptools itself sets no limit


def abort_transport(transport: Any) -> None:
    """Drop the connection with a TCP reset (as a crashed peer or a middlebox would):
    SO_LINGER with a zero timeout makes close() send RST instead of FIN."""
    if transport is None or transport.is_closing():
        return
    sock = transport.get_extra_info("socket")
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except (AttributeError, OSError):
        pass  # still aborted below, just perhaps with FIN
    transport.abort()


class HeadersTooLarge(Exception):
    pass


class _NoCopyCycle(RequestResponseCycle):
    """Hands the received bytearray to the app instead of copying it into bytes
    (uvicorn starts a fresh buffer right after, so nothing mutates the one handed out).
    Upload handlers accept any bytes-like chunk."""

    async def receive(self):  # type: ignore[no-untyped-def]
        if self.waiting_for_100_continue and not self.transport.is_closing():
            self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            self.waiting_for_100_continue = False
        if not self.disconnected and not self.response_complete:
            self.flow.resume_reading()
            await self.message_event.wait()
            self.message_event.clear()
        if self.disconnected or self.response_complete:
            return {"type": "http.disconnect"}
        body, self.body = self.body, bytearray()
        return {"type": "http.request", "body": body, "more_body": self.more_body}


class ContractHttpProtocol(HttpToolsProtocol):
    guard: ConnectionGuard | None = None  # set on each server's subclass (guarded_protocol)
    _header_bytes = 0
    _too_large = False
    _address: str | None = None  # set once admitted (counted by the guard)
    _header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if self.guard is None:
            return
        address = self.client[0] if self.client else ""
        if not self.guard.admit(address):
            transport.abort()
            return
        self._address = address
        self._arm_header_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_header_timer()
        if self._address is not None and self.guard is not None:
            self.guard.release(self._address)
            self._address = None
        super().connection_lost(exc)

    def _arm_header_timer(self) -> None:
        if self.guard is not None and self._header_timer is None:
            self._header_timer = self.loop.call_later(self.guard.limits.header_timeout_s, self._header_timeout)

    def _cancel_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _header_timeout(self) -> None:
        self._header_timer = None
        if not self.transport.is_closing():
            assert self.guard is not None
            self.guard.note("header-timeout", "closed connections that sent no complete request line and "
                            f"headers in {self.guard.limits.header_timeout_s:g} s (serve --header-timeout)")
            self.transport.close()

    def on_message_begin(self) -> None:
        self._header_bytes = 0
        self._arm_header_timer()  # from this request's first byte (or the connection's opening)
        super().on_message_begin()

    def _count(self, n: int) -> None:
        self._header_bytes += n
        if self._header_bytes > MAX_HEADER_BYTES:
            self._too_large = True
            raise HeadersTooLarge()  # httptools turns this into a parser error -> send_400_response

    def on_url(self, url: bytes) -> None:
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value) + 4)
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._cancel_header_timer()
        # the scope dict is shared with the request cycle created by super()
        extensions = cast(dict[str, Any], self.scope.setdefault("extensions", {}))
        extensions[TRANSPORT_KEY] = self.transport
        before = self.cycle
        super().on_headers_complete()
        # the new cycle's task has not run yet, so its receive can still be swapped
        if self.cycle is not before and type(self.cycle) is RequestResponseCycle:
            self.cycle.__class__ = _NoCopyCycle

    def on_body(self, body: bytes) -> None:
        cycle = self.cycle
        if cycle is None or cycle.response_complete or (self.parser.should_upgrade() and self._should_upgrade()):
            return
        cycle.body += body
        if len(cycle.body) > BODY_HIGH_WATER:
            self.flow.pause_reading()
        cycle.message_event.set()

    def send_400_response(self, msg: str) -> None:
        request_id = uuid.uuid4().hex
        if self._too_large:
            status, reason, code = 431, b"Request Header Fields Too Large", "REQUEST_HEADER_TOO_LARGE"
            text = f"The request line and headers exceed {MAX_HEADER_BYTES} bytes."
        else:
            status, reason, code = 400, b"Bad Request", "INVALID_REQUEST"
            text = f"The request is not valid HTTP ({msg.strip('.')})."
        body = json.dumps({"error": text, "error_code": code, "request_id": request_id}).encode()
        head = [b"HTTP/1.1 %d %s\r\n" % (status, reason)]
        for name, value in self.server_state.default_headers:
            head += [name, b": ", value, b"\r\n"]
        head += [b"content-type: application/json\r\n",
                 b"content-length: %d\r\n" % len(body),
                 b"x-request-id: " + request_id.encode() + b"\r\n",
                 b"connection: close\r\n\r\n", body]
        self.transport.write(b"".join(head))
        self.transport.close()


def guarded_protocol(limits: ConnectionLimits) -> type[ContractHttpProtocol]:
    """The protocol class for one server: its connections share one ``ConnectionGuard``."""
    return type("GuardedHttpProtocol", (ContractHttpProtocol,), {"guard": ConnectionGuard(limits)})
