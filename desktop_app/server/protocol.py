"""uvicorn's httptools protocol with two additions the contract needs.

* Requests uvicorn itself rejects (malformed HTTP, oversized headers) get the
  contract's JSON error body instead of uvicorn's plain text.
* The connection's transport is put into ``scope["extensions"]`` so fault
  injection can abort the TCP connection mid-body (ASGI has no such message).
"""

from __future__ import annotations

import json
import socket
import struct
import uuid
from typing import Any, cast

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle

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
    _header_bytes = 0
    _too_large = False

    def on_message_begin(self) -> None:
        self._header_bytes = 0
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
