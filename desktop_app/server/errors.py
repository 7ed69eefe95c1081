"""The contract's error shape for every non-2xx answer, built from the app's catalogue.

Handlers raise ``ApiError(code, detail)``; the middleware turns it into
``{"error", "error_code", "request_id", ...}`` with the catalogue's status. The
``error`` text is the specific detail when one is given (it names the cause),
otherwise the catalogue's friendly message. It never carries a trace or a path.
"""

from __future__ import annotations

import json
from typing import Any

from desktop_app.errors import CATALOGUE, spec


class ApiError(Exception):
    def __init__(
        self,
        code: str,
        detail: str | None = None,
        *,
        status: int | None = None,
        field: str | None = None,
        retry_after: float | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        assert code in CATALOGUE, code  # every server code is in the catalogue
        self.code = code
        self.detail = detail or spec(code).message
        self.status = status or spec(code).status
        self.field = field
        self.retry_after = retry_after
        self.headers = dict(headers or {})
        super().__init__(f"{code}: {self.detail}")

    def body(self, request_id: str | None) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.detail, "error_code": self.code}
        if self.field:
            body["field"] = self.field
        if self.retry_after is not None:
            body["retry_after"] = self.retry_after
        if request_id:
            body["request_id"] = request_id
        return body

    def all_headers(self) -> dict[str, str]:
        headers = dict(self.headers)
        if self.retry_after is not None:
            headers["Retry-After"] = str(max(0, round(self.retry_after)) or 1)
        return headers


def encode_json(data: Any) -> bytes:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def error_bytes(err: ApiError, request_id: str | None) -> bytes:
    return encode_json(err.body(request_id))
