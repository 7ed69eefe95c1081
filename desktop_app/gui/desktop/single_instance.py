"""One window per user: a second ``main.py FILE...`` hands its files to the first.

The socket name is derived from the user's state dir, so two users (or two
tests with their own XDG dirs) never talk to each other's window.
"""

from __future__ import annotations

import hashlib
import json
import os

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from desktop_app import APP_NAME, paths

_TIMEOUT_MS = 1000


def socket_name() -> str:
    digest = hashlib.sha1(str(paths.state_dir()).encode("utf-8")).hexdigest()[:16]
    return f"{APP_NAME}-{digest}"


def hand_off(files: list[str], name: str | None = None) -> bool:
    """Send ``files`` to a running window; False when there is none."""
    sock = QLocalSocket()
    sock.connectToServer(name or socket_name())
    if not sock.waitForConnected(_TIMEOUT_MS):
        return False
    payload = json.dumps({"files": [os.path.abspath(f) for f in files]}).encode("utf-8") + b"\n"
    sock.write(payload)
    sock.waitForBytesWritten(_TIMEOUT_MS)
    ok = sock.waitForReadyRead(_TIMEOUT_MS) and bytes(sock.readAll().data()).startswith(b"ok")
    sock.disconnectFromServer()
    return ok


class InstanceServer(QObject):
    """Listens for hand-offs; emits ``files_received`` on the GUI thread."""

    files_received = Signal(list)

    def __init__(self, name: str | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name or socket_name()
        self.server = QLocalServer(self)
        self.server.newConnection.connect(self._on_connection)
        self._buffers: dict[QLocalSocket, bytes] = {}

    def listen(self) -> bool:
        if self.server.listen(self.name):
            return True
        # A stale socket from a crashed window: nobody answered hand_off, so take it over.
        QLocalServer.removeServer(self.name)
        return self.server.listen(self.name)

    def close(self) -> None:
        self.server.close()

    def _on_connection(self) -> None:
        while self.server.hasPendingConnections():
            sock = self.server.nextPendingConnection()
            self._buffers[sock] = b""
            sock.readyRead.connect(lambda s=sock: self._on_ready(s))
            sock.disconnected.connect(lambda s=sock: self._buffers.pop(s, None))

    def _on_ready(self, sock: QLocalSocket) -> None:
        data = self._buffers.get(sock, b"") + bytes(sock.readAll().data())
        if b"\n" not in data:
            self._buffers[sock] = data
            return
        line = data.split(b"\n", 1)[0]
        self._buffers[sock] = b""
        try:
            files = json.loads(line.decode("utf-8")).get("files", [])
            files = [str(f) for f in files]
        except (ValueError, AttributeError):
            sock.write(b"error\n")
            return
        sock.write(b"ok\n")
        sock.flush()
        self.files_received.emit(files)
