"""The outermost layer: request ids, the Host check, the error shape, metrics, faults.

Every response gets ``X-Request-ID``; a request for a Host the server does not answer
to is refused 400 (``hosts.py``). Every failure becomes the contract's JSON
body: ``ApiError`` from handlers, Starlette's 404/405 from routing, a full disk
wherever it shows (a write, the database: 507 SERVER_STORAGE_FULL with Retry-After),
and any unexpected exception (500 INTERNAL_ERROR; the trace goes to the server log
under the request id, never into the body). If a response had already started when
something broke, the connection is aborted instead, so a client never mistakes a
truncated answer for a whole one.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect
from starlette.routing import Match, Router
from starlette.types import Message, Receive, Scope, Send

from desktop_app import diskspace
from desktop_app.server.config import TUS_PATH
from desktop_app.server.errors import ApiError, error_bytes
from desktop_app.server.faults import FaultRule, Faults
from desktop_app.server.hosts import TrustedUrls
from desktop_app.server.metrics import Metrics
from desktop_app.server.protocol import TRANSPORT_KEY, abort_transport

log = logging.getLogger("desktop_app.server")
STORAGE_FULL_RETRY_S = 30  # a full disk is not freed in a second: ask clients to wait a while
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_NOT_POLICY = ("/api/v1/auth/", "/api/v1/config", "/api/v1/health", "/api/v1/metrics", "/api/v1/admin/")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None


def _attempt(scope: Scope) -> int:
    try:
        return max(0, min(int(_header(scope, b"x-retry-attempt") or 0), 1000))
    except ValueError:
        return 0


class ApiMiddleware:
    def __init__(self, router: Router, metrics: Metrics, faults: Faults | None, urls: TrustedUrls) -> None:
        self.router = router
        self.metrics = metrics
        self.faults = faults
        self.urls = urls

    def _route(self, scope: Scope) -> str:
        for route in self.router.routes:
            match, _ = route.matches(scope)
            if match is not Match.NONE:
                return getattr(route, "path", "?")
        return "unmatched"

    def _allowed(self, scope: Scope) -> str:
        methods: list[str] = []
        for route in self.router.routes:
            if route.matches(scope)[0] is not Match.NONE:
                methods += [m for m in sorted(getattr(route, "methods", None) or ()) if m not in methods]
        return ", ".join(methods)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.router(scope, receive, send)
            return
        scope["app"] = self  # makes Starlette raise HTTPException for 404/405 instead of plain text
        incoming = _header(scope, b"x-request-id")
        request_id = incoming if incoming and _SAFE_ID.match(incoming) else uuid.uuid4().hex
        scope["request_id"] = request_id
        transport = scope.get("extensions", {}).get(TRANSPORT_KEY) or getattr(
            getattr(receive, "__self__", None), "transport", None)
        path, method = scope["path"], scope["method"]
        tus = path.startswith(TUS_PATH) and method != "OPTIONS"
        outcome: dict[str, Any] = {"status": 499, "code": None, "started": False}
        drop: FaultRule | None = None

        async def send_wrapper(message: Message) -> None:
            if drop is not None:  # the connection is being dropped: no response at all
                _abort(transport)
                return
            if message["type"] == "http.response.start":
                outcome["started"] = True
                outcome["status"] = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                if tus:
                    headers.append((b"tus-resumable", b"1.0.0"))
                message = {**message, "headers": headers}
            await send(message)

        async def send_error(err: ApiError) -> None:
            outcome["code"] = err.code
            if outcome["started"]:
                _abort(transport)
                return
            body = error_bytes(err, request_id)
            headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
            headers += [(k.lower().encode(), v.encode()) for k, v in err.all_headers().items()]
            await send_wrapper({"type": "http.response.start", "status": err.status, "headers": headers})
            await send_wrapper({"type": "http.response.body", "body": body})

        rule = None
        app_receive = receive
        try:
            self.urls.check_host(_header(scope, b"host"))  # before anything else: not for us otherwise
            rule = self.faults.take(method, path) if self.faults else None
            if rule is not None:
                self.metrics.count_fault()
                if rule.drop_after_bytes is None:
                    raise rule.to_error()
                drop = rule
                app_receive = _dropping_receive(receive, rule.drop_after_bytes, lambda: _abort(transport))
                if rule.drop_after_bytes == 0:
                    _abort(transport)
            await self.router(scope, app_receive, send_wrapper)
            if drop is not None:
                _abort(transport)
        except ApiError as err:
            await send_error(err)
        except HTTPException as exc:
            if exc.status_code == 405:
                allow = self._allowed(scope)
                await send_error(ApiError("METHOD_NOT_ALLOWED", f"{method} is not allowed on {path}; "
                                          f"allowed: {allow or 'none'}.", headers={"Allow": allow}))
            else:
                await send_error(ApiError("NOT_FOUND", f"There is no API endpoint at {path}."))
        except ClientDisconnect:
            outcome["status"] = 499  # the client went away; nobody to answer
        except Exception as exc:
            if diskspace.is_full(exc):
                log.warning("request %s %s: the disk is full (request_id=%s)", method, path,
                            request_id)
                await send_error(ApiError("SERVER_STORAGE_FULL", "The server is out of storage "
                                          "space; try again later.",
                                          retry_after=STORAGE_FULL_RETRY_S))
                return
            log.exception("request %s %s failed (request_id=%s)", method, path, request_id)
            await send_error(ApiError("INTERNAL_ERROR", "The server ran into an unexpected problem. "
                                      f"Quote request id {request_id} to support."))
        finally:
            self.metrics.observe(method, self._route(scope), outcome["status"] if drop is None else 499,
                                 outcome["code"], _attempt(scope),
                                 counts_for_policy=path.startswith("/api/v1/") and not path.startswith(_NOT_POLICY))


_abort = abort_transport


def _dropping_receive(receive: Receive, limit: int, abort: Callable[[], None]) -> Receive:
    seen = 0

    async def wrapped() -> Message:
        nonlocal seen
        if seen >= limit:
            abort()
            return {"type": "http.disconnect"}
        message = await receive()
        if message["type"] == "http.request":
            body = message.get("body", b"")
            if seen + len(body) >= limit:
                message = {"type": "http.request", "body": body[: limit - seen], "more_body": True}
            seen += len(message["body"])
        return message

    return wrapped
