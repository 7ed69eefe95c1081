"""Everything a handler needs, built once per server and passed in (no globals)."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from desktop_app.server.auth import Auth, Caller
from desktop_app.server.config import ServerConfig
from desktop_app.server.errors import ApiError
from desktop_app.server.faults import Faults
from desktop_app.server.hosts import TrustedUrls
from desktop_app.server.idempotency import Idempotency
from desktop_app.server.locks import UploadLocks
from desktop_app.server.metrics import Metrics
from desktop_app.server.processing import Processor
from desktop_app.server.signin_limits import SignInLimiter
from desktop_app.server.store import Store
from desktop_app.server.uploadstore import UploadStore


class InflightGate:
    """Counts uploads being received; past the limit new ones get 503 + Retry-After."""

    def __init__(self, limit: int, metrics: Metrics) -> None:
        self.limit = limit
        self.count = 0
        self.metrics = metrics

    def __enter__(self) -> InflightGate:
        if self.count >= self.limit:
            raise ApiError("SERVICE_UNAVAILABLE", f"The server is receiving {self.count} uploads already "
                           "(its limit); try again shortly.", retry_after=2)
        self.count += 1
        self.metrics.add_inflight(1)
        return self

    def __exit__(self, *exc: object) -> None:
        self.count -= 1
        self.metrics.add_inflight(-1)


@dataclass
class AppContext:
    config: ServerConfig
    store: Store
    auth: Auth
    metrics: Metrics
    faults: Faults | None
    idempotency: Idempotency
    processor: Processor
    gate: InflightGate
    uploads: UploadStore
    locks: UploadLocks
    sign_in_limits: SignInLimiter
    urls: TrustedUrls

    def caller(self, request: Request) -> Caller:
        return self.auth.caller(request.headers.get("authorization"))
