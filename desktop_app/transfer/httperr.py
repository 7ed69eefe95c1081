"""Turning httpx outcomes into catalogue errors, in one place.

- A non-2xx response becomes ``AppError.from_response``: by ``error_code`` when the body
  is the contract's JSON shape, by status alone otherwise (a proxy's HTML 502); the
  request id (``X-Request-ID``) and ``Retry-After`` (seconds or HTTP date) are kept.
- A transport failure becomes NETWORK_TIMEOUT, CONNECTION_REFUSED (nothing listens there),
  CONNECTION_FAILED (no way to the host) or CONNECTION_RESET.

Messages carry the method and path, never headers, so no token can leak into them.
"""

from __future__ import annotations

import email.utils
import time
from typing import Any

import httpx

from desktop_app.errors import AppError

RETRY_AFTER_CAP_S = 300.0


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def error_from_response(resp: httpx.Response, *, resource: str = "") -> AppError:
    body: Any = None
    if "json" in resp.headers.get("content-type", ""):
        try:
            resp.read()
            body = resp.json()
        except (ValueError, httpx.HTTPError):
            body = None
    if resp.status_code == 423 and not (isinstance(body, dict) and body.get("error_code")):
        # tus servers (tusd, @tus/server) answer 423 Locked while an earlier PATCH on the
        # same upload (e.g. from a connection that just dropped) still holds its lock.
        body = {"error_code": "REQUEST_IN_PROGRESS", "error": "upload locked by the server"}
    err = AppError.from_response(
        resp.status_code, body,
        request_id=resp.headers.get("x-request-id"),
        retry_after=parse_retry_after(resp.headers.get("retry-after")),
    )
    if resource:
        err.detail = f"{err.detail} ({resource})"
        err.args = (f"{err.code}: {err.detail}",)
    return err


def error_from_exception(exc: BaseException, *, resource: str = "") -> AppError:
    """Map a transport exception; AppErrors pass through unchanged."""
    if isinstance(exc, AppError):
        return exc
    where = f" ({resource})" if resource else ""
    name = type(exc).__name__
    if isinstance(exc, httpx.TimeoutException):
        code = "NETWORK_TIMEOUT"
    elif isinstance(exc, httpx.ConnectError):
        code = "CONNECTION_REFUSED" if _refused(exc) else "CONNECTION_FAILED"
    elif isinstance(exc, httpx.ReadError | httpx.WriteError | httpx.RemoteProtocolError
                    | httpx.CloseError):
        code = "CONNECTION_RESET"
    elif isinstance(exc, httpx.TransportError | ConnectionError):
        code = "CONNECTION_FAILED"
    elif isinstance(exc, httpx.HTTPError):
        code = "SERVER_PROTOCOL_ERROR"
    else:
        from desktop_app.errors import unexpected
        return unexpected(exc)
    # httpx messages name the failing operation, never request headers.
    return AppError(code, f"{name}: {exc}{where}")


def _refused(exc: BaseException) -> bool:
    """Was the connection refused (httpx wraps httpcore's error, which wraps the OS's)?"""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ConnectionRefusedError):
            return True
        current = current.__cause__ or current.__context__
    return "refused" in str(exc).lower()


def check(resp: httpx.Response, *, resource: str = "") -> httpx.Response:
    """Return a 2xx response, raise its catalogue error otherwise."""
    if not 200 <= resp.status_code < 300:
        raise error_from_response(resp, resource=resource)
    return resp
