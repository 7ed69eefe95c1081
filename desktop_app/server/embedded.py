"""The reference backend in a background thread: what the GUI and the tests talk to.

    with start_embedded_server() as srv:
        srv.api_url, srv.username, srv.password   # a local user, random password

``stop()`` shuts uvicorn down, joins the thread and closes the store; it is
idempotent. Fault helpers call the admin endpoint (fault_injection=True only).
"""

from __future__ import annotations

import threading
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from desktop_app import paths
from desktop_app.server.app import build_app, random_password
from desktop_app.server.config import (
    API_PREFIX,
    DEFAULT_CHUNK_SIZE,
    DEFAULT_MAX_INFLIGHT,
    DEFAULT_MAX_UPLOAD_BYTES,
    DEFAULT_TOKEN_TTL_S,
    DEFAULT_UPLOAD_EXPIRY_S,
    ConnectionLimits,
    ServerConfig,
    SignInLimits,
    UserSpec,
)
from desktop_app.server.server import bind_socket, make_server, url_of

LOCAL_USER, ADMIN_USER = "local", "admin"


class EmbeddedServer:
    def __init__(self, config: ServerConfig, host: str, port: int, user: UserSpec, admin: UserSpec) -> None:
        self.data_dir = config.data_dir
        self.config = config
        self._sock = bind_socket(host, port)
        self.host, self.port = host, self._sock.getsockname()[1]
        self.url = url_of(self._sock)  # the app connects by this address, so it is always trusted
        self.api_url = self.url + API_PREFIX
        try:
            self._built = build_app(config, self.url)
        except BaseException:
            self._sock.close()
            raise
        self.username, self.password = user.name, user.password
        self.admin_username, self.admin_password = admin.name, admin.password
        self._server = make_server(self._built)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._sock]},
                                        name=f"embedded-server-{self.port}", daemon=True)
        self._stopped = False
        self._admin_token: str | None = None
        self._thread.start()
        if not self._server.ready.wait(15) or not self._thread.is_alive():
            self.stop()
            raise RuntimeError("the embedded server did not start")

    def __repr__(self) -> str:
        return f"EmbeddedServer(url={self.url!r}, username={self.username!r})"

    def set_public_url(self, url: str) -> None:
        """Answer as ``url`` from now on (for a proxy put in front, as tests do): absolute URLs
        are built from it and requests naming it are accepted, besides the bound address."""
        self._built.ctx.urls.set_public_url(url)

    @property
    def ctx(self) -> Any:
        """The server's AppContext (store, metrics): for tests that inspect server state."""
        return self._built.ctx

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        self._server.should_exit = True
        self._thread.join(timeout=15)
        self._sock.close()
        self._built.close()

    def __enter__(self) -> EmbeddedServer:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    # fault injection -------------------------------------------------------
    def _admin(self, method: str, path: str, json: Any = None) -> Any:
        with httpx.Client(base_url=self.api_url, timeout=10) as client:
            if self._admin_token is None:
                r = client.post("/auth/token", json={"username": self.admin_username,
                                                     "password": self.admin_password})
                r.raise_for_status()
                self._admin_token = r.json()["access_token"]
            r = client.request(method, path, json=json, headers={"Authorization": f"Bearer {self._admin_token}"})
            if r.status_code == 404:
                raise RuntimeError("fault injection is off: start the server with fault_injection=True")
            r.raise_for_status()
            return r.json()

    def inject_fault(self, method: str, path_glob: str, *, status: int = 503, error_code: str | None = None,
                     retry_after: float | None = None, count: int = 1,
                     drop_after_bytes: int | None = None) -> int:
        """Make the next ``count`` matching requests fail; returns the fault id."""
        if not path_glob.startswith("/"):
            path_glob = "/" + path_glob
        if not path_glob.startswith(API_PREFIX) and not path_glob.startswith("/*"):
            path_glob = API_PREFIX + path_glob
        body = {"method": method, "path_glob": path_glob, "status": status, "error_code": error_code,
                "retry_after": retry_after, "count": count, "drop_after_bytes": drop_after_bytes}
        return int(self._admin("POST", "/admin/faults", body)["fault_id"])

    def clear_faults(self) -> int:
        return int(self._admin("DELETE", "/admin/faults")["cleared"])


def start_embedded_server(
    data_dir: Path | None = None,
    *,
    users: list[tuple[str, str, bool]] | None = None,
    fault_injection: bool = False,
    max_upload_bytes: int | None = None,
    max_inflight: int | None = None,
    token_ttl_s: float | None = None,
    chunk_size: int | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    upload_expiry_s: float | None = None,
    sign_in_limits: SignInLimits | None = None,
    public_url: str | None = None,
    connection_limits: ConnectionLimits | None = None,
    metrics_token: str | None = None,
) -> EmbeddedServer:
    specs = [UserSpec(n, p, bool(a)) for n, p, a in users] if users is not None else \
        [UserSpec(LOCAL_USER, random_password(), False)]
    admin = next((u for u in specs if u.is_admin), None)
    if admin is None:
        admin = UserSpec(ADMIN_USER, random_password(), True)
        specs.append(admin)
    user = next((u for u in specs if not u.is_admin), admin)
    config = ServerConfig(
        data_dir=Path(data_dir) if data_dir is not None else paths.embedded_server_dir(),
        users=tuple(specs),
        max_upload_bytes=max_upload_bytes or DEFAULT_MAX_UPLOAD_BYTES,
        max_inflight=max_inflight or DEFAULT_MAX_INFLIGHT,
        chunk_size=chunk_size or DEFAULT_CHUNK_SIZE,
        token_ttl_s=token_ttl_s if token_ttl_s is not None else DEFAULT_TOKEN_TTL_S,
        upload_expiry_s=upload_expiry_s if upload_expiry_s is not None else DEFAULT_UPLOAD_EXPIRY_S,
        fault_injection=fault_injection,
        sign_in_limits=sign_in_limits or SignInLimits(),
        public_url=public_url,
        connection_limits=connection_limits or ConnectionLimits(),
        metrics_token=metrics_token,
    )
    return EmbeddedServer(config, host, port, user, admin)
