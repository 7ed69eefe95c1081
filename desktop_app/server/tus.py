"""tus 1.0.0: creation, creation-with-upload, checksum (crc32, sha1, sha256), termination, expiration.

Each PATCH streams its body to the upload's file at the stored offset while a
running sha256 of the whole upload is kept in memory (used by the finish step;
recomputed from the file after a restart). A PATCH cut off mid-body keeps the
bytes that arrived (the client resumes from HEAD's offset) unless it carried an
``Upload-Checksum``, which cannot be verified for a partial body.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import os
import time
import uuid
from email.utils import formatdate
from functools import partial
from pathlib import Path
from typing import Any

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from desktop_app.checksum import (
    PREFERENCE as ALGORITHMS,  # advertised in Tus-Checksum-Algorithm
)
from desktop_app.checksum import new_checksum
from desktop_app.server.bodies import DiskSink
from desktop_app.server.config import TUS_PATH
from desktop_app.server.context import AppContext, UploadState
from desktop_app.server.errors import ApiError
from desktop_app.server.idempotency import fingerprint
from desktop_app.server.protocol import TRANSPORT_KEY, abort_transport
from desktop_app.server.runhash import RunningHash

VERSION = "1.0.0"
EXTENSIONS = "creation,creation-with-upload,checksum,termination,expiration"
OCTETS = "application/offset+octet-stream"
LOCK_WAIT_S = 5.0


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


def parse_checksum(value: str | None) -> tuple[str, bytes] | None:
    if value is None:
        return None
    algorithm, _, b64 = value.strip().partition(" ")
    if algorithm.lower() not in ALGORITHMS:
        raise ApiError("INVALID_REQUEST", f"Checksum algorithm '{algorithm}' is not supported "
                       f"(use {' or '.join(ALGORITHMS)}).")
    try:
        return algorithm.lower(), base64.b64decode(b64, validate=True)
    except binascii.Error:
        raise ApiError("INVALID_REQUEST", "Upload-Checksum is not '<algorithm> <base64 digest>'.") from None


def _expires(ts: float) -> str:
    return formatdate(ts, usegmt=True)


class TusHandlers:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    def _check_version(self, request: Request) -> None:
        if request.headers.get("tus-resumable") != VERSION:
            raise ApiError("UNSUPPORTED_TUS_VERSION", "This server speaks tus 1.0.0; send "
                           "'Tus-Resumable: 1.0.0'.", headers={"Tus-Version": VERSION})

    def _load(self, request: Request, *, allow_finished: bool = True) -> dict[str, Any]:
        caller = self.ctx.caller(request)
        self._check_version(request)
        upload_id = request.path_params["upload_id"]
        row = self.ctx.store.upload(upload_id)
        if row is None:
            raise ApiError("UPLOAD_NOT_FOUND", "There is no upload with this id; start it again.")
        if not caller.may_act_for(row["user_id"]):
            raise ApiError("FORBIDDEN", "This upload belongs to another user.")
        if row["video_id"] is None and row["expires_at"] < time.time():
            self.ctx.uploads.pop(upload_id, None)
            Path(row["path"]).unlink(missing_ok=True)  # free the disk; the row stays to answer 410
            raise ApiError("UPLOAD_EXPIRED", "This partial upload expired on the server; start it again.")
        return row

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
        with_body = request.headers.get("content-type", "").split(";")[0].strip() == OCTETS
        claim = self.ctx.idempotency.claim(caller.user_id, request.headers.get("idempotency-key"), "tus-create")
        fp = fingerprint(length, raw_meta)
        try:
            replay = self.ctx.idempotency.resolve(claim, fp)
            if replay is not None:
                return replay
            upload_id = uuid.uuid4().hex
            now = time.time()
            row = {"upload_id": upload_id, "user_id": caller.user_id, "length": length, "offset": 0,
                   "metadata": {"raw": raw_meta, **meta}, "created_at": now,
                   "expires_at": now + self.ctx.config.upload_expiry_s,
                   "path": str(self.ctx.config.uploads_dir / upload_id)}
            open(row["path"], "wb").close()
            self.ctx.store.add_upload(row)
            self.ctx.uploads[upload_id] = UploadState(hasher=RunningHash())
            headers = {"Location": f"{str(request.base_url).rstrip('/')}{TUS_PATH}/{upload_id}",
                       "Upload-Expires": _expires(row["expires_at"])}
            if with_body:
                row = self.ctx.store.upload(upload_id) or row
                headers["Upload-Offset"] = str(await self._receive(request, row))
            response = Response(status_code=201, headers=headers)
            self.ctx.idempotency.complete(claim, fp, response)
            return response
        except BaseException:
            self.ctx.idempotency.release(claim)
            raise

    async def head(self, request: Request) -> Response:
        row = self._load(request)
        state = self.ctx.uploads.get(row["upload_id"])
        if state is not None and state.lock.locked():
            # a PATCH is still storing bytes (perhaps from a connection that just dropped):
            # answer with the offset it ends at, not the one before it
            try:
                await asyncio.wait_for(state.lock.acquire(), timeout=5)
                state.lock.release()
            except TimeoutError:
                pass
            row = self.ctx.store.upload(row["upload_id"]) or row
        headers = {"Upload-Offset": str(row["offset"]), "Upload-Length": str(row["length"]),
                   "Cache-Control": "no-store", "Upload-Expires": _expires(row["expires_at"])}
        if row["metadata"].get("raw"):
            headers["Upload-Metadata"] = row["metadata"]["raw"]
        return Response(status_code=200, headers=headers)

    async def patch(self, request: Request) -> Response:
        row = self._load(request)
        if request.headers.get("content-type", "").split(";")[0].strip() != OCTETS:
            raise ApiError("UNSUPPORTED_MEDIA_TYPE", f"PATCH bodies must be sent as {OCTETS}.")
        offset = _int_header(request, "upload-offset")
        new_offset = await self._receive(request, row, offset)
        return Response(status_code=204, headers={
            "Upload-Offset": str(new_offset),
            "Upload-Expires": _expires(time.time() + self.ctx.config.upload_expiry_s)})

    async def delete(self, request: Request) -> Response:
        row = self._load(request)
        state = self.ctx.upload_state(row["upload_id"])
        async with state.lock:
            self.ctx.store.delete_upload(row["upload_id"])
            self.ctx.uploads.pop(row["upload_id"], None)
            if row["video_id"] is None:
                Path(row["path"]).unlink(missing_ok=True)
        return Response(status_code=204)

    async def _receive(self, request: Request, row: dict[str, Any], offset: int = 0) -> int:
        """Stream one body into the upload at ``offset``; returns the new offset."""
        checksum = parse_checksum(request.headers.get("upload-checksum"))
        upload_id = row["upload_id"]
        state = self.ctx.upload_state(upload_id)
        await self._take_lock(state)
        state.holder = partial(abort_transport, request.scope.get("extensions", {}).get(TRANSPORT_KEY))
        try:
            current = (self.ctx.store.upload(upload_id) or row)["offset"]
            if offset != current:
                raise ApiError("UPLOAD_OFFSET_MISMATCH", f"Upload-Offset is {offset} but the server has "
                               f"{current} bytes; re-read the offset with HEAD and continue.")
            declared = request.headers.get("content-length")
            if declared and declared.isascii() and declared.isdigit() and offset + int(declared) > row["length"]:
                raise ApiError("FILE_TOO_LARGE", "The body goes past the declared Upload-Length.")
            with self.ctx.gate:
                return await self._stream(request, row, state, offset, checksum)
        finally:
            state.holder = None
            state.lock.release()

    async def _take_lock(self, state: UploadState) -> None:
        """One PATCH per upload at a time. A client resuming after a connection it
        thinks is dead may find the server still holding that old request (no RST
        reached us): after a grace period the old connection is aborted, so the old
        PATCH keeps what it stored and the new one continues from there."""
        for attempt in range(2):
            try:
                await asyncio.wait_for(state.lock.acquire(), timeout=LOCK_WAIT_S)
                return
            except TimeoutError:
                if attempt == 0 and state.holder is not None:
                    state.holder()
        raise ApiError("REQUEST_IN_PROGRESS", "Another PATCH to this upload is still running; "
                       "re-read the offset with HEAD shortly and continue.", retry_after=1)

    async def _stream(self, request: Request, row: dict[str, Any], state: Any, offset: int,
                      checksum: tuple[str, bytes] | None) -> int:
        # The chunk's checksum is verified before answering; the upload's sha256 runs
        # on its own lane and may lag into the next PATCH (see runhash.py).
        base = state.hasher if isinstance(state.hasher, RunningHash) and state.hashed_to == offset else None
        running = base.fork() if base is not None else None  # dropped unless the chunk is kept
        part = new_checksum(checksum[0]) if checksum else None
        if running is not None and offset == 0 and checksum and checksum[0] == "sha256":
            part = running  # a chunk from offset 0: its sha256 is the upload's, hash it once
        sink = DiskSink(row["path"], offset, [part] if part is not None and part is not running else [],
                        running=running)
        return await self._store(request, row, state, offset, checksum, sink, part, running)

    async def _store(self, request: Request, row: dict[str, Any], state: Any, offset: int,
                     checksum: tuple[str, bytes] | None, sink: DiskSink, part: Any,
                     running: RunningHash | None) -> int:
        disconnected = False
        try:
            async for chunk in request.stream():
                if offset + sink.written + len(chunk) > row["length"]:
                    raise ApiError("FILE_TOO_LARGE", "The body goes past the declared Upload-Length.")
                await sink.write(chunk)
        except ClientDisconnect:
            disconnected = True
        except BaseException:
            await sink.abandon()
            os.truncate(row["path"], offset)
            raise
        await sink.finish()
        self.ctx.metrics.add_bytes(sink.written)
        if part is running and part is not None and not disconnected:
            digest = await asyncio.wrap_future(running.digest())  # here the sha256 must be waited for
        else:
            digest = part.digest() if part is not None and not disconnected else b""
        if part is not None and (disconnected or not hmac.compare_digest(digest, checksum[1])):
            os.truncate(row["path"], offset)  # the chunk is not trusted: as if never sent
            if disconnected:
                raise ClientDisconnect()
            raise ApiError("CHECKSUM_MISMATCH", f"The {checksum[0]} checksum of this chunk does not match "
                           "Upload-Checksum; send it again.")
        new_offset = offset + sink.written
        state.hasher, state.hashed_to = running, new_offset if running is not None else 0
        self.ctx.store.run("UPDATE uploads SET offset=?, expires_at=? WHERE upload_id=?", new_offset,
                           time.time() + self.ctx.config.upload_expiry_s, row["upload_id"])
        if disconnected:
            raise ClientDisconnect()
        return new_offset
