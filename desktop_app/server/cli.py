"""``python main.py serve``: the reference backend in the foreground until Ctrl+C."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from desktop_app import paths
from desktop_app.server.app import build_app, random_password
from desktop_app.server.config import (
    DEFAULT_CHUNK_SIZE,
    DEFAULT_MAX_INFLIGHT,
    DEFAULT_MAX_UPLOAD_BYTES,
    ServerConfig,
    UserSpec,
)
from desktop_app.server.server import bind_socket, make_server


def parse_user(text: str) -> UserSpec:
    """NAME:PASSWORD[:admin] (the password may itself contain ':')."""
    name, sep, rest = text.partition(":")
    is_admin = rest.endswith(":admin")
    password = rest[: -len(":admin")] if is_admin else rest
    if not sep or not name or not password:
        raise ValueError("a user is NAME:PASSWORD or NAME:PASSWORD:admin")
    return UserSpec(name, password, is_admin)


def run_serve(args: argparse.Namespace) -> int:
    try:
        users = tuple(parse_user(u) for u in args.user)
    except ValueError as exc:
        print(f"serve: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    data_dir = Path(args.data_dir) if args.data_dir else paths.data_dir() / "server"
    config = ServerConfig(
        data_dir=data_dir, users=users,
        max_upload_bytes=args.max_upload_bytes or DEFAULT_MAX_UPLOAD_BYTES,
        max_inflight=args.max_inflight or DEFAULT_MAX_INFLIGHT,
        chunk_size=args.chunk_size or DEFAULT_CHUNK_SIZE,
        fault_injection=bool(args.fault_injection),
    )
    try:
        sock = bind_socket(args.host, args.port)
    except OSError as exc:
        print(f"serve: cannot listen on {args.host}:{args.port} ({exc.strerror}); "
              "choose another with --port", file=sys.stderr)
        return 1
    built = build_app(config)
    if not users and built.ctx.store.count_users() == 0:
        password = random_password()
        built.ctx.auth.add_user("admin", password, True)
        # shown once on the operator's own terminal, never logged
        print(f"Created user 'admin' with password {password} (pass --user NAME:PASSWORD to choose).")
    host = f"[{args.host}]" if ":" in args.host else args.host
    url = f"http://{host}:{sock.getsockname()[1]}"
    print(f"Serving the reference backend at {url} (API {url}/api/v1, data in {data_dir})"
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
