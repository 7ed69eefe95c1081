"""The redaction filter and the JSON-lines log: secrets never reach the file."""

from __future__ import annotations

import json
import logging

import pytest

from desktop_app.jobs.log import RedactionFilter, log_files, setup_logging
from desktop_app.jobs.redact import MASK, add_secret, redact, redact_obj

TOKEN = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXRva2Vu.sig-Zq9"
PASSWORD = "correct horse battery staple 9!"


@pytest.mark.parametrize("text", [
    f"Authorization: Bearer {TOKEN}",
    f'{{"access_token": "{TOKEN}", "token_type": "bearer"}}',
    f"{{'refresh_token': '{TOKEN}'}}",
    f"GET /x?token={TOKEN}&page=2",
    f"https://alice:{TOKEN}@example.com/api",
    f"password={TOKEN}",
])
def test_patterns_mask_secrets_without_knowing_them(text):
    out = redact(text)
    assert TOKEN not in out
    assert MASK in out


def test_known_secret_is_masked_anywhere_even_without_a_keyword():
    add_secret(PASSWORD)
    assert redact(f"login failed for alice with {PASSWORD} (retrying)") == (
        f"login failed for alice with {MASK} (retrying)")


def test_ordinary_text_and_error_codes_are_left_alone():
    text = "TOKEN_EXPIRED: Your sign-in has expired. request_id=req-42 file=/v/a.mp4"
    assert redact(text) == text


def test_redact_obj_masks_values_under_secret_keys():
    out = redact_obj({"password": "x1", "nested": [{"Authorization": "abc"}], "user": "bob"})
    assert out == {"password": MASK, "nested": [{"Authorization": MASK}], "user": "bob"}


def _log_lines(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_log_file_is_json_lines_with_secrets_redacted_in_every_part(tmp_path):
    add_secret(PASSWORD)
    path = setup_logging(tmp_path / "logs")
    log = logging.getLogger("desktop_app.transfer.client")
    log.warning("sign-in with %s failed", PASSWORD,
                extra={"job_id": "j1", "code": "INVALID_CREDENTIALS",
                       "headers": {"Authorization": f"Bearer {TOKEN}"}})
    try:
        raise RuntimeError(f"boom Bearer {TOKEN}")
    except RuntimeError:
        log.exception("unexpected while sending %s", f"token={TOKEN}")
    text = path.read_text()
    assert TOKEN not in text and PASSWORD not in text
    first, second = _log_lines(path)
    assert first["job_id"] == "j1" and first["code"] == "INVALID_CREDENTIALS"
    assert first["level"] == "WARNING" and first["time"].endswith("+00:00")
    assert first["headers"] == {"Authorization": MASK}
    assert "RuntimeError" in second["exception"] and MASK in second["exception"]
    assert log_files(tmp_path / "logs") == [path]


def test_filter_alone_rewrites_the_record():
    record = logging.LogRecord("desktop_app.x", logging.INFO, __file__, 1,
                               "refresh with %s", (f"refresh_token={TOKEN}",), None)
    assert RedactionFilter().filter(record) is True
    assert TOKEN not in record.getMessage()


def test_setup_is_idempotent_and_follows_a_new_directory(tmp_path):
    a = setup_logging(tmp_path / "a")
    assert setup_logging(tmp_path / "a") == a
    b = setup_logging(tmp_path / "b")
    logging.getLogger("desktop_app.jobs").warning("hello")
    handlers = [h for h in logging.getLogger("desktop_app").handlers
                if getattr(h, "_jobs_log", False)]
    assert len(handlers) == 1
    assert "hello" in b.read_text()
