"""Running the app on uvicorn: a thread-friendly server that reports when it is listening."""

from __future__ import annotations

import importlib.util
import os
import socket
import threading

import uvicorn

from desktop_app.server.app import BuiltApp
from desktop_app.server.protocol import guarded_protocol


def bind_socket(host: str, port: int) -> socket.socket:
    """Bind first, so the caller knows the port (port 0 = any free one) before serving."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    if os.name != "nt":  # on Windows SO_REUSEADDR would let two servers share the port
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def url_of(sock: socket.socket) -> str:
    """The http:// URL of a bound socket (IPv6 addresses in brackets)."""
    host, port = sock.getsockname()[:2]
    return f"http://{f'[{host}]' if ':' in host else host}:{port}"


class ReadyServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self.ready.set()


def make_server(built: BuiltApp, *, log_level: str = "warning", access_log: bool = False) -> ReadyServer:
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    limits = built.ctx.config.connection_limits
    config = uvicorn.Config(
        built.app, http=guarded_protocol(limits), loop=loop, lifespan="off", log_config=None,
        log_level=log_level, access_log=access_log, timeout_keep_alive=limits.keep_alive_timeout_s,
        timeout_graceful_shutdown=3, server_header=False,
    )
    return ReadyServer(config)

