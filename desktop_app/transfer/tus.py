"""A tus 1.0.0 client that works against any conforming server, not only ours.

    uploader = TusUploader(http, "https://host/api/v1/uploads", policy=RetryPolicy())
    result = uploader.upload(path, metadata={"filename": "a.mp4"},
                             idempotency_key=key, upload_url=saved_url,
                             on_upload_url=persist, progress=cb, cancel=token)

- Discovery: ``OPTIONS`` on the endpoint gives ``Tus-Extension``, ``Tus-Max-Size`` and
  ``Tus-Checksum-Algorithm``; a file over the maximum fails at once with FILE_TOO_LARGE.
- Creation: ``POST`` with ``Upload-Length``, ``Upload-Metadata`` and ``Idempotency-Key``;
  the URL goes to ``on_upload_url`` the moment it exists, so a crash can resume it.
- Transfer: the file's sha256 is computed on a side thread meanwhile.
  ``PATCH`` in chunks (8 MiB default, the server's hint wins), without ``Upload-Checksum``:
  a tus server keeps the bytes of a PATCH cut off mid-body (tusd and ours do), and a
  per-request checksum would make it throw the whole cut chunk away (it cannot verify a
  part). The integrity check is end to end instead: the server's sha256 of what it stored
  against the file's (``client.py``), which covers every byte, kept pieces included.
  Each chunk is one retried operation (see ``retry.py``); its body is a fresh generator
  reading the file from disk, so a consumed stream is never replayed.
- Recovery: after any failure the offset is re-read with ``HEAD`` before sending again
  (never a local counter). A PATCH cut off after some bytes went out asks ``HEAD`` at once:
  when the server kept some of them, that is progress, not a failed attempt (a link that
  drops every connection after 20 MB still finishes, without retries running out). 409
  re-syncs at once; 460 resends the chunk; 404/410 create a new upload and start from zero
  (at most twice).

``send`` is how requests go out: by default plain httpx plus ``headers``; the backend
client passes one that adds its bearer token and refreshes it once on 401.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpx

from desktop_app.errors import UPLOAD_GONE_CODES, AppError
from desktop_app.files import FileIdentity
from desktop_app.transfer import httperr
from desktop_app.transfer.body import WholeFileHash, stream_range
from desktop_app.transfer.breaker import BreakerRegistry
from desktop_app.transfer.budget import RetryBudget
from desktop_app.transfer.cancel import CancelToken
from desktop_app.transfer.limiter import BandwidthLimiter
from desktop_app.transfer.retry import AttemptInfo, RetryPolicy, call_with_retry
from desktop_app.transfer.tusproto import (
    TUS_VERSION,
    Body,
    Send,
    ServerCaps,
    TusResult,
    encode_metadata,
    int_header,
    parse_caps,
    plain_sender,
    short_url,
)

log = logging.getLogger("desktop_app.transfer")

DEFAULT_CHUNK = 8 * 1024 * 1024
MAX_RESTARTS = 2
# A PATCH cut off by these (the body was on its way) may have left bytes on the server.
_CUT_CODES = frozenset({"CONNECTION_RESET", "NETWORK_TIMEOUT"})

@dataclass
class _Upload:
    ident: FileIdentity
    url: str | None
    offset: int = 0
    synced: bool = False
    restarts: int = 0
    attempts: int = 1
    sent: int = 0
    known_sha256: str | None = None
    cancel: CancelToken | None = None
    hash_file: bool = True
    hasher: WholeFileHash = field(init=False)

    def __post_init__(self) -> None:
        self.hasher = WholeFileHash(self.ident, self.known_sha256, self.cancel,
                                    enabled=self.hash_file)


class TusUploader:
    def __init__(self, http: httpx.Client, endpoint: str, *, send: Send | None = None,
                 headers: dict[str, str] | None = None,
                 policy: RetryPolicy | None = None, breakers: BreakerRegistry | None = None,
                 budget: RetryBudget | None = None, chunk_size: int | None = None,
                 limiter: BandwidthLimiter | None = None,
                 timeout: httpx.Timeout | None = None,
                 on_attempt: Callable[[AttemptInfo], None] | None = None,
                 on_stored: Callable[[int], None] | None = None) -> None:
        self.endpoint = endpoint
        self._send_fn = send or plain_sender(
            http, headers, limit_rate=limiter.rate if limiter is not None else None)
        self.policy = policy or RetryPolicy()
        self.breakers = breakers if breakers is not None else BreakerRegistry()
        self.budget = budget
        self.chunk_size = max(1, chunk_size or DEFAULT_CHUNK)
        self.limiter = limiter
        self.timeout = timeout
        self.on_attempt = on_attempt
        self.on_stored = on_stored  # the new offset, each time the server confirms more
        self._caps: ServerCaps | None = None
        path = urlsplit(endpoint).path.rstrip("/") or "/"
        self._create_route = path
        self._upload_route = path.rstrip("/") + "/{id}"

    # -- public --
    def upload(self, path: str, *, metadata: dict[str, str] | None = None,
               idempotency_key: str | None = None, upload_url: str | None = None,
               on_upload_url: Callable[[str], None] | None = None,
               progress: Callable[[int, int], None] | None = None,
               cancel: CancelToken | None = None,
               known_sha256: str | None = None, hash_file: bool = True) -> TusResult:
        """Upload ``path``. ``known_sha256`` skips hashing a file the caller already hashed;
        ``hash_file=False`` skips it when nobody needs the digest (plain tus uploads)."""
        cancel = cancel or CancelToken()
        cancel.raise_if_cancelled()
        up = _Upload(FileIdentity.of(path), upload_url, known_sha256=known_sha256, cancel=cancel,
                     hash_file=hash_file)
        try:
            return self._upload(up, path, metadata, idempotency_key, on_upload_url, progress,
                                cancel)
        finally:
            up.hasher.close()

    def _upload(self, up: _Upload, path: str, metadata: dict[str, str] | None,
                idempotency_key: str | None, on_upload_url: Callable[[str], None] | None,
                progress: Callable[[int, int], None] | None, cancel: CancelToken) -> TusResult:
        caps = self._capabilities(cancel, up)
        if caps.max_size is not None and up.ident.size > caps.max_size:
            raise AppError("FILE_TOO_LARGE", f"{up.ident.size} bytes is over the server's "
                           f"Tus-Max-Size of {caps.max_size}.", file=path, http_status=413)
        key = idempotency_key or str(uuid.uuid4())
        while True:
            try:
                if up.url is None:
                    up.url = self._create(up, metadata or {}, key, cancel)
                    up.synced, up.offset = True, 0
                    if on_upload_url is not None:
                        on_upload_url(up.url)
                self._send_all(up, caps, cancel, progress)
                break
            except AppError as err:
                err.with_context(file=path)
                err.extra["attempts"] = up.attempts
                if up.url is None or err.code not in UPLOAD_GONE_CODES \
                        or up.restarts >= MAX_RESTARTS:
                    raise
                up.restarts += 1
                log.warning("upload %s is gone (%s); starting again from zero",
                            short_url(up.url), err.code)
                up.url, up.synced, up.offset = None, False, 0
                key = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{key}/restart/{up.restarts}"))
        sha = up.hasher.finish()
        return TusResult(up.url, up.ident.size, sha, up.attempts, up.restarts, up.sent)

    def capabilities(self, cancel: CancelToken | None = None) -> ServerCaps:
        """``OPTIONS`` discovery, once per uploader; a server without OPTIONS is core-only."""
        return self._capabilities(cancel or CancelToken(), None)

    def _capabilities(self, cancel: CancelToken, up: _Upload | None) -> ServerCaps:
        if self._caps is None:
            try:
                resp = self._retry(lambda n: self._request(
                    "OPTIONS", self.endpoint, {"X-Retry-Attempt": str(n)}),
                    "OPTIONS", self._create_route, cancel, up)
                self._caps = parse_caps(resp)
            except AppError as err:
                if err.retryable or err.code in ("CANCELLED", "CIRCUIT_OPEN"):
                    raise
                self._caps = ServerCaps()
        return self._caps

    # -- steps --
    def _create(self, up: _Upload, metadata: dict[str, str], key: str,
                cancel: CancelToken) -> str:
        headers = {"Upload-Length": str(up.ident.size), "Idempotency-Key": key}
        if metadata:
            headers["Upload-Metadata"] = encode_metadata(metadata)

        def once(n: int) -> str:
            resp = self._request("POST", self.endpoint, {**headers, "X-Retry-Attempt": str(n)},
                                 body=b"")
            location = resp.headers.get("location")
            if resp.status_code != 201 or not location:
                raise AppError("SERVER_PROTOCOL_ERROR", f"tus creation answered "
                               f"{resp.status_code} without a Location header.")
            return urljoin(self.endpoint, location)

        url = self._retry(once, "POST", self._create_route, cancel, up)
        log.info("created upload %s for %d bytes", short_url(url), up.ident.size)
        return url

    def _head(self, up: _Upload, n: int) -> None:
        assert up.url is not None
        resp = self._request("HEAD", up.url, {"X-Retry-Attempt": str(n), "Cache-Control": "no-store"})
        offset = int_header(resp, "upload-offset")
        length = resp.headers.get("upload-length")
        if length is not None and length.isdigit() and int(length) != up.ident.size:
            # Not our file any more (e.g. a persisted URL reused for another file).
            raise AppError("UPLOAD_NOT_FOUND", f"upload length {length} != {up.ident.size}")
        if offset > up.ident.size:
            raise AppError("SERVER_PROTOCOL_ERROR", f"server offset {offset} beyond file end")
        up.offset, up.synced = offset, True

    def _send_all(self, up: _Upload, caps: ServerCaps, cancel: CancelToken,
                  progress: Callable[[int, int], None] | None) -> None:
        total = up.ident.size
        if not up.synced:
            self._retry(lambda n: self._head(up, n), "HEAD", self._upload_route, cancel, up)
        if progress is not None:
            progress(up.offset, total)
        while up.offset < total:
            self._retry(lambda n: self._patch(up, n, cancel, progress),
                        "PATCH", self._upload_route, cancel, up)

    def _patch(self, up: _Upload, n: int, cancel: CancelToken,
               progress: Callable[[int, int], None] | None) -> None:
        assert up.url is not None
        if not up.synced:
            self._head(up, n)
            if up.offset >= up.ident.size:
                return
        start = up.offset
        length = min(self.chunk_size, up.ident.size - start)
        headers = {"Upload-Offset": str(start), "Content-Type": "application/offset+octet-stream",
                   "Content-Length": str(length), "X-Retry-Attempt": str(n)}
        sent = 0

        def on_bytes(count: int) -> None:
            nonlocal sent
            sent += count
            up.sent += count
            if progress is not None:
                progress(start + sent, up.ident.size)

        def body() -> Iterable[bytes]:
            return stream_range(up.ident, start, length, cancel=cancel, limiter=self.limiter,
                                on_bytes=on_bytes)

        up.synced = False  # until the server confirms the new offset
        try:
            resp = self._request("PATCH", up.url, headers, body=body)
        except AppError as err:
            if err.code == "UPLOAD_OFFSET_MISMATCH":
                err.retry_after = 0.0  # nothing to wait for: re-read the offset and go on
            if sent and err.code in _CUT_CODES and self._kept_some(up, start, n):
                log.info("PATCH %s cut off after %d bytes (%s); the server kept %d: going on",
                         short_url(up.url), sent, err.code, up.offset - start)
                self._stored(up.offset)
                if progress is not None:
                    progress(up.offset, up.ident.size)
                return
            raise
        new = int_header(resp, "upload-offset")
        if not start < new <= up.ident.size:
            raise AppError("SERVER_PROTOCOL_ERROR", f"PATCH at {start} answered offset {new}")
        up.offset, up.synced = new, True
        self._stored(new)

    def _stored(self, offset: int) -> None:
        if self.on_stored is not None:
            self.on_stored(offset)

    def _kept_some(self, up: _Upload, start: int, n: int) -> bool:
        """After a cut PATCH: did the server keep any of its bytes? (One HEAD; a server that
        does not answer now leaves it to the retry, which re-reads the offset anyway.)"""
        try:
            self._head(up, n)
        except AppError:
            up.synced = False
            return False
        return up.offset > start

    # -- plumbing --
    def _request(self, method: str, url: str, headers: dict[str, str], *,
                 body: Body = None) -> httpx.Response:
        headers = {"Tus-Resumable": TUS_VERSION, **headers}
        resource = f"{method} {short_url(url)}"
        try:
            resp = self._send_fn(method, url, headers=headers, body=body, timeout=self.timeout)
        except AppError:
            raise
        except (httpx.HTTPError, OSError) as exc:
            raise httperr.error_from_exception(exc, resource=resource) from None
        return httperr.check(resp, resource=resource)

    def _retry(self, fn: Callable[[int], object], method: str, route: str,
               cancel: CancelToken, up: _Upload | None):  # noqa: ANN202
        def on_attempt(info: AttemptInfo) -> None:
            if up is not None and not info.final:
                up.attempts += 1
            if self.on_attempt is not None:
                self.on_attempt(info)

        return call_with_retry(fn, policy=self.policy, resource=f"{method} {route}",
                               cancel=cancel, budget=self.budget,
                               breaker=self.breakers.get(self.endpoint, route),
                               on_attempt=on_attempt)
