"""Scripted faults for client tests; the endpoints exist only with --fault-injection.

``POST /api/v1/admin/faults`` (admin token) with
``{"method": "PATCH", "path_glob": "/api/v1/uploads/*", "status": 503, "count": 2,
"error_code": null, "retry_after": 1, "drop_after_bytes": null}`` makes the next
``count`` matching requests fail: with ``status`` (503 SERVICE_UNAVAILABLE, 500
TEMPORARY_FAILURE, 429 RATE_LIMITED, or any catalogue code given as
``error_code``), or, with ``drop_after_bytes`` K, by letting the handler read K
body bytes and then aborting the TCP connection (a reset, no response).
``DELETE /api/v1/admin/faults`` clears them; ``GET`` lists them.
"""

from __future__ import annotations

import fnmatch
import itertools
import threading
from dataclasses import asdict, dataclass
from typing import Any

from desktop_app.errors import CATALOGUE
from desktop_app.server.errors import ApiError

DEFAULT_CODES = {503: "SERVICE_UNAVAILABLE", 500: "TEMPORARY_FAILURE", 429: "RATE_LIMITED"}
ADMIN_PREFIX = "/api/v1/admin/"
_ids = itertools.count(1)


@dataclass
class FaultRule:
    fault_id: int
    method: str
    path_glob: str
    status: int
    error_code: str
    retry_after: float | None
    remaining: int
    drop_after_bytes: int | None

    def matches(self, method: str, path: str) -> bool:
        return self.method in ("*", method) and fnmatch.fnmatchcase(path, self.path_glob)

    def to_error(self) -> ApiError:
        return ApiError(self.error_code, f"Injected fault {self.fault_id}: {CATALOGUE[self.error_code].message}",
                        status=self.status, retry_after=self.retry_after)


def parse_rule(body: Any) -> FaultRule:
    if not isinstance(body, dict):
        raise ApiError("INVALID_REQUEST", "The fault must be a JSON object.")
    method = str(body.get("method") or "*").upper()
    path_glob = body.get("path_glob")
    if not isinstance(path_glob, str) or not path_glob.startswith("/"):
        raise ApiError("MISSING_FIELD", "path_glob (for example /api/v1/uploads/*) is required.",
                       field="path_glob")
    try:
        status = int(body.get("status", 503))
        count = int(body.get("count", 1))
        drop = body.get("drop_after_bytes")
        drop = None if drop is None else int(drop)
        retry_after = body.get("retry_after")
        retry_after = None if retry_after is None else float(retry_after)
    except (TypeError, ValueError):
        raise ApiError("INVALID_REQUEST", "status, count, retry_after and drop_after_bytes must be numbers.") from None
    code = body.get("error_code") or DEFAULT_CODES.get(status)
    if code not in CATALOGUE or count < 1 or not 400 <= status < 600 or (drop is not None and drop < 0):
        raise ApiError("INVALID_REQUEST", "Give status 4xx/5xx, count >= 1, drop_after_bytes >= 0, and an "
                       "error_code from the catalogue for statuses other than 429/500/503.")
    if retry_after is None and status in (429, 503):
        retry_after = 1.0
    return FaultRule(next(_ids), method, path_glob, status, code, retry_after, count, drop)


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []

    def add(self, rule: FaultRule) -> None:
        with self._lock:
            self._rules.append(rule)

    def clear(self) -> int:
        with self._lock:
            n, self._rules = len(self._rules), []
        return n

    def list(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(r) for r in self._rules]

    def take(self, method: str, path: str) -> FaultRule | None:
        """Consume one use of the first rule matching this request."""
        if path.startswith(ADMIN_PREFIX):
            return None
        with self._lock:
            for rule in self._rules:
                if rule.matches(method, path):
                    rule.remaining -= 1
                    if rule.remaining <= 0:
                        self._rules.remove(rule)
                    return rule
        return None
