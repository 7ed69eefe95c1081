"""``python main.py serve``: the reference backend in the foreground until Ctrl+C.

``add_serve_options(parser)`` defines the command's options (the dispatcher calls it
for its ``serve`` subparser); ``run_serve(args)`` runs it. The heavy imports (Starlette,
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
from desktop_app.server.hosts import check_url

_LIMITS = ConnectionLimits()


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text!r}")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError(f"must be between 0 and 3600 seconds: {text!r}")
    return value


def _url(text: str) -> str:
    try:
        return check_url(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_serve_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: loopback only)")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--data-dir", help="where videos and metadata are stored")
    p.add_argument("--user", action="append", default=[], metavar="NAME:PASSWORD[:admin]",
                   help="a user account (repeatable)")
    p.add_argument("--max-upload-bytes", type=_positive_int)
    p.add_argument("--max-inflight", type=_positive_int)
    p.add_argument("--chunk-size", type=_positive_int,
                   help="the tus chunk size advertised to clients, in bytes")
    p.add_argument("--public-url", type=_url, metavar="URL",
                   help="the URL clients reach this server by (behind a proxy: the proxy's); absolute "
                   "URLs are built from it and requests for any other Host than it or the bound "
                   "address are refused (default: the bound address)")
    p.add_argument("--header-timeout", type=_seconds, default=_LIMITS.header_timeout_s, metavar="SECONDS",
                   help="close a connection whose request line and headers take longer "
                   "(default: %(default)g)")
    p.add_argument("--keep-alive-timeout", type=_positive_int, default=_LIMITS.keep_alive_timeout_s,
                   metavar="SECONDS", help="close an idle connection after this (default: %(default)d)")
    p.add_argument("--max-connections", type=_positive_int, default=_LIMITS.max_connections, metavar="N",
                   help="connections held at once; more are closed as they open (default: %(default)d)")
    p.add_argument("--max-connections-per-client", type=_positive_int, default=_LIMITS.max_per_client,
                   metavar="N", help="connections held at once from one client address (default: %(default)d)")
    p.add_argument("--metrics-token-file", metavar="FILE",
                   help="require 'Authorization: Bearer <token>' on /metrics, the token read from FILE "
                   "(default: /metrics is open, for loopback or a scrape network)")
    p.add_argument("--fault-injection", action="store_true",
                   help="enable the admin fault-injection endpoint (tests only)")


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
