"""The reference backend as an ASGI app: routes wired to handlers, wrapped in ApiMiddleware."""

from __future__ import annotations

import asyncio
import hmac
import logging
import secrets
import shutil
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route, Router

from desktop_app.server.auth import Auth
from desktop_app.server.bodies import read_json
from desktop_app.server.config import API_PREFIX, TUS_PATH, ServerConfig
from desktop_app.server.context import AppContext, InflightGate
from desktop_app.server.errors import ApiError
from desktop_app.server.faults import Faults, parse_rule
from desktop_app.server.filestore import FileUploadStore
from desktop_app.server.hosts import TrustedUrls
from desktop_app.server.idempotency import Idempotency
from desktop_app.server.locks import UploadLocks
from desktop_app.server.metrics import Metrics
from desktop_app.server.middleware import ApiMiddleware
from desktop_app.server.processing import Processor
from desktop_app.server.signin_limits import SignInLimiter
from desktop_app.server.store import Store
from desktop_app.server.tus import TusHandlers
from desktop_app.server.videos import VideoHandlers

log = logging.getLogger("desktop_app.server")


@dataclass
class BuiltApp:
    app: ApiMiddleware
    ctx: AppContext

    def close(self) -> None:
        self.ctx.processor.stop()
        self.ctx.store.close()


