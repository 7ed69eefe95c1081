"""The reference server's upload store: a row per upload in SQLite, its bytes in a file.

Each chunk is streamed to the upload's file at its offset by a ``DiskSink``, which
also computes the chunk's ``Upload-Checksum`` and feeds the upload's running sha256
(``runhash.py``), so a finished upload's sha256 is ready without reading the file
again. After a restart the running hash is lost and the file is hashed once at the
finish step. A chunk cut off mid-body keeps the bytes that arrived unless it carried
a checksum, which cannot be verified for a partial body.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
import time
import uuid
from collections.abc import AsyncIterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from desktop_app.checksum import new_checksum
from desktop_app.server.bodies import DiskSink
from desktop_app.server.errors import ApiError
from desktop_app.server.runhash import RunningHash
from desktop_app.server.store import Store
from desktop_app.server.uploadstore import BodyCutOff, Checksum, FinishedUpload, UploadInfo

KEEP_EXPIRED_ROWS_S = 7 * 86400  # a late client still gets 410, not 404


@dataclass
class _Hashed:
    """The running sha256 of an upload and the offset it covers."""

    hasher: RunningHash
    to: int


def _info(row: dict[str, Any]) -> UploadInfo:
    meta = dict(row["metadata"])
    raw = meta.pop("raw", "")
    return UploadInfo(upload_id=row["upload_id"], user_id=row["user_id"], length=row["length"],
                      offset=row["offset"], expires_at=row["expires_at"], raw_metadata=raw,
                      metadata=meta, video_id=row["video_id"])


def _not_found(detail: str = "There is no upload with this id; start it again.") -> ApiError:
    return ApiError("UPLOAD_NOT_FOUND", detail)


class FileUploadStore:
    def __init__(self, store: Store, directory: Path, expiry_s: float) -> None:
        self.store = store
        self.directory = directory
        self.expiry_s = expiry_s
        self._hashes: dict[str, _Hashed] = {}

    def _path(self, upload_id: str) -> Path:
        return self.directory / upload_id  # ids are ours (uuid hex), looked up before use

    def create(self, user_id: str, length: int, raw_metadata: str, metadata: dict[str, str]) -> UploadInfo:
        upload_id = uuid.uuid4().hex
        now = time.time()
        path = self._path(upload_id)
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600))
        row = {"upload_id": upload_id, "user_id": user_id, "length": length, "offset": 0,
               "metadata": {"raw": raw_metadata, **metadata}, "created_at": now,
               "expires_at": now + self.expiry_s, "path": str(path)}
        self.store.add_upload(row)
        self._hashes[upload_id] = _Hashed(RunningHash(), 0)
        return _info({**row, "video_id": None})

    def info(self, upload_id: str) -> UploadInfo:
        row = self.store.upload(upload_id)
        if row is None:
            raise _not_found()
        info = _info(row)
        if info.video_id is None and info.expires_at < time.time():
            self._hashes.pop(upload_id, None)
            self._path(upload_id).unlink(missing_ok=True)  # free the disk; the row stays to answer 410
            raise ApiError("UPLOAD_EXPIRED", "This partial upload expired on the server; start it again.")
        if info.video_id is None and not self._path(upload_id).exists():
            self._forget(upload_id)  # its bytes were deleted underneath us: the upload is gone
            raise _not_found("The server no longer has this upload's bytes; start it again.")
        return info

    async def write_chunk(self, info: UploadInfo, offset: int, body: AsyncIterable[bytes],
                          checksum: Checksum | None) -> int:
        # The chunk's checksum is verified before answering; the upload's sha256 runs
        # on its own lane and may lag into the next PATCH (see runhash.py).
        path = self._path(info.upload_id)
        hashed = self._hashes.get(info.upload_id)
        running = hashed.hasher.fork() if hashed is not None and hashed.to == offset else None
        part: Any = new_checksum(checksum.algorithm) if checksum else None
        if running is not None and offset == 0 and checksum and checksum.algorithm == "sha256":
            part = running  # a chunk from offset 0: its sha256 is the upload's, hash it once
        sink = DiskSink(path, offset, [part] if part is not None and part is not running else [],
                        running=running)
        cut_off = False
        try:
            try:
                async for chunk in body:
                    await sink.write(chunk)
            except BodyCutOff:
                cut_off = True  # what arrived is kept (written by finish)
            await sink.finish()
        except BaseException:  # a full disk, a bug: this PATCH is not kept
            try:
                await sink.abandon()
            finally:  # even when the blocks still queued fail too (a full disk)
                os.truncate(path, offset)  # frees its space, too
            raise
        if checksum is not None:
            if cut_off:
                digest = b""
            elif part is running and running is not None:
                digest = await asyncio.wrap_future(running.digest())  # here the sha256 must be waited for
            else:
                digest = part.digest()
            if cut_off or not hmac.compare_digest(digest, checksum.digest):
                os.truncate(path, offset)  # the chunk is not trusted: as if never sent
                if cut_off:
                    raise BodyCutOff()
                raise ApiError("CHECKSUM_MISMATCH", f"The {checksum.algorithm} checksum of this chunk does "
                               "not match Upload-Checksum; send it again.")
        new_offset = offset + sink.written
        if running is not None:
            self._hashes[info.upload_id] = _Hashed(running, new_offset)
        else:
            self._hashes.pop(info.upload_id, None)
        self.store.advance_upload(info.upload_id, new_offset, time.time() + self.expiry_s)
        if cut_off:
            raise BodyCutOff()
        return new_offset

    def reader(self, info: UploadInfo) -> BinaryIO:
        try:
            return open(self._path(info.upload_id), "rb")
        except FileNotFoundError:
            raise _not_found("The server no longer has this upload's bytes; start it again.") from None

    def _file_sha256(self, info: UploadInfo) -> str:
        digest = hashlib.sha256()
        with self.reader(info) as fh:
            while block := fh.read(1024 * 1024):
                digest.update(block)
        return digest.hexdigest()

    async def finish(self, info: UploadInfo) -> FinishedUpload:
        hashed = self._hashes.get(info.upload_id)
        sha = None
        if hashed is not None and hashed.to == info.length:
            sha = await asyncio.to_thread(hashed.hasher.hexdigest)  # it may still be catching up
        if sha is None:  # the server restarted mid-upload: hash the file once, off the loop
            sha = await asyncio.to_thread(self._file_sha256, info)
        return FinishedUpload(self._path(info.upload_id), sha, info.length)

    def link(self, info: UploadInfo, video_id: str) -> None:
        self._hashes.pop(info.upload_id, None)
        self.store.link_upload(info.upload_id, video_id)

    def terminate(self, info: UploadInfo) -> None:
        self._forget(info.upload_id)
        if info.video_id is None:
            self._path(info.upload_id).unlink(missing_ok=True)

    def _forget(self, upload_id: str) -> None:
        self._hashes.pop(upload_id, None)
        self.store.delete_upload(upload_id)

    def sweep(self) -> None:
        """Free the disk of expired unfinished uploads."""
        now = time.time()
        for row in self.store.expired_uploads(now):
            self._path(row["upload_id"]).unlink(missing_ok=True)
        self.store.forget_expired_uploads(now - KEEP_EXPIRED_ROWS_S)
