"""The error catalogue: every code is explainable to a user."""

import re
from pathlib import Path

import pytest

from desktop_app import errors
from desktop_app.errors import CATALOGUE, AppError, RetryClass

CONTRACT = Path(__file__).resolve().parents[1] / "docs" / "api-contract.md"


def contract_codes() -> set[str]:
    text = CONTRACT.read_text(encoding="utf-8")
    return set(re.findall(r"`([A-Z][A-Z_]{3,})`", text)) - {"POST", "HEAD", "PATCH", "DELETE", "GET"}


def test_every_contract_code_is_in_the_catalogue():
    missing = contract_codes() - set(CATALOGUE)
    assert not missing, f"codes in the contract but not in the catalogue: {sorted(missing)}"


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_every_code_has_a_message_and_an_action(code):
    spec = CATALOGUE[code]
    assert spec.message.strip().endswith("."), code
    assert len(spec.hint.strip()) > 10, code
    assert spec.action is not None
    assert 400 <= spec.status < 600 or spec.code == "CANCELLED"
    # messages are for people: no codes, no jargon like "HTTP"
    assert "_" not in spec.message and "HTTP" not in spec.message


@pytest.mark.parametrize(
    ("code", "retry"),
    [
        ("TEMPORARY_FAILURE", RetryClass.BACKOFF),
        ("INTERNAL_ERROR", RetryClass.NEVER),
        ("SERVICE_UNAVAILABLE", RetryClass.RETRY_AFTER),
        ("RATE_LIMITED", RetryClass.RETRY_AFTER),
        ("TOKEN_EXPIRED", RetryClass.REFRESH_AUTH),
        ("CHECKSUM_MISMATCH", RetryClass.BACKOFF),
        ("VIDEO_CORRUPTED", RetryClass.NEVER),
        ("FILE_TOO_LARGE", RetryClass.NEVER),
    ],
)
def test_retry_classes_follow_the_contract(code, retry):
    assert CATALOGUE[code].retry is retry


def test_response_with_our_body_maps_by_code():
    err = AppError.from_response(500, {"error": "db hiccup", "error_code": "TEMPORARY_FAILURE"},
                                 request_id="r-1")
    assert (err.code, err.retryable, err.request_id, err.status) == ("TEMPORARY_FAILURE", True, "r-1", 500)


def test_proxy_html_maps_by_status_alone():
    err = AppError.from_response(502, "<html><body>Bad Gateway</body></html>")
    assert err.code == "BAD_GATEWAY" and err.retryable
    assert "<html>" not in str(err)


def test_unknown_code_falls_back_by_status():
    err = AppError.from_response(503, {"error": "x", "error_code": "SOMETHING_NEW"})
    assert err.code == "SERVICE_UNAVAILABLE"


def test_error_carries_context_and_serialises():
    err = AppError("FILE_NOT_FOUND", "no such file: /a/b.mp4", file="/a/b.mp4", stage="validate")
    record = err.to_dict()
    assert record["error_code"] == "FILE_NOT_FOUND"
    assert record["file"] == "/a/b.mp4" and record["stage"] == "validate"
    assert record["error"] == errors.CATALOGUE["FILE_NOT_FOUND"].message
