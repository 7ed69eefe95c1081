"""Results the transfer layer hands to the job manager (dataclasses, not dicts).

``raw`` keeps the server's full JSON so members added later are not lost;
``video["sha256"]``-style access works too, for callers written against dicts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from desktop_app.errors import AppError
from desktop_app.media.formats import describe, suffix_of


@dataclass
class ServerConfig:
    max_upload_bytes: int | None = None
    allowed_extensions: list[str] = field(default_factory=list)
    tus_endpoint: str | None = None
    chunk_size: int | None = None
    retry_policy: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ServerConfig:
        def pos_int(value: Any) -> int | None:
            return value if isinstance(value, int) and not isinstance(value, bool) \
                and value > 0 else None

        exts = data.get("allowed_extensions")
        policy = data.get("retry_policy")
        tus = data.get("tus_endpoint")
        return cls(pos_int(data.get("max_upload_bytes")),
                   [str(e) for e in exts] if isinstance(exts, list) else [],
                   tus if isinstance(tus, str) and tus else None,
                   pos_int(data.get("chunk_size")),
                   policy if isinstance(policy, dict) else {}, data)

    def check_accepts(self, path: str) -> None:
        """INVALID_FILE_TYPE when the server's ``allowed_extensions`` leave out this file's
        type (a server that sends no list accepts every type the app can read)."""
        accepted = {e.lower() if e.startswith(".") else "." + e.lower()
                    for e in self.allowed_extensions if e}
        ext = suffix_of(path)
        if not accepted or ext in accepted:
            return
        what = f"\u201c{ext}\u201d files" if ext else "files without an extension (like .mp4)"
        raise AppError("INVALID_FILE_TYPE", f"extension {ext!r} is not in the server's "
                       f"allowed_extensions {sorted(accepted)}", file=path,
                       message=f"This server does not accept {what}; it accepts "
                       f"{describe(accepted)}.")


class _Mapping:
    raw: dict[str, Any]

    def __getitem__(self, key: str) -> Any:
        return self.raw[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.raw.get(key, default)


@dataclass
class RemoteSession(_Mapping):
    session_id: str
    user_id: str
    title: str | None
    created_at: str | None
    videos: list[dict[str, Any]]
    raw: dict[str, Any] = field(repr=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RemoteSession:
        return cls(str(data.get("session_id", "")), str(data.get("user_id", "")),
                   data.get("title"), data.get("created_at"),
                   list(data.get("videos") or []), data)


@dataclass
class Video(_Mapping):
    video_id: str
    session_id: str
    user_id: str
    filename: str
    bytes: int
    sha256: str
    status: str  # processing | processed | failed
    error_code: str | None
    error: str | None
    analysis: Any
    created_at: str | None
    processed_at: str | None
    raw: dict[str, Any] = field(repr=False)
    local_sha256: str | None = None  # set by upload_video after comparing

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Video:
        size = data.get("bytes")
        return cls(str(data.get("video_id", "")), str(data.get("session_id", "")),
                   str(data.get("user_id", "")), str(data.get("filename", "")),
                   size if isinstance(size, int) else 0, str(data.get("sha256") or ""),
                   str(data.get("status") or ""), data.get("error_code"), data.get("error"),
                   data.get("analysis"), data.get("created_at"), data.get("processed_at"), data)
