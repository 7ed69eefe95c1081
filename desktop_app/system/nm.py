"""NetworkManager over D-Bus (jeepney): is the primary connection metered?

``org.freedesktop.NetworkManager``'s ``Metered`` property (NMMetered): 1 yes and 3 guessed
yes count as metered; 0 unknown, 2 no, 4 guessed no do not. No system bus, no
NetworkManager, any error: not metered (uploads are never held back on a guess).
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)
NM_NAME = "org.freedesktop.NetworkManager"
NM_PATH = "/org/freedesktop/NetworkManager"
METERED = frozenset({1, 3})


def metered(bus: str = "SYSTEM") -> bool:
    try:
        from jeepney import DBusAddress, Properties
        from jeepney.io.blocking import open_dbus_connection
        from jeepney.wrappers import unwrap_msg

        with open_dbus_connection(bus) as conn:
            props = Properties(DBusAddress(NM_PATH, bus_name=NM_NAME, interface=NM_NAME))
            (value,) = unwrap_msg(conn.send_and_get_reply(props.get("Metered"), timeout=2.0))
    except Exception as exc:
        log.debug("NetworkManager's Metered not readable: %s", exc)
        return False
    signature, number = value if isinstance(value, tuple) else ("u", value)
    return isinstance(number, int) and number in METERED
