"""The laptop's own events behind small interfaces (Qt-free): is the network there, is it
metered, and keeping the machine awake while uploads run.

``api`` holds the interfaces and the controllable and do-nothing implementations;
``netlink`` watches Linux's routes (the CLI; the window uses Qt's QNetworkInformation,
``gui/desktop/network.py``); ``inhibit`` picks the platform's sleep inhibitor
(``inhibit_dbus``: the freedesktop portal or logind, ``inhibit_windows``, ``inhibit_macos``).
What the job pipeline does about them lives in ``jobs/handsoff.py``.
"""
