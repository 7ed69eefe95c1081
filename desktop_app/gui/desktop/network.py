"""The window's network monitor: Qt's QNetworkInformation behind the core's interface
(``system.api.NetworkMonitor``), so ``jobs/handsoff.py`` reacts to it as to the CLI's.

Qt picks the platform's backend (NetworkManager on Linux, Network List Manager on
Windows, SCNetworkReachability on macOS). Only "Disconnected" counts as offline: "Local"
(a LAN without internet) may still reach a server on that LAN, and "Unknown" (no backend,
no service) must not hold anything back. Created and loaded on the GUI thread, whose
event loop delivers its signals; the core only reads the cached status and receives
changes through the callback (called on the GUI thread: the core hands its work to a
thread of its own).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject
from PySide6.QtNetwork import QNetworkInformation

from desktop_app.system.api import NetworkStatus, OnNetwork

log = logging.getLogger(__name__)
R = QNetworkInformation.Reachability


class QtNetworkMonitor(QObject):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._on_change: OnNetwork | None = None
        self._status = NetworkStatus()
        self._info: QNetworkInformation | None = None

    def load(self) -> bool:
        """Load the platform's backend (GUI thread); False where Qt has none."""
        features = QNetworkInformation.Feature.Reachability
        if not QNetworkInformation.loadBackendByFeatures(features):
            log.info("no network information backend: the network counts as always there")
            return False
        info = QNetworkInformation.instance()
        if info is None:
            return False
        self._info = info
        info.reachabilityChanged.connect(self._changed)
        if info.supports(QNetworkInformation.Feature.Metered):
            info.isMeteredChanged.connect(self._changed)
        log.info("network information from Qt's %s backend", info.backendName())
        self._changed()
        return True

    def _changed(self, *_args: object) -> None:
        info = self._info
        if info is None:
            return
        status = NetworkStatus(reachable=info.reachability() is not R.Disconnected,
                               metered=bool(info.supports(QNetworkInformation.Feature.Metered)
                                            and info.isMetered()))
        if status == self._status:
            return
        self._status = status
        if self._on_change is not None:
            self._on_change(status)

    # ---- system.api.NetworkMonitor ----------------------------------------------------

    def start(self, on_change: OnNetwork) -> None:
        self._on_change = on_change

    def current(self) -> NetworkStatus:
        return self._status

    def stop(self) -> None:
        self._on_change = None
