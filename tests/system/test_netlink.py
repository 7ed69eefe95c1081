"""The CLI's network monitor (rtnetlink) in a network namespace of the test's own: a default
route added and deleted there is seen at once, without polling."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from desktop_app.system.netlink import has_default_route

ROOT = Path(__file__).resolve().parents[2]

IN_NAMESPACE = textwrap.dedent("""
    import queue, subprocess
    from desktop_app.system.netlink import NetlinkMonitor

    def ip(*args):
        subprocess.run(["ip", *args], check=True)

    changes = queue.Queue()
    monitor = NetlinkMonitor(metered=lambda: False)
    print("start", monitor.current().reachable, flush=True)
    monitor.start(changes.put)
    ip("link", "add", "uplink0", "type", "veth", "peer", "name", "uplink1")
    ip("link", "set", "uplink1", "up")
    ip("link", "set", "uplink0", "up")
    ip("route", "add", "default", "dev", "uplink0")
    print("route added", changes.get(timeout=10).reachable, flush=True)
    ip("route", "del", "default")
    print("route deleted", changes.get(timeout=10).reachable, flush=True)
    monitor.stop()
""")


@pytest.mark.needs_tool
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="netlink is Linux's")
def test_a_default_route_coming_and_going_is_seen_at_once():
    if os.geteuid() != 0 or not (shutil.which("unshare") and shutil.which("ip")):
        pytest.skip("needs root, unshare and ip (iproute2) for a network namespace")
    done = subprocess.run(["unshare", "--net", sys.executable, "-c", IN_NAMESPACE], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["start False", "route added True",
                                        "route deleted False"]


def test_routes_are_read_from_the_kernels_tables(tmp_path):
    (tmp_path / "route").write_text(
        "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\n"
        "eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\n")
    (tmp_path / "ipv6_route").write_text(
        "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
        "00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo\n")
    assert not has_default_route(str(tmp_path))  # a LAN route, IPv6's reject route on lo
    with open(tmp_path / "route", "a") as fh:
        fh.write("wlan0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\n")
    assert has_default_route(str(tmp_path))
