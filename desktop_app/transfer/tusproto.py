"""tus 1.0 wire details shared by the uploader: capabilities, metadata, headers.

Kept apart from ``tus.py`` (the upload state machine) so that file reads as the protocol
steps only.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from desktop_app.checksum import PREFERENCE, supported
from desktop_app.errors import AppError
from desktop_app.transfer import bounded

TUS_VERSION = "1.0.0"

Body = Callable[[], Iterable[bytes]] | bytes | None
Send = Callable[..., httpx.Response]  # (method, url, *, headers, body, timeout) -> Response


@dataclass(frozen=True)
class TusResult:
    url: str
    bytes: int
    sha256: str  # of the local file, computed while sending ("" when not asked for)
    attempts: int  # 1 + retries over the whole upload
    restarts: int  # uploads re-created after 404/410
    bytes_sent: int  # PATCH body bytes handed to the network, re-sends included


@dataclass
class ServerCaps:
    extensions: frozenset[str] = frozenset()
    checksum: str | None = None  # algorithm name (checksum.PREFERENCE), None: no checksums
    max_size: int | None = None


def plain_sender(http: httpx.Client, headers: dict[str, str] | None = None, *,
                 limit_rate: float | None = None) -> Send:
    """Requests as they are (plus ``headers``), each bounded (``bounded.py``)."""
    extra = dict(headers or {})
    deadlines = bounded.RequestDeadlines(http.timeout, limit_rate=limit_rate)

    def send(method: str, url: str, *, headers: dict[str, str], body: Body = None,
             timeout: httpx.Timeout | None = None) -> httpx.Response:
        content = body() if callable(body) else body
        return bounded.send(http, method, url, deadlines, headers={**extra, **headers},
                            content=content, timeout=timeout)

    return send


def encode_metadata(metadata: dict[str, str]) -> str:
    return ",".join(f"{k} {base64.b64encode(str(v).encode()).decode()}"
                    for k, v in metadata.items() if v is not None)



def parse_caps(resp: httpx.Response) -> ServerCaps:
    ext = frozenset(e.strip() for e in resp.headers.get("tus-extension", "").split(",") if e.strip())
    algos = [a.strip().lower() for a in resp.headers.get("tus-checksum-algorithm", "").split(",")]
    checksum = None
    if "checksum" in ext:
        # the cheapest first: it only guards each chunk in transit (the whole file's
        # sha256 is the end-to-end check); see checksum.py
        checksum = next((a for a in PREFERENCE if a in algos and supported(a)), None)
    max_size = resp.headers.get("tus-max-size")
    return ServerCaps(ext, checksum, int(max_size) if max_size and max_size.isdigit() else None)


def int_header(resp: httpx.Response, name: str) -> int:
    value = resp.headers.get(name, "")
    if not value.isdigit():
        raise AppError("SERVER_PROTOCOL_ERROR", f"{resp.request.method} answered without a "
                       f"valid {name} header", http_status=resp.status_code)
    return int(value)


def short_url(url: str | None) -> str:
    """The path of an upload URL, for logs (no query string, which could carry a token)."""
    return urlsplit(url).path if url else "-"
