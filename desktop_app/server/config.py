"""Server settings: one frozen dataclass passed to everything that needs it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from desktop_app.media.formats import REFERENCE_SERVER_SUFFIXES, describe, suffix_of
from desktop_app.server.errors import ApiError

DEFAULT_MAX_UPLOAD_BYTES = 16 * 1024**3  # 16 GiB: larger than any clip a camera card holds
DEFAULT_MAX_INFLIGHT = 8
# The tus chunk size advertised in GET /config (clients follow it). Each PATCH ends in a
# round trip during which nothing is sent (the server drains, verifies and answers):
# ~5-10 ms here, so 8 MiB chunks idled ~15 % of a fast upload and 32 MiB ~4 %. A chunk
# that fails is sent again whole, so bigger is not free: 32 MiB is within what hosted
# tus services recommend (e.g. Cloudflare Stream: 5 MiB minimum, 50 MiB suggested).
DEFAULT_CHUNK_SIZE = 32 * 1024 * 1024
DEFAULT_TOKEN_TTL_S = 3600.0
REFRESH_TTL_S = 30 * 24 * 3600.0
DEFAULT_UPLOAD_EXPIRY_S = 24 * 3600.0
IDEMPOTENCY_TTL_S = 24 * 3600.0
API_PREFIX = "/api/v1"
TUS_PATH = API_PREFIX + "/uploads"


@dataclass(frozen=True)
class UserSpec:
    name: str
    password: str
    is_admin: bool = False

    def __repr__(self) -> str:  # never print a password, even in a debug dump
        return f"UserSpec(name={self.name!r}, is_admin={self.is_admin})"


@dataclass(frozen=True)
class SignInLimits:
    """Failed sign-ins allowed per username and per client address within ``window_s``;
    past that, sign-in waits ``first_delay_s``, doubling with each further failure up to
    ``max_delay_s`` (429 TOO_MANY_SIGN_IN_ATTEMPTS + Retry-After). A success clears the name."""

    per_user: int = 5
    per_address: int = 20  # higher: an office behind one NAT address shares it
    window_s: float = 900.0
    first_delay_s: float = 15.0
    max_delay_s: float = 900.0


@dataclass(frozen=True)
class ConnectionLimits:
    """What one connection, and one client address, may hold (``protocol.py``)."""

    header_timeout_s: float = 15.0  # to send a request's line and headers, from its first byte
    keep_alive_timeout_s: int = 30  # idle between requests on one connection (uvicorn's own)
    max_connections: int = 512  # open at once; past that new ones are closed at once
    max_per_client: int = 64  # open at once from one client address


@dataclass(frozen=True)
class ServerConfig:
    data_dir: Path
    users: tuple[UserSpec, ...] = ()
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES
    max_inflight: int = DEFAULT_MAX_INFLIGHT
    chunk_size: int = DEFAULT_CHUNK_SIZE
    token_ttl_s: float = DEFAULT_TOKEN_TTL_S
    upload_expiry_s: float = DEFAULT_UPLOAD_EXPIRY_S
    fault_injection: bool = False
    allowed_extensions: tuple[str, ...] = field(default=REFERENCE_SERVER_SUFFIXES)
    sign_in_limits: SignInLimits = field(default_factory=SignInLimits)
    public_url: str | None = None  # what absolute URLs are built from; None: the bound address
    connection_limits: ConnectionLimits = field(default_factory=ConnectionLimits)
    metrics_token: str | None = field(default=None, repr=False)  # None: /metrics is open

    @property
    def db_path(self) -> Path:
        return self.data_dir / "server.sqlite3"

    @property
    def videos_dir(self) -> Path:
        return self.data_dir / "videos"

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / "uploads"

    @property
    def tmp_dir(self) -> Path:
        return self.data_dir / "tmp"

    def ensure_dirs(self) -> None:
        """Create the data directories owner-only (0700). Ours are tightened if they exist;
        a data dir the operator made is left as it is (what is inside is owner-only)."""
        if not self.data_dir.exists():
            self.data_dir.mkdir(mode=0o700, parents=True)
        for path in (self.videos_dir, self.uploads_dir, self.tmp_dir):
            path.mkdir(mode=0o700, exist_ok=True)
            path.chmod(0o700)

    def check_file_type(self, filename: str | None, *, field: str | None = None) -> None:
        """INVALID_FILE_TYPE for a file name whose type this server does not accept (a
        request that names no file is not refused here). Asked at tus creation as well as
        on a multipart POST and at the finish step, so no upload is sent only to be refused."""
        if not filename:
            return
        ext = suffix_of(filename)
        if ext not in self.allowed_extensions:
            kind = f"a {ext} file" if ext else "a file without an extension"
            raise ApiError("INVALID_FILE_TYPE", f"'{filename}' is {kind}, which this server does not "
                           f"accept; it accepts {describe(self.allowed_extensions)}.", field=field)
