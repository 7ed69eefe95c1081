"""Is the network there? Linux, without Qt: the kernel's routes, watched over rtnetlink.

The machine counts as online while it has a default route (IPv4 or IPv6) that is up and is
not a reject route on ``lo``: with none, no remote server can be reached. The routes are
re-read (``/proc/net/route``, ``/proc/net/ipv6_route``) whenever the kernel announces a
link, address or route change on a NETLINK_ROUTE socket, so a cable pulled or Wi-Fi
joined is noticed at once, with no polling. Whether the connection is metered comes from
NetworkManager over D-Bus when it runs (``nm.metered``), else it counts as not metered.

``for_platform()`` gives this monitor on Linux and ``UnknownNetwork`` (always reachable:
nothing is held back) where it cannot work.
"""

from __future__ import annotations

import logging
import os
import selectors
import socket
import sys
import threading
from collections.abc import Callable

from desktop_app.system.api import NetworkMonitor, NetworkStatus, OnNetwork, UnknownNetwork

log = logging.getLogger(__name__)

RTMGRP_LINK = 0x1
RTMGRP_IPV4_IFADDR = 0x10
RTMGRP_IPV4_ROUTE = 0x40
RTMGRP_IPV6_IFADDR = 0x100
RTMGRP_IPV6_ROUTE = 0x400
GROUPS = (RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_IFADDR
          | RTMGRP_IPV6_ROUTE)
RTF_UP, RTF_REJECT = 0x0001, 0x0200


def has_default_route(proc: str = "/proc/net") -> bool:
    """A default route that is up, in this network namespace."""
    try:
        with open(f"{proc}/route", encoding="ascii") as fh:
            next(fh, None)  # header
            for line in fh:
                f = line.split()
                if len(f) >= 8 and f[1] == "00000000" and f[7] == "00000000" \
                        and int(f[3], 16) & RTF_UP and f[0] != "lo":
                    return True
    except OSError:
        pass
    try:
        with open(f"{proc}/ipv6_route", encoding="ascii") as fh:
            for line in fh:
                f = line.split()
                if len(f) >= 10 and f[0] == "0" * 32 and f[1] == "00" and f[9] != "lo":
                    flags = int(f[8], 16)
                    if flags & RTF_UP and not flags & RTF_REJECT:
                        return True
    except OSError:
        pass
    return False


class NetlinkMonitor:
    def __init__(self, metered: Callable[[], bool] | None = None) -> None:
        from desktop_app.system import nm

        self._metered = metered or nm.metered
        self._sock: socket.socket | None = None
        self._wake_r, self._wake_w = -1, -1
        self._thread: threading.Thread | None = None
        self._status = NetworkStatus()

    def current(self) -> NetworkStatus:
        up = has_default_route()
        return NetworkStatus(up, up and self._metered())

    def start(self, on_change: OnNetwork) -> None:
        self._sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW | socket.SOCK_CLOEXEC,
                                   socket.NETLINK_ROUTE)
        self._sock.bind((0, GROUPS))
        self._sock.setblocking(False)
        self._wake_r, self._wake_w = os.pipe()
        self._status = self.current()
        self._thread = threading.Thread(target=self._run, args=(on_change,),
                                        name="network-monitor", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is None:
            return
        os.write(self._wake_w, b"x")
        self._thread.join(5)
        self._thread = None
        for fd in (self._wake_r, self._wake_w):
            os.close(fd)
        if self._sock is not None:
            self._sock.close()

    def _run(self, on_change: OnNetwork) -> None:
        assert self._sock is not None
        with selectors.DefaultSelector() as sel:
            sel.register(self._sock, selectors.EVENT_READ)
            sel.register(self._wake_r, selectors.EVENT_READ)
            while True:
                keys = sel.select()
                if any(k.fileobj == self._wake_r for k, _ in keys):
                    return
                self._drain()
                status = self.current()
                if status != self._status:
                    self._status = status
                    try:
                        on_change(status)
                    except Exception:
                        log.exception("network change callback failed")

    def _drain(self) -> None:
        """What the kernel said does not matter, only that it said something: read it all."""
        assert self._sock is not None
        while True:
            try:
                if not self._sock.recv(65536):
                    return
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:  # ENOBUFS: we fell behind; the re-read covers it
                log.debug("netlink: %s", exc)
                return


def for_platform() -> NetworkMonitor:
    if sys.platform.startswith("linux"):
        try:
            probe = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
            probe.close()
            return NetlinkMonitor()
        except OSError as exc:
            log.info("no netlink socket (%s): the network counts as always there", exc)
    return UnknownNetwork()
