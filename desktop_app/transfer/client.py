"""The backend client: everything the job manager sends to the server goes through here.

    client = BackendClient(server_url, auth=AuthSession(TokenStore(server_url)),
                           policy=RetryPolicy(max_attempts=settings.retry_attempts),
                           breakers=BreakerRegistry(on_event), budget=RetryBudget())
    client.sign_in("alice", password)           # tokens go to the keyring
    sess = client.create_session(user_id, title="Take 3", idempotency_key=key1)
    video = client.upload_video(sess.session_id, path, user_id=user_id, idempotency_key=key2,
                                upload_url=job.upload_url, on_upload_url=persist,
                                progress=cb, cancel=token, on_attempt=cb2)
    client.get_video(video.video_id)

Every call: ``X-Retry-Attempt`` sent, retried per ``retry.py`` (transient codes only),
guarded by the breaker of its endpoint, bearer token added and refreshed once on 401
(then ``TOKEN_EXPIRED``). Any non-2xx becomes the catalogue's ``AppError`` with the
request id kept.

Timeouts, per phase (``DEFAULT_TIMEOUTS``):
- connect 10 s: TCP (and TLS) set-up; a dead host fails fast and is retried.
- write 30 s: one socket write of a body piece (<= 256 KiB); only a stalled network
  trips it, never a slow one.
- read 120 s: waiting for a response once the body is sent, which includes the server's
  own work (checksumming and storing a chunk, finishing an upload).
- pool 30 s: waiting for a free connection in the client's pool.
Sockets wait in 0.25 s slices and check the job's cancel token between them
(``transport.py``), so Pause/Cancel acts within a second even on a stalled network.
Besides, every request has an overall deadline (connect + read + its body at a quarter of
the measured upload rate) and its answer is read up to a cap (64 KiB for an error):
``bounded.py``.

Uploads: files of at least one chunk (8 MiB, or the server's ``chunk_size`` hint) go
through tus, resumable; smaller ones in one multipart request. Either way the server's
``sha256`` is compared with the local file's; a difference raises CHECKSUM_MISMATCH
(the job manager decides whether to upload again).
"""

from __future__ import annotations

import json
import logging
import math
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any, TypeAlias, TypeVar
from urllib.parse import quote, urljoin, urlsplit

import httpx

from desktop_app.errors import SIGN_IN_CODES, UPLOAD_GONE_CODES, AppError
from desktop_app.files import FileIdentity
from desktop_app.transfer import bounded, httperr
from desktop_app.transfer.auth import AuthSession, Tokens
from desktop_app.transfer.body import WholeFileHash
from desktop_app.transfer.breaker import BreakerEvent, BreakerRegistry, BreakerState
from desktop_app.transfer.budget import RetryBudget
from desktop_app.transfer.cancel import CancelToken, scope
from desktop_app.transfer.limiter import BandwidthLimiter
from desktop_app.transfer.models import RemoteSession, ServerConfig, Video
from desktop_app.transfer.multipart import multipart_kwargs
from desktop_app.transfer.retry import AttemptInfo, RetryPolicy, call_with_retry
from desktop_app.transfer.transport import make_http_client
from desktop_app.transfer.tus import DEFAULT_CHUNK, TusUploader
from desktop_app.transfer.tusproto import TUS_VERSION

log = logging.getLogger("desktop_app.transfer")

DEFAULT_TIMEOUTS = httpx.Timeout(connect=10.0, write=30.0, read=120.0, pool=30.0)
API_PREFIX = "/api/v1"
CONFIG_RETRY_S = 30.0  # config_if_reachable: a failed attempt is not repeated sooner

Progress = Callable[[int, int], None]
OnAttempt = Callable[[AttemptInfo], None]
T = TypeVar("T")
Later: TypeAlias = T | Callable[[], T]  # a value, or a function giving it when it is needed


def api_url(server_url: str) -> str:
    base = server_url.rstrip("/")
    return base if base.endswith(API_PREFIX) else base + API_PREFIX