def _text(body: dict, key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value:
        raise ApiError("MISSING_FIELD", f"{key} is required.", field=key)
    return value


class CoreHandlers:
    """Auth, config, health, metrics and the fault-injection admin endpoints."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    async def token(self, request: Request) -> Response:
        body = await read_json(request.stream())
        username, password = _text(body, "username"), _text(body, "password")
        address = request.client.host if request.client else "unknown"
        async with self.ctx.sign_in_limits.attempt(username, address):
            # scrypt takes tens of milliseconds: not on the event loop, where uploads stream
            tokens = await asyncio.to_thread(self.ctx.auth.sign_in, username, password)
        return JSONResponse(tokens)

    async def refresh(self, request: Request) -> Response:
        body = await read_json(request.stream())
        return JSONResponse(self.ctx.auth.refresh(_text(body, "refresh_token")))

    async def config(self, request: Request) -> Response:
        policy, basis = self.ctx.metrics.policy()
        cfg = self.ctx.config
        return JSONResponse({
            "max_upload_bytes": cfg.max_upload_bytes,
            "allowed_extensions": list(cfg.allowed_extensions),
            "tus_endpoint": TUS_PATH,
            "chunk_size": cfg.chunk_size,
            "retry_policy": policy.to_dict(),
            "retry_policy_basis": basis,
        })

    async def health(self, request: Request) -> Response:
        try:
            self.ctx.store.one("SELECT 1 AS ok")
            free = shutil.disk_usage(self.ctx.config.data_dir).free
        except Exception:
            log.exception("health check failed")
            raise ApiError("SERVICE_UNAVAILABLE", "The server's storage is not available.", retry_after=5) from None
        if free < 64 * 1024 * 1024:
            raise ApiError("SERVICE_UNAVAILABLE", "The server is out of disk space.", retry_after=60)
        return JSONResponse({"status": "ok", "uploads_in_flight": self.ctx.gate.count})

    async def metrics(self, request: Request) -> Response:
        expected = self.ctx.config.metrics_token
        if expected is not None:  # serve --metrics-token-file: a scraper's own bearer token
            scheme, _, token = request.headers.get("authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise ApiError("AUTH_REQUIRED", "This server's /metrics needs its scrape token "
                               "('Authorization: Bearer <token>').")
            if not hmac.compare_digest(token.strip().encode(), expected.encode()):
                raise ApiError("TOKEN_INVALID", "That is not this server's metrics token.")
        return PlainTextResponse(self.ctx.metrics.render(), media_type="text/plain; version=0.0.4")

    def _admin(self, request: Request) -> Faults:
        caller = self.ctx.caller(request)
        if not caller.is_admin:
            raise ApiError("FORBIDDEN", "Only an administrator may script faults.")
        assert self.ctx.faults is not None
        return self.ctx.faults

    async def add_fault(self, request: Request) -> Response:
        faults = self._admin(request)
        rule = parse_rule(await read_json(request.stream()))
        faults.add(rule)
        return JSONResponse({"fault_id": rule.fault_id}, status_code=201)

    async def list_faults(self, request: Request) -> Response:
        return JSONResponse({"faults": self._admin(request).list()})

    async def clear_faults(self, request: Request) -> Response:
        return JSONResponse({"cleared": self._admin(request).clear()})


def sweep(config: ServerConfig, uploads: FileUploadStore) -> None:
    """Free disk left behind: half-received multipart files from a crash, expired tus uploads."""
    for leftover in config.tmp_dir.glob("*.part"):
        leftover.unlink(missing_ok=True)
    uploads.sweep()


def build_app(config: ServerConfig, bound_url: str) -> BuiltApp:
    """The app for a server listening at ``bound_url`` (public at ``config.public_url``, if set)."""
    config.ensure_dirs()
    store = Store(config.db_path)
    uploads = FileUploadStore(store, config.uploads_dir, config.upload_expiry_s)
    sweep(config, uploads)
    auth = Auth(store, config.token_ttl_s)
    for user in config.users:
        auth.add_user(user.name, user.password, user.is_admin)
    metrics = Metrics()
    ctx = AppContext(config=config, store=store, auth=auth, metrics=metrics,
                     faults=Faults() if config.fault_injection else None,
                     idempotency=Idempotency(store), processor=Processor(store),
                     gate=InflightGate(config.max_inflight, metrics), uploads=uploads,
                     locks=UploadLocks(), sign_in_limits=SignInLimiter(config.sign_in_limits),
                     urls=TrustedUrls(config.public_url or bound_url, bound_url))
    ctx.processor.resume()
    core, tus, videos = CoreHandlers(ctx), TusHandlers(ctx), VideoHandlers(ctx)
    p = API_PREFIX
    routes = [
        Route(p + "/auth/token", core.token, methods=["POST"]),
        Route(p + "/auth/refresh", core.refresh, methods=["POST"]),
        Route(p + "/config", core.config, methods=["GET"]),
        Route(p + "/health", core.health, methods=["GET"]),
        Route(p + "/metrics", core.metrics, methods=["GET"]),
        Route("/metrics", core.metrics, methods=["GET"]),
        Route(p + "/sessions", videos.create_session, methods=["POST"]),
        Route(p + "/sessions/{session_id}", videos.get_session, methods=["GET"]),
        Route(p + "/sessions/{session_id}/videos", videos.add_video, methods=["POST"]),
        Route(p + "/videos", videos.find_videos, methods=["GET"]),
        Route(p + "/videos/{video_id}", videos.get_video, methods=["GET"]),
        Route(p + "/videos/{video_id}", videos.delete_video, methods=["DELETE"]),
        Route(TUS_PATH, tus.create, methods=["POST"]),
        Route(TUS_PATH, tus.options, methods=["OPTIONS"]),
        Route(TUS_PATH + "/{upload_id}", tus.head, methods=["HEAD"]),
        Route(TUS_PATH + "/{upload_id}", tus.patch, methods=["PATCH"]),
        Route(TUS_PATH + "/{upload_id}", tus.delete, methods=["DELETE"]),
        Route(TUS_PATH + "/{upload_id}", tus.options, methods=["OPTIONS"]),
    ]
    if config.fault_injection:
        routes += [
            Route(p + "/admin/faults", core.add_fault, methods=["POST"]),
            Route(p + "/admin/faults", core.list_faults, methods=["GET"]),
            Route(p + "/admin/faults", core.clear_faults, methods=["DELETE"]),
        ]
    router = Router(routes)
    return BuiltApp(ApiMiddleware(router, metrics, ctx.faults, ctx.urls), ctx)


def random_password() -> str:
    return secrets.token_urlsafe(18)
