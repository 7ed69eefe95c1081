"""Running the app on uvicorn: a thread-friendly server that reports when it is listening."""

from __future__ import annotations

import ctypes
import importlib.util
import os
import socket
import sys
import threading

import uvicorn

from desktop_app.server.app import BuiltApp
from desktop_app.server.protocol import ContractHttpProtocol


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


def _return_freed_blocks() -> None:
    """Upload blocks (~1 MiB bytearrays) are freed on worker threads, some while the
    next ones are received. glibc raises its mmap threshold after the first such free, so
    later blocks come from the heap, which keeps its high-water mark (measured: 216 MB
    peak RSS for a 512 MiB chunked upload instead of ~75 MB). A fixed threshold keeps
    each block its own mapping, returned to the OS when freed. Linux/glibc only."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None)
        libc.mallopt(-3, 256 * 1024)  # M_MMAP_THRESHOLD; setting it stops the dynamic raise
    except (OSError, AttributeError):
        pass  # musl or another libc: nothing to tune


class ReadyServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self.ready.set()


def make_server(built: BuiltApp, *, log_level: str = "warning", access_log: bool = False) -> ReadyServer:
    _return_freed_blocks()
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    config = uvicorn.Config(
        built.app, http=ContractHttpProtocol, loop=loop, lifespan="off", log_config=None,
        log_level=log_level, access_log=access_log, timeout_keep_alive=30,
        timeout_graceful_shutdown=3, server_header=False,
    )
    return ReadyServer(config)

