"""The upload store: what the tus handlers and the finish step ask of the storage.

Shaped like tusd's ``DataStore``/``Upload`` (``pkg/handler/datastore.go``): the
handlers own the protocol (headers, offsets, locks, who may do what) and call the
store to create an upload, read its info, write a chunk at an offset, read its
bytes, finish it and terminate it. The store owns where the rows and bytes live
and the hashing on the way; it does not know HTTP. Its failures a client must see
are ``ApiError`` s (as tusd's stores return the handler's ``ErrNotFound``).

    info = store.create(user_id, length, metadata)
    offset = await store.write_chunk(info, offset, body, checksum)
    done = await store.finish(info)           # the bytes and their sha256
    store.link(info, video_id)                # the upload now belongs to a video
"""

from __future__ import annotations

from collections.abc import AsyncIterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Protocol


class BodyCutOff(Exception):
    """The request body ended early (the client went away). The store keeps what
    arrived, unless a chunk checksum makes a partial chunk worthless."""


@dataclass(frozen=True)
class Checksum:
    """A chunk's ``Upload-Checksum``: algorithm name and the digest it must have."""

    algorithm: str
    digest: bytes


@dataclass(frozen=True)
class UploadInfo:
    upload_id: str
    user_id: str
    length: int
    offset: int
    expires_at: float
    raw_metadata: str  # the Upload-Metadata header as the client sent it
    metadata: dict[str, str] = field(default_factory=dict)  # decoded
    video_id: str | None = None  # set once a finish step made a video of it

    @property
    def complete(self) -> bool:
        return self.offset >= self.length

    @property
    def filename(self) -> str | None:
        return self.metadata.get("filename") or self.metadata.get("name") or None


@dataclass(frozen=True)
class FinishedUpload:
    path: Path  # where the bytes are; the finish step moves them to the video's place
    sha256: str
    length: int


class UploadStore(Protocol):
    def create(self, user_id: str, length: int, raw_metadata: str, metadata: dict[str, str]) -> UploadInfo:
        """A new, empty upload."""
        ...

    def info(self, upload_id: str) -> UploadInfo:
        """The upload's current state; 404 UPLOAD_NOT_FOUND when there is none (or its
        bytes are gone), 410 UPLOAD_EXPIRED when it expired unfinished."""
        ...

    async def write_chunk(self, info: UploadInfo, offset: int, body: AsyncIterable[bytes],
                          checksum: Checksum | None) -> int:
        """Append ``body`` at ``offset`` (the caller checked it against ``info.offset``
        and holds the upload's lock); returns the new offset. 460 CHECKSUM_MISMATCH
        when ``checksum`` does not match (nothing kept); ``BodyCutOff`` is re-raised
        after what arrived is kept."""
        ...

    def reader(self, info: UploadInfo) -> BinaryIO:
        """The bytes received so far."""
        ...

    async def finish(self, info: UploadInfo) -> FinishedUpload:
        """A complete upload's bytes and sha256 (the caller holds its lock)."""
        ...

    def link(self, info: UploadInfo, video_id: str) -> None:
        """Record that the finish step made ``video_id`` of this upload (its bytes moved there)."""
        ...

    def terminate(self, info: UploadInfo) -> None:
        """Forget the upload and free its bytes; afterwards it is UPLOAD_NOT_FOUND."""
        ...
