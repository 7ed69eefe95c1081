"""``python main.py serve``: the reference backend in the foreground until Ctrl+C.

``run_serve(args)`` runs it with the options ``commands/serve.py`` defines;
``config_from(args)`` turns them into a ``ServerConfig``. The heavy imports (Starlette,
uvicorn) wait until ``run_serve``, so ``--help`` stays fast.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from desktop_app import paths
from desktop_app.server.config import (
    DEFAULT_CHUNK_SIZE,
    DEFAULT_MAX_INFLIGHT,
    DEFAULT_MAX_UPLOAD_BYTES,
    ConnectionLimits,
    ServerConfig,
    UserSpec,
)


def parse_user(text: str) -> UserSpec:
    """NAME:PASSWORD[:admin] (the password may itself contain ':')."""
    name, sep, rest = text.partition(":")
    is_admin = rest.endswith(":admin")
    password = rest[: -len(":admin")] if is_admin else rest
    if not sep or not name or not password:
        raise ValueError("a user is NAME:PASSWORD or NAME:PASSWORD:admin")
    return UserSpec(name, password, is_admin)


def _metrics_token(path: str | None) -> str | None:
    if path is None:
        return None
    try:
        token = Path(path).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read the metrics token from {path} ({exc.__class__.__name__})") from None
    if not token:
        raise ValueError(f"the metrics token file {path} is empty")
    return token


def config_from(args: argparse.Namespace) -> ServerConfig:
    """The server's settings from ``serve``'s options; ValueError for a bad one."""
    return ServerConfig(
        data_dir=Path(args.data_dir) if args.data_dir else paths.data_dir() / "server",
        users=tuple(parse_user(u) for u in args.user),
        max_upload_bytes=args.max_upload_bytes or DEFAULT_MAX_UPLOAD_BYTES,
        max_inflight=args.max_inflight or DEFAULT_MAX_INFLIGHT,
        chunk_size=args.chunk_size or DEFAULT_CHUNK_SIZE,
        fault_injection=bool(args.fault_injection),
        public_url=args.public_url,
        connection_limits=ConnectionLimits(
            header_timeout_s=args.header_timeout, keep_alive_timeout_s=args.keep_alive_timeout,
            max_connections=args.max_connections, max_per_client=args.max_connections_per_client),
        metrics_token=_metrics_token(args.metrics_token_file),
    )


def run_serve(args: argparse.Namespace) -> int:
    from desktop_app.server.app import build_app, random_password
    from desktop_app.server.server import bind_socket, make_server, url_of

    try:
        config = config_from(args)
    except ValueError as exc:
        print(f"serve: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        sock = bind_socket(args.host, args.port)
    except OSError as exc:
        print(f"serve: cannot listen on {args.host}:{args.port} ({exc.strerror}); "
              "choose another with --port", file=sys.stderr)
        return 1
    try:
        built = build_app(config, url_of(sock))
    except BaseException:
        sock.close()
        raise
    if not config.users and built.ctx.store.count_users() == 0:
        password = random_password()
        built.ctx.auth.add_user("admin", password, True)
        # shown once on the operator's own terminal, never logged
        print(f"Created user 'admin' with password {password} (pass --user NAME:PASSWORD to choose).")
    url, public = url_of(sock), built.ctx.urls.public_url
    if args.host in ("0.0.0.0", "::") and config.public_url is None:
        print(f"Listening on all interfaces without --public-url: only requests for {url} are "
              "answered; pass --public-url URL naming the address clients use.", flush=True)
    print(f"Serving the reference backend at {url} (API {public}/api/v1"
          f"{'' if public == url else f', public URL {public}'}, data in {config.data_dir})"
          f"{'; fault injection ON' if config.fault_injection else ''}. Press Ctrl+C to stop.", flush=True)
    server = make_server(built, log_level="info", access_log=True)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn re-raises the SIGINT it handled after a clean shutdown
        pass
    finally:
        sock.close()
        built.close()
    print("Stopped.", flush=True)
    return 0
