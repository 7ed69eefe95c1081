"""tus 1.0.0 over HTTP: creation, creation-with-upload, checksum (crc32, sha1, sha256), termination, expiration.

The protocol only: headers, offsets, who may touch which upload, one writer at a
time (``locks.py``), the idempotency guard on creation. Rows, bytes and hashing are
the upload store's (``uploadstore.py``, ``filestore.py``), as in tusd's handler and
data stores.
"""

from __future__ import annotations

import base64
import binascii
import time
from collections.abc import AsyncIterator
from email.utils import formatdate
from functools import partial

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from desktop_app.checksum import PREFERENCE as ALGORITHMS  # advertised in Tus-Checksum-Algorithm
from desktop_app.server.auth import Caller
from desktop_app.server.config import TUS_PATH
from desktop_app.server.context import AppContext
from desktop_app.server.errors import ApiError
from desktop_app.server.idempotency import fingerprint
from desktop_app.server.protocol import TRANSPORT_KEY, abort_transport
from desktop_app.server.uploadstore import BodyCutOff, Checksum, UploadInfo

VERSION = "1.0.0"
EXTENSIONS = "creation,creation-with-upload,checksum,termination,expiration"
OCTETS = "application/offset+octet-stream"


def _int_header(request: Request, name: str) -> int:
    value = request.headers.get(name)
    if value is None or not (value.isascii() and value.isdigit()):
        raise ApiError("INVALID_REQUEST", f"The {name} header must be a non-negative integer.", field=name)
    return int(value)


def parse_metadata(value: str | None) -> dict[str, str]:
    meta: dict[str, str] = {}
    for pair in (value or "").split(","):
        if not pair.strip():
            continue
        key, _, b64 = pair.strip().partition(" ")
        try:
            meta[key] = base64.b64decode(b64, validate=True).decode("utf-8") if b64 else ""
        except (binascii.Error, UnicodeDecodeError):
            raise ApiError("INVALID_REQUEST", f"Upload-Metadata value for '{key}' is not base64 UTF-8.") from None
    return meta


def parse_checksum(value: str | None) -> Checksum | None:
    if value is None:
        return None
    algorithm, _, b64 = value.strip().partition(" ")
    if algorithm.lower() not in ALGORITHMS:
        raise ApiError("INVALID_REQUEST", f"Checksum algorithm '{algorithm}' is not supported "
                       f"(use {' or '.join(ALGORITHMS)}).")
    try:
        return Checksum(algorithm.lower(), base64.b64decode(b64, validate=True))
    except binascii.Error:
        raise ApiError("INVALID_REQUEST", "Upload-Checksum is not '<algorithm> <base64 digest>'.") from None


def _expires(ts: float) -> str:
    return formatdate(ts, usegmt=True)


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip()


class _Body:
    """A request body for the store: at most ``room`` bytes (413 past that), and a
    dropped connection as ``BodyCutOff``. ``seen`` counts what was handed on."""

    def __init__(self, request: Request, room: int) -> None:
        self._request = request
        self._room = room
        self.seen = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._request.stream():
                if self.seen + len(chunk) > self._room:
                    raise ApiError("FILE_TOO_LARGE", "The body goes past the declared Upload-Length.")
                self.seen += len(chunk)
                yield chunk
        except ClientDisconnect:
            raise BodyCutOff() from None


