"""The linters run with the tests: any ruff or mypy error fails the suite."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=600)


@pytest.mark.parametrize("tool", ["ruff", "mypy"])
def test_tool_is_installed(tool):
    assert _run(tool, "--version").returncode == 0, f"{tool} missing: pip install -e .[test]"


def test_ruff_finds_nothing():
    result = _run("ruff", "check", "desktop_app", "tests")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_finds_nothing():
    # Configured in pyproject.toml ([tool.mypy]); its cache (.mypy_cache) keeps reruns quick.
    result = _run("mypy", "desktop_app")
    assert result.returncode == 0, result.stdout + result.stderr