class BackendClient:
    def __init__(self, base_url: str, *, auth: AuthSession | None = None,
                 policy: RetryPolicy | None = None, breakers: BreakerRegistry | None = None,
                 budget: RetryBudget | None = None, timeouts: httpx.Timeout | None = None,
                 on_event: Callable[[BreakerEvent], None] | None = None,
                 chunk_size: int | None = None, limiter: BandwidthLimiter | None = None,
                 config_ttl_s: float = 300.0, http: httpx.Client | None = None) -> None:
        self.api_url = api_url(base_url)
        self.server_url = self.api_url[: -len(API_PREFIX)]
        self.auth = auth or AuthSession()
        self.base_policy = (policy or RetryPolicy()).clamped()
        self.policy = self.base_policy
        self.breakers = breakers if breakers is not None else BreakerRegistry()
        if on_event is not None:
            self.breakers.on_event = on_event
        self.budget = budget if budget is not None else RetryBudget()
        self.timeouts = timeouts or DEFAULT_TIMEOUTS
        self.chunk_size = chunk_size
        self.limiter = limiter
        self.config_ttl_s = config_ttl_s
        self._own_http = http is None
        self.http = http or make_http_client(self.timeouts)
        self.deadlines = bounded.RequestDeadlines(
            self.timeouts, limit_rate=limiter.rate if limiter is not None else None)
        # told the server's new offset whenever it confirms more bytes of an upload
        self.on_stored: Callable[[int], None] | None = None
        self._config: ServerConfig | None = None
        self._config_at = 0.0
        self._config_failed_at = -CONFIG_RETRY_S
        self._config_lock = threading.Lock()
        self._no_sha256_lookup = False  # the server answered 404/405 to GET /videos?sha256=

    def close(self) -> None:
        if self._own_http:
            self.http.close()

    def __enter__(self) -> BackendClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- auth --
    def sign_in(self, username: str, password: str) -> Tokens:
        try:
            resp = self._call("POST", "/auth/token", json_body={"username": username,
                                                                 "password": password}, auth=False)
        except AppError as err:
            if err.code == "TOO_MANY_SIGN_IN_ATTEMPTS" and err.retry_after is not None:
                # never retried (the catalogue says so); the user is told how long to wait
                raise AppError(err.code, err.detail, request_id=err.request_id, http_status=err.http_status,
                               retry_after=err.retry_after, message="Too many sign-in attempts, try again "
                               f"in {math.ceil(err.retry_after)} s.") from None
            raise
        tokens = Tokens.from_response(username, _json(resp))
        self.auth.set(tokens)
        log.info("signed in to %s as %s", self.server_url, username)
        return tokens

    def refresh(self, stale_access_token: str | None = None) -> Tokens:
        """Get a new access token with the refresh token; TOKEN_EXPIRED when that fails.
        Concurrent callers with the same stale token refresh once."""
        with self.auth.lock:
            current = self.auth.tokens
            if current is None or not current.refresh_token:
                raise AppError("TOKEN_EXPIRED", "No refresh token; sign in again.")
            if stale_access_token is not None and current.access_token != stale_access_token:
                return current  # another thread already refreshed
            try:
                resp = self._call("POST", "/auth/refresh",
                                  json_body={"refresh_token": current.refresh_token}, auth=False)
            except AppError as err:
                if err.status == 401:
                    raise AppError("TOKEN_EXPIRED", "The sign-in could not be renewed.",
                                   request_id=err.request_id, http_status=401) from None
                raise
            tokens = Tokens.from_response(current.username, _json(resp))
            self.auth.set(tokens)
            log.info("access token refreshed for %s", current.username)
            return tokens

    # -- plain endpoints --
    def config(self, *, force: bool = False, cancel: CancelToken | None = None) -> ServerConfig:
        """``GET /config``, cached ``config_ttl_s``; applies the server's retry_policy
        (within 3-5 attempts) and breaker cooldown."""
        with self._config_lock:
            if self._config is not None and self._config_fresh() and not force:
                return self._config
            return self._use_config(_json(self._call("GET", "/config", auth=False,
                                                     cancel=cancel)))

    def config_if_reachable(self, cancel: CancelToken | None = None) -> ServerConfig | None:
        """``GET /config`` without waiting on a server in trouble: the cached answer, else
        one attempt (no retries; none while a breaker is open or within
        ``CONFIG_RETRY_S`` of a failed one). None when the server cannot say now."""
        with self._config_lock:
            if self._config is not None and self._config_fresh():
                return self._config
            recent_failure = time.monotonic() - self._config_failed_at < CONFIG_RETRY_S
            if recent_failure or any(b.state is not BreakerState.CLOSED
                                     for b in self.breakers.all()):
                return None
            try:
                with scope(cancel or CancelToken()):
                    resp = self._send_authed("GET", self.api_url + "/config",
                                             headers={"X-Retry-Attempt": "0"}, auth=False)
                return self._use_config(_json(resp))
            except AppError as err:
                if err.code == "CANCELLED":
                    raise
                self._config_failed_at = time.monotonic()
                return None

    def _config_fresh(self) -> bool:
        return time.monotonic() - self._config_at < self.config_ttl_s

    def _use_config(self, data: dict) -> ServerConfig:
        cfg = ServerConfig.from_dict(data)
        self.policy = self.base_policy.from_server(cfg.retry_policy)
        cooldown = cfg.retry_policy.get("breaker_cooldown_s")
        if isinstance(cooldown, int | float) and not isinstance(cooldown, bool):
            self.breakers.set_cooldown(float(cooldown))
        self._config, self._config_at = cfg, time.monotonic()
        return cfg

    def create_session(self, user_id: str, title: str | None = None,
                       recorded_at: str | None = None, *, idempotency_key: str | None = None,
                       cancel: CancelToken | None = None,
                       on_attempt: OnAttempt | None = None) -> RemoteSession:
        body = {"user_id": user_id, "title": title, "recorded_at": recorded_at}
        resp = self._call("POST", "/sessions", route="/sessions",
                          json_body={k: v for k, v in body.items() if v is not None},
                          idempotency_key=idempotency_key or str(uuid.uuid4()),
                          cancel=cancel, on_attempt=on_attempt)
        return RemoteSession.from_dict(_json(resp))

    def get_session(self, session_id: str) -> RemoteSession:
        return RemoteSession.from_dict(_json(self._call(
            "GET", f"/sessions/{session_id}", route="/sessions/{id}")))

    def get_video(self, video_id: str, *, cancel: CancelToken | None = None) -> Video:
        return Video.from_dict(_json(self._call("GET", f"/videos/{video_id}",
                                                route="/videos/{id}", cancel=cancel)))

    def find_videos_by_sha256(self, sha256: str, *, user_id: str | None = None,
                              cancel: CancelToken | None = None,
                              on_attempt: OnAttempt | None = None) -> list[Video] | None:
        """``GET /videos?sha256=`` (the duplicates extension): the user's videos with these
        bytes, newest first; None when this server does not offer the query (404/405: a
        backend without the extension), remembered for the client's life."""
        if self._no_sha256_lookup:
            return None
        params = f"?sha256={sha256}" + (f"&user_id={quote(user_id, safe='')}" if user_id else "")
        try:
            resp = self._call("GET", "/videos" + params, route="/videos", cancel=cancel,
                              on_attempt=on_attempt)
        except AppError as err:
            if err.http_status in (404, 405) or err.code in ("NOT_FOUND", "METHOD_NOT_ALLOWED"):
                log.info("%s does not offer GET /videos?sha256= (%s): duplicates are not "
                         "checked", self.server_url, err.code)
                self._no_sha256_lookup = True
                return None
            raise
        items = _json(resp).get("videos")
        if not isinstance(items, list):
            raise AppError("SERVER_PROTOCOL_ERROR", "GET /videos?sha256= answered without a "
                           "'videos' list", request_id=resp.headers.get("x-request-id"))
        return [Video.from_dict(v) for v in items if isinstance(v, dict)]

    def find_video(self, video_id: str) -> Video | None:
        """The video, or None when the server says it has none (404): one request, no
        retries, no breaker (a quick check, e.g. before calling a re-added file stored)."""
        try:
            resp = self._send_authed("GET", f"{self.api_url}/videos/{video_id}",
                                     headers={"X-Retry-Attempt": "0"})
        except AppError as err:
            if err.code == "VIDEO_NOT_FOUND":
                return None
            raise
        return Video.from_dict(_json(resp))

    def delete_video(self, video_id: str) -> None:
        self._call("DELETE", f"/videos/{video_id}", route="/videos/{id}")

    def discard_upload(self, upload_url: str) -> bool:
        """tus termination: free a partial upload nobody will finish (its job was
        removed). One short attempt, no retries: the server drops it at expiry anyway.
        True when the server no longer has it."""
        try:
            self._send_authed("DELETE", upload_url, headers={"Tus-Resumable": TUS_VERSION},
                              timeout=httpx.Timeout(5.0))
        except AppError as err:
            if err.code in UPLOAD_GONE_CODES:
                return True
            log.info("could not discard partial upload (%s); the server expires it", err.code)
            return False
        return True

    # -- upload --
    def upload_video(self, session_id: str, path: str, *, user_id: str,
                     recorded_at: str | None = None, analysis: Later[dict | None] = None,
                     idempotency_key: str, upload_url: str | None = None,
                     on_upload_url: Callable[[str], None] | None = None,
                     progress: Progress | None = None, cancel: CancelToken | None = None,
                     on_attempt: OnAttempt | None = None,
                     local_sha256: Later[str | None] = None) -> Video:
        """Upload ``path`` into the session and return the server's video resource.

        ``upload_url`` resumes a tus upload persisted from ``on_upload_url``.
        ``progress(sent, total)``: bytes the server has plus those of the chunk in flight;
        after a failure it steps back to the offset the server reports.
        ``local_sha256``: the file's sha256 if the caller already computed it (the file's
        size and mtime are still checked); otherwise it is computed while sending.
        ``analysis`` and ``local_sha256`` may be functions instead: called once every byte
        is on the server, before the finish call, they may block (the job pipeline
        computes both beside the upload) and raise (no finish then). A function for
        ``analysis`` sends even a small file through tus, since the multipart request
        carries it in its first bytes. Raises
        AppError: file codes before sending, server codes, CANCELLED (extra reason
        "cancel"/"pause"), CIRCUIT_OPEN (extra next_probe_at), TOKEN_EXPIRED, and
        CHECKSUM_MISMATCH when the stored sha256 differs from the local file's.
        """
        cancel = cancel or CancelToken()
        ident = FileIdentity.of(path)
        cfg = self.config(cancel=cancel)
        cfg.check_accepts(path)  # before a byte is sent
        if cfg.max_upload_bytes and ident.size > cfg.max_upload_bytes:
            raise AppError("FILE_TOO_LARGE", f"{ident.size} bytes is over the server's limit "
                           f"of {cfg.max_upload_bytes}.", file=path, http_status=413)
        chunk = cfg.chunk_size or self.chunk_size or DEFAULT_CHUNK
        fields = {"user_id": user_id, "recorded_at": recorded_at, "analysis": analysis}
        if upload_url is None and ident.size < chunk and not callable(analysis):
            known = None if callable(local_sha256) else local_sha256  # a small file: hash it here
            video, local_sha = self._upload_multipart(session_id, ident, _ready(fields),
                                                      idempotency_key, progress, cancel,
                                                      on_attempt, known)
        else:
            video, local_sha = self._upload_tus(session_id, ident, fields, cfg, chunk,
                                                idempotency_key, upload_url, on_upload_url,
                                                progress, cancel, on_attempt, local_sha256)
        if video.sha256 and video.sha256.lower() != local_sha:
            raise AppError("CHECKSUM_MISMATCH", f"server stored sha256 {video.sha256}, the file "
                           f"has {local_sha}.", file=path,
                           extra={"video_id": video.video_id, "local_sha256": local_sha})
        video.local_sha256 = local_sha
        return video

    def _upload_multipart(self, session_id: str, ident: FileIdentity, fields: dict,
                          key: str, progress: Progress | None, cancel: CancelToken,
                          on_attempt: OnAttempt | None,
                          known_sha256: str | None) -> tuple[Video, str]:
        hasher = WholeFileHash(ident, known_sha256, cancel)
        try:
            resp = self._call(
                "POST", f"/sessions/{session_id}/videos", route="/sessions/{id}/videos",
                make_kwargs=lambda: multipart_kwargs(ident, fields, cancel=cancel,
                                                     limiter=self.limiter, progress=progress),
                idempotency_key=key, cancel=cancel, on_attempt=on_attempt)
            if self.on_stored is not None:
                self.on_stored(ident.size)
            return Video.from_dict(_json(resp)), hasher.finish()
        finally:
            hasher.close()

    def _upload_tus(self, session_id: str, ident: FileIdentity, fields: dict,
                    cfg: ServerConfig, chunk: int, key: str, upload_url: str | None,
                    on_upload_url: Callable[[str], None] | None, progress: Progress | None,
                    cancel: CancelToken, on_attempt: OnAttempt | None,
                    known_sha256: Later[str | None]) -> tuple[Video, str]:
        endpoint = urljoin(self.server_url + "/", cfg.tus_endpoint or API_PREFIX + "/uploads")
        uploader = TusUploader(self.http, endpoint, send=self._send_authed, policy=self.policy,
                               breakers=self.breakers, budget=self.budget, chunk_size=chunk,
                               limiter=self.limiter, timeout=self.timeouts,
                               on_attempt=on_attempt, on_stored=self.on_stored)
        meta = {"filename": ident.path.replace("\\", "/").rsplit("/", 1)[-1],
                "user_id": fields["user_id"], "session_id": session_id}
        result = uploader.upload(ident.path, metadata=meta, idempotency_key=key,
                                 upload_url=upload_url, on_upload_url=on_upload_url,
                                 progress=progress, cancel=cancel,
                                 known_sha256=known_sha256 if isinstance(known_sha256, str) else None,
                                 hash_file=not callable(known_sha256))
        upload_id = urlsplit(result.url).path.rstrip("/").rsplit("/", 1)[-1]
        body = {"upload_id": upload_id, **{k: v for k, v in _ready(fields).items() if v is not None}}
        sha = (known_sha256() if callable(known_sha256) else None) or result.sha256
        # A different key than the creation's: same key + different body would be a 422.
        finish_key = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{key}/finish/{upload_id}"))
        resp = self._call("POST", f"/sessions/{session_id}/videos", route="/sessions/{id}/videos",
                          json_body=body, idempotency_key=finish_key, cancel=cancel,
                          on_attempt=on_attempt)
        return Video.from_dict(_json(resp)), sha

    # -- plumbing --
    def _call(self, method: str, path: str, *, route: str | None = None,
              json_body: Any = None, make_kwargs: Callable[[], dict] | None = None,
              idempotency_key: str | None = None, auth: bool = True,
              cancel: CancelToken | None = None,
              on_attempt: OnAttempt | None = None) -> httpx.Response:
        url = self.api_url + path
        full_route = API_PREFIX + (route or path)
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        if json_body is not None:
            raw = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"

            def make_kwargs() -> dict:
                return {"content": raw}

        def once(n: int) -> httpx.Response:
            return self._send_authed(method, url, headers={**headers, "X-Retry-Attempt": str(n)},
                                     kwargs_factory=make_kwargs, auth=auth)

        return call_with_retry(once, policy=self.policy, resource=f"{method} {full_route}",
                               cancel=cancel, budget=self.budget,
                               breaker=self.breakers.get(url, full_route), on_attempt=on_attempt)

    def _send_authed(self, method: str, url: str, *, headers: dict[str, str],
                     body: Any = None, timeout: httpx.Timeout | None = None,
                     kwargs_factory: Callable[[], dict] | None = None,
                     auth: bool = True) -> httpx.Response:
        """One request (no retry), with the bearer token; on 401 refresh once and resend."""
        def kwargs() -> dict:
            if kwargs_factory is not None:
                return kwargs_factory()
            return {"content": body() if callable(body) else body}

        resource = f"{method} {urlsplit(url).path}"
        for refreshed in (False, True):
            token = self.auth.tokens.access_token if (auth and self.auth.tokens) else None
            extra = {"Authorization": f"Bearer {token}"} if token else {}
            try:
                resp = bounded.send(self.http, method, url, self.deadlines,
                                    headers={**headers, **extra},
                                    timeout=timeout or self.timeouts, **kwargs())
            except (httpx.HTTPError, OSError) as exc:
                raise httperr.error_from_exception(exc, resource=resource) from None
            if resp.status_code != 401 or not auth:
                return httperr.check(resp, resource=resource)
            err = httperr.error_from_response(resp, resource=resource)
            if err.code not in SIGN_IN_CODES:
                raise err
            if refreshed or token is None:
                raise AppError("TOKEN_EXPIRED", "The server refused the sign-in; sign in again.",
                               request_id=err.request_id, http_status=401)
            self.refresh(stale_access_token=token)
        raise AssertionError("unreachable")


def _ready(fields: dict) -> dict:
    """The form fields, a value still to come (a function) asked for now; the analysis
    as its JSON text."""
    out = {k: (v() if callable(v) else v) for k, v in fields.items()}
    if out.get("analysis") is not None:
        out["analysis"] = json.dumps(out["analysis"])
    return out


def _json(resp: httpx.Response) -> dict:
    try:
        data = resp.json()
    except ValueError:
        raise AppError("SERVER_PROTOCOL_ERROR", f"{resp.request.method} "
                       f"{urlsplit(str(resp.request.url)).path} answered {resp.status_code} "
                       "without JSON.", request_id=resp.headers.get("x-request-id")) from None
    if not isinstance(data, dict):
        raise AppError("SERVER_PROTOCOL_ERROR", "expected a JSON object")
    return data