class TusHandlers:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    def _check_version(self, request: Request) -> None:
        if request.headers.get("tus-resumable") != VERSION:
            raise ApiError("UNSUPPORTED_TUS_VERSION", "This server speaks tus 1.0.0; send "
                           "'Tus-Resumable: 1.0.0'.", headers={"Tus-Version": VERSION})

    def _owned(self, caller: Caller, upload_id: str) -> UploadInfo:
        info = self.ctx.uploads.info(upload_id)
        if not caller.may_act_for(info.user_id):
            raise ApiError("FORBIDDEN", "This upload belongs to another user.")
        return info

    def _load(self, request: Request) -> tuple[Caller, UploadInfo]:
        caller = self.ctx.caller(request)
        self._check_version(request)
        return caller, self._owned(caller, request.path_params["upload_id"])

    async def options(self, request: Request) -> Response:
        return Response(status_code=204, headers={
            "Tus-Resumable": VERSION, "Tus-Version": VERSION, "Tus-Extension": EXTENSIONS,
            "Tus-Checksum-Algorithm": ",".join(ALGORITHMS),
            "Tus-Max-Size": str(self.ctx.config.max_upload_bytes)})

    async def create(self, request: Request) -> Response:
        caller = self.ctx.caller(request)
        self._check_version(request)
        if "upload-length" not in request.headers:
            raise ApiError("MISSING_FIELD", "Upload-Length is required (deferred length is not supported).",
                           field="Upload-Length")
        length = _int_header(request, "upload-length")
        if length > self.ctx.config.max_upload_bytes:
            raise ApiError("FILE_TOO_LARGE", f"The upload is {length} bytes; the server accepts at most "
                           f"{self.ctx.config.max_upload_bytes}.")
        raw_meta = request.headers.get("upload-metadata", "")
        meta = parse_metadata(raw_meta)
        self.ctx.config.check_file_type(meta.get("filename") or meta.get("name"))  # before any byte is sent
        with self.ctx.idempotency.guard(caller.user_id, request.headers.get("idempotency-key"),
                                        "tus-create") as guard:
            if (replay := guard.replay(fingerprint(length, raw_meta))) is not None:
                return replay
            info = self.ctx.uploads.create(caller.user_id, length, raw_meta, meta)
            headers = {"Location": self.ctx.urls.absolute(f"{TUS_PATH}/{info.upload_id}"),
                       "Upload-Expires": _expires(info.expires_at)}
            if _media_type(request) == OCTETS:
                headers["Upload-Offset"] = str(await self._receive(request, caller, info.upload_id, 0))
            return guard.keep(Response(status_code=201, headers=headers))

    async def head(self, request: Request) -> Response:
        caller, info = self._load(request)
        if self.ctx.locks.busy(info.upload_id):
            # a PATCH is still storing bytes (perhaps from a connection that just dropped):
            # answer with the offset it ends at, not the one before it
            await self.ctx.locks.wait_idle(info.upload_id)
            info = self._owned(caller, info.upload_id)
        headers = {"Upload-Offset": str(info.offset), "Upload-Length": str(info.length),
                   "Cache-Control": "no-store", "Upload-Expires": _expires(info.expires_at)}
        if info.raw_metadata:
            headers["Upload-Metadata"] = info.raw_metadata
        return Response(status_code=200, headers=headers)

    async def patch(self, request: Request) -> Response:
        caller, info = self._load(request)
        if _media_type(request) != OCTETS:
            raise ApiError("UNSUPPORTED_MEDIA_TYPE", f"PATCH bodies must be sent as {OCTETS}.")
        offset = _int_header(request, "upload-offset")
        new_offset = await self._receive(request, caller, info.upload_id, offset)
        return Response(status_code=204, headers={
            "Upload-Offset": str(new_offset),
            "Upload-Expires": _expires(time.time() + self.ctx.config.upload_expiry_s)})

    async def delete(self, request: Request) -> Response:
        caller, info = self._load(request)
        async with self.ctx.locks.hold(info.upload_id):
            self.ctx.uploads.terminate(self._owned(caller, info.upload_id))
        return Response(status_code=204)

    async def _receive(self, request: Request, caller: Caller, upload_id: str, offset: int) -> int:
        """Stream one body into the upload at ``offset``; returns the new offset."""
        checksum = parse_checksum(request.headers.get("upload-checksum"))
        abort = partial(abort_transport, request.scope.get("extensions", {}).get(TRANSPORT_KEY))
        async with self.ctx.locks.hold(upload_id, request_unlock=abort):
            info = self._owned(caller, upload_id)  # as it is now that no other request writes
            if offset != info.offset:
                raise ApiError("UPLOAD_OFFSET_MISMATCH", f"Upload-Offset is {offset} but the server has "
                               f"{info.offset} bytes; re-read the offset with HEAD and continue.")
            declared = request.headers.get("content-length")
            if declared and declared.isascii() and declared.isdigit() and offset + int(declared) > info.length:
                raise ApiError("FILE_TOO_LARGE", "The body goes past the declared Upload-Length.")
            if info.complete:
                return info.offset  # nothing more to store (as tusd): its bytes may be a video's by now
            body = _Body(request, info.length - offset)
            with self.ctx.gate:
                try:
                    return await self.ctx.uploads.write_chunk(info, offset, body, checksum)
                except BodyCutOff:
                    raise ClientDisconnect() from None
                finally:
                    self.ctx.metrics.add_bytes(body.seen)
