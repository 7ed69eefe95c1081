"""docs/api-contract.md's numbers for the reference server's limits are the server's own."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from desktop_app.commands.serve import add_options as add_serve_options
from desktop_app.server.config import ConnectionLimits, SignInLimits

CONTRACT = Path(__file__).resolve().parents[2] / "docs" / "api-contract.md"


def limits_section() -> str:
    text = CONTRACT.read_text(encoding="utf-8")
    return text.split("### Limits and exposure", 1)[1].split("\n### ", 1)[0]


@pytest.mark.parametrize(("option", "value"), [
    ("--header-timeout", ConnectionLimits().header_timeout_s),
    ("--keep-alive-timeout", ConnectionLimits().keep_alive_timeout_s),
    ("--max-connections", ConnectionLimits().max_connections),
    ("--max-connections-per-client", ConnectionLimits().max_per_client),
])
def test_documented_connection_defaults(option, value):
    found = re.search(re.escape(f"`{option}`") + r"[^[]*\[(\d+)\]", limits_section())
    assert found and float(found.group(1)) == value, option


def test_documented_sign_in_limits():
    limits, text = SignInLimits(), " ".join(limits_section().split())
    assert (f"After {limits.per_user} failures for one name, or {limits.per_address} from one address, "
            f"within {limits.window_s / 60:g} minutes") in text
    assert (f"locked for {limits.first_delay_s:g} s, doubling with each further failure up to "
            f"{limits.max_delay_s / 60:g} minutes") in text


def test_every_serve_option_in_the_section_exists():
    import argparse

    parser = argparse.ArgumentParser()
    add_serve_options(parser)
    known = set(re.findall(r"--[a-z-]+", parser.format_help()))
    mentioned = set(re.findall(r"`(?:serve )?(--[a-z-]+)", CONTRACT.read_text(encoding="utf-8")))
    assert mentioned and mentioned <= known, mentioned - known
