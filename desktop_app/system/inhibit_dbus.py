"""Keeping a Linux machine awake over D-Bus: the desktop portal, else logind.

* ``org.freedesktop.portal.Inhibit.Inhibit`` on the session bus (the desktop's own policy,
  and the one a sandboxed app may use): flags suspend | idle; it answers a request object,
  whose ``org.freedesktop.portal.Request.Close`` ends the inhibition. The portal ties it to
  our connection, which stays open while held.
* ``org.freedesktop.login1.Manager.Inhibit("sleep:idle", who, why, "block")`` on the system
  bus (no desktop, e.g. the CLI over SSH): it answers a file descriptor; closing it ends
  the inhibition.

jeepney, not QtDBus: the core is Qt-free (the CLI keeps the machine awake too), and jeepney
is pure Python, passes file descriptors, and is already installed (keyring's Secret Service
backend uses it). Every failure (no bus, no portal, a refusal) is logged once and the
uploads go on: the machine may then sleep as it would have.
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
from typing import Any

log = logging.getLogger(__name__)

PORTAL_NAME = "org.freedesktop.portal.Desktop"
PORTAL_PATH = "/org/freedesktop/portal/desktop"
PORTAL_INHIBIT = "org.freedesktop.portal.Inhibit"
PORTAL_REQUEST = "org.freedesktop.portal.Request"
PORTAL_SUSPEND, PORTAL_IDLE = 4, 8
LOGIND_NAME = "org.freedesktop.login1"
LOGIND_PATH = "/org/freedesktop/login1"
LOGIND_MANAGER = "org.freedesktop.login1.Manager"
CALL_TIMEOUT_S = 5.0


class DBusInhibitor:
    """``portal_bus`` / ``logind_bus``: "SESSION", "SYSTEM", a D-Bus address, or None to
    skip that way (tests point them at a bus they started)."""

    def __init__(self, *, app_name: str = "Video Uploader", portal_bus: str | None = "SESSION",
                 logind_bus: str | None = "SYSTEM") -> None:
        self.app_name = app_name
        self.portal_bus, self.logind_bus = portal_bus, logind_bus
        self._lock = threading.Lock()
        self._conn: Any = None  # the connection the portal's inhibition lives on
        self._request: str | None = None  # the portal's request object
        self._fd: Any = None  # logind's inhibitor fd
        self._warned = False
        self.how = ""  # "portal" | "logind" | "" (not held)

    @property
    def held(self) -> bool:
        return bool(self.how)

    def hold(self, reason: str) -> None:
        with self._lock:
            if self.how:
                return
            errors = []
            for how, bus, take in (("portal", self.portal_bus, self._portal),
                                   ("logind", self.logind_bus, self._logind)):
                if bus is None:
                    continue
                try:
                    take(bus, reason)
                except Exception as exc:  # no bus, no such service, refused
                    errors.append(f"{how}: {type(exc).__name__}: {exc}")
                    self._drop_connection()
                    continue
                self.how = how
                log.info("keeping the machine awake (%s): %s", how, reason)
                return
            if not self._warned:
                self._warned = True
                log.warning("cannot keep the machine awake while uploading (%s)",
                            "; ".join(errors) or "no way configured")

    def release(self) -> None:
        with self._lock:
            if not self.how:
                return
            try:
                if self._request is not None:
                    from jeepney import DBusAddress, new_method_call
                    from jeepney.wrappers import unwrap_msg

                    request = DBusAddress(self._request, bus_name=PORTAL_NAME,
                                          interface=PORTAL_REQUEST)
                    unwrap_msg(self._conn.send_and_get_reply(new_method_call(request, "Close"),
                                                             timeout=CALL_TIMEOUT_S))
            except Exception as exc:  # closing our connection ends it as well
                log.info("portal Close failed (%s); dropping the connection instead", exc)
            finally:
                if self._fd is not None:
                    self._fd.close()
                self._fd = self._request = None
                self._drop_connection()
                log.info("the machine may sleep again (%s released)", self.how)
                self.how = ""

    def close(self) -> None:
        self.release()

    # ---- the two ways -----------------------------------------------------------------

    def _portal(self, bus: str, reason: str) -> None:
        from jeepney import DBusAddress, new_method_call
        from jeepney.io.blocking import open_dbus_connection
        from jeepney.wrappers import unwrap_msg

        self._conn = open_dbus_connection(bus)
        portal = DBusAddress(PORTAL_PATH, bus_name=PORTAL_NAME, interface=PORTAL_INHIBIT)
        options = {"reason": ("s", reason), "handle_token": ("s", "u" + secrets.token_hex(8))}
        call = new_method_call(portal, "Inhibit", "sua{sv}",
                               ("", PORTAL_SUSPEND | PORTAL_IDLE, options))
        (self._request,) = unwrap_msg(self._conn.send_and_get_reply(call,
                                                                     timeout=CALL_TIMEOUT_S))

    def _logind(self, bus: str, reason: str) -> None:
        from jeepney import DBusAddress, new_method_call
        from jeepney.io.blocking import open_dbus_connection
        from jeepney.wrappers import unwrap_msg

        self._conn = open_dbus_connection(bus, enable_fds=True)
        manager = DBusAddress(LOGIND_PATH, bus_name=LOGIND_NAME, interface=LOGIND_MANAGER)
        call = new_method_call(manager, "Inhibit", "ssss",
                               ("sleep:idle", self.app_name, reason, "block"))
        (self._fd,) = unwrap_msg(self._conn.send_and_get_reply(call, timeout=CALL_TIMEOUT_S))
        self._drop_connection()  # the fd is the inhibition: the connection may go

    def _drop_connection(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except OSError:
                pass
            self._conn = None


def session_bus_available() -> bool:
    return bool(os.environ.get("DBUS_SESSION_BUS_ADDRESS"))
