"""Everything a handler needs, built once per server and passed in (no globals)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from starlette.requests import Request

from desktop_app.server.auth import Auth, Caller
from desktop_app.server.config import ServerConfig
from desktop_app.server.errors import ApiError
from desktop_app.server.faults import Faults
from desktop_app.server.idempotency import Idempotency
from desktop_app.server.metrics import Metrics
from desktop_app.server.processing import Processor
from desktop_app.server.store import Store


@dataclass
class UploadState:
    """In-memory companion of a tus upload row: a lock and the running sha256."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    hasher: object | None = None
    hashed_to: int = 0
    holder: Callable[[], None] | None = None  # aborts the connection of the PATCH holding the lock


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
    uploads: dict[str, UploadState] = field(default_factory=dict)

    def caller(self, request: Request) -> Caller:
        return self.auth.caller(request.headers.get("authorization"))

    def upload_state(self, upload_id: str) -> UploadState:
        state = self.uploads.get(upload_id)
        if state is None:
            state = self.uploads[upload_id] = UploadState()
        return state
