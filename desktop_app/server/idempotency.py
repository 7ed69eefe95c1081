"""``Idempotency-Key``: the first 2xx response per (user, key) is kept 24 h and replayed.

A key is claimed (row ``pending``) before the work starts, so a concurrent
repeat gets 409 REQUEST_IN_PROGRESS. The request's fingerprint (canonical JSON
of the body, or for an upload the file's sha256 plus its form fields) is
compared when it is known: the same key with a different fingerprint is 422
INVALID_REQUEST. Failures are not stored: the claim is released, so a retry
after a 5xx runs again. Replays carry ``Idempotent-Replayed: true``.

Every endpoint that takes a key uses the one guard:

    with ctx.idempotency.guard(user_id, request.headers.get("idempotency-key"), route) as guard:
        if (replay := guard.replay(fingerprint(...))) is not None:
            return replay
        ...
        return guard.keep(response)   # anything else (an error, no keep) releases the claim
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from starlette.responses import Response

from desktop_app.server.config import IDEMPOTENCY_TTL_S
from desktop_app.server.errors import ApiError
from desktop_app.server.store import Store

_KEEP_HEADERS = ("content-type", "location", "upload-offset", "upload-expires", "tus-resumable")


def fingerprint(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


@dataclass
class Claim:
    user_id: str
    key: str
    existing: dict[str, Any] | None  # a finished record for this key, to replay or refuse
    route: str


class Guard:
    """One request's claim on its key: replay a stored answer, or keep the new one."""

    def __init__(self, owner: Idempotency, claim: Claim | None) -> None:
        self._owner = owner
        self._claim = claim
        self._fp: str | None = None
        self.kept = False

    def replay(self, fp: str) -> Response | None:
        """The stored response to replay, None to go ahead, or a 422 for a different body."""
        self._fp = fp
        return self._owner.resolve(self._claim, fp)

    def keep(self, response: Response) -> Response:
        assert self._fp is not None, "replay(fingerprint) comes first"
        self._owner.complete(self._claim, self._fp, response)
        self.kept = True
        return response


class Idempotency:
    def __init__(self, store: Store) -> None:
        self.store = store
        # claims left pending by a previous run can never complete
        store.run("DELETE FROM idempotency WHERE state='pending'")

    @contextmanager
    def guard(self, user_id: str, key: str | None, route: str) -> Iterator[Guard]:
        """Claim ``key`` for this request (409 while another holds it); released unless kept."""
        claim = self.claim(user_id, key, route)
        guard = Guard(self, claim)
        try:
            yield guard
        finally:
            if not guard.kept:
                self.release(claim)

    def claim(self, user_id: str, key: str | None, route: str) -> Claim | None:
        if key is None:
            return None
        key = key.strip()
        if not key or len(key) > 255:
            raise ApiError("INVALID_REQUEST", "Idempotency-Key must be 1 to 255 characters.")
        now = time.time()
        with self.store.tx() as db:
            db.execute("DELETE FROM idempotency WHERE created_at < ?", (now - IDEMPOTENCY_TTL_S,))
            row = db.execute("SELECT * FROM idempotency WHERE user_id=? AND key=?", (user_id, key)).fetchone()
            if row is None:
                db.execute("INSERT INTO idempotency (user_id, key, fingerprint, state, created_at) "
                           "VALUES (?, ?, ?, 'pending', ?)", (user_id, key, route, now))
                return Claim(user_id, key, None, route)
        if row["state"] == "pending":
            raise ApiError("REQUEST_IN_PROGRESS", "A request with this Idempotency-Key is still being "
                           "handled; ask again when it has finished.", retry_after=1)
        return Claim(user_id, key, row, route)

    def resolve(self, claim: Claim | None, fp: str) -> Response | None:
        """The stored response to replay, None to go ahead, or a 422 for a different body."""
        if claim is None or claim.existing is None:
            return None
        row = claim.existing
        if row["fingerprint"] != fingerprint(claim.route, fp):
            raise ApiError("INVALID_REQUEST", "This Idempotency-Key was already used for a different "
                           "request; use a new key for new content.", status=422)
        headers = json.loads(row["headers"] or "{}")
        headers["Idempotent-Replayed"] = "true"
        return Response(row["body"], status_code=row["status"], headers=headers)

    def complete(self, claim: Claim | None, fp: str, response: Response) -> None:
        if claim is None or claim.existing is not None:
            return
        headers = {k: v for k, v in response.headers.items() if k in _KEEP_HEADERS}
        self.store.run("UPDATE idempotency SET state='done', fingerprint=?, status=?, headers=?, body=? "
                       "WHERE user_id=? AND key=?", fingerprint(claim.route, fp), response.status_code,
                       json.dumps(headers), bytes(response.body), claim.user_id, claim.key)

    def release(self, claim: Claim | None) -> None:
        if claim is not None and claim.existing is None:
            self.store.run("DELETE FROM idempotency WHERE user_id=? AND key=? AND state='pending'",
                           claim.user_id, claim.key)
