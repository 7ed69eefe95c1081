"""``upload --tus URL [--header NAME=VALUE]... [--json] FILE...``

Uploads each file to any plain tus 1.0 endpoint (no sign-in, no sessions: extra headers
carry whatever auth that server wants). With ``--json`` it prints one line per file:
``{"file", "ok", "url", "bytes", "attempts", "error_code", "error"}``; otherwise a short
human line. Exit code 0 when every file was stored, 1 when any failed, 2 for bad usage.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from typing import Any
from urllib.parse import urlsplit

from desktop_app.errors import AppError, shown_message, unexpected
from desktop_app.i18n import _

log = logging.getLogger("desktop_app.transfer")


def _headers(pairs: list[str]) -> dict[str, str] | None:
    headers: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            return None
        headers[name.strip()] = value.strip()
    return headers


def _emit(args: argparse.Namespace, record: dict[str, Any]) -> None:
    if getattr(args, "json", False):
        print(json.dumps(record), flush=True)
    elif record["ok"]:
        print(_("{file}: uploaded {bytes} bytes to {url}").format(
            file=record["file"], bytes=record["bytes"], url=record["url"]), flush=True)
    else:
        code = record["error_code"] or ""
        print(_("{file}: failed ({code}): {message}").format(
            file=record["file"], code=code, message=shown_message(record["error"] or "", code)),
            flush=True)


def run(args: argparse.Namespace) -> int:
    from desktop_app.transfer.client import DEFAULT_TIMEOUTS
    from desktop_app.transfer.limiter import BandwidthLimiter
    from desktop_app.transfer.retry import RetryPolicy
    from desktop_app.transfer.transport import make_http_client
    from desktop_app.transfer.tus import TusUploader

    endpoint = args.tus
    parts = urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        print(_("error: --tus needs an http(s) URL, got {url}").format(url=repr(endpoint)),
              file=sys.stderr)
        return 2
    headers = _headers(list(getattr(args, "header", None) or []))
    if headers is None:
        print(_("error: --header must look like NAME=VALUE"), file=sys.stderr)
        return 2
    policy = RetryPolicy(max_attempts=getattr(args, "attempts", None) or 5)
    failed = 0
    with make_http_client(DEFAULT_TIMEOUTS) as http:
        uploader = TusUploader(http, endpoint, headers=headers, policy=policy,
                               chunk_size=getattr(args, "chunk_size", None),
                               limiter=BandwidthLimiter.from_kbps(getattr(args, "limit_kbps", None)),
                               timeout=DEFAULT_TIMEOUTS)
        for path in args.files:
            record: dict[str, Any] = {"file": path, "ok": False, "url": None, "bytes": None,
                                      "attempts": 0, "error_code": None, "error": None}
            try:
                # No sha256: a plain tus server has none to compare it with.
                result = uploader.upload(path, metadata={"filename": path.replace("\\", "/")
                                                         .rsplit("/", 1)[-1]}, hash_file=False)
                record.update(ok=True, url=result.url, bytes=result.bytes,
                              attempts=result.attempts)
            except AppError as err:
                record.update(error_code=err.code, error=f"{err.message} ({err.detail})",
                              attempts=int(err.extra.get("attempts", 0)))
            except Exception as exc:  # a bug: one line for the user, the traceback in the log
                log.exception("unexpected failure uploading %s", path)
                bug = unexpected(exc)
                record.update(error_code=bug.code, error=bug.message, attempts=1)
            failed += not record["ok"]
            _emit(args, record)
    return 1 if failed else 0
