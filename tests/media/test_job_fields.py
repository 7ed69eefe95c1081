"""Job fields: user_id is required for uploads; recorded_at must be ISO 8601."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop_app.errors import AppError
from desktop_app.media.validate import parse_timestamp, validate_job_fields


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-05-01T14:30:00Z", datetime(2026, 5, 1, 14, 30, tzinfo=UTC)),
    ("2026-05-01T16:30:00+02:00", datetime(2026, 5, 1, 14, 30, tzinfo=UTC)),
    ("2026-05-01T14:30:00.250Z", datetime(2026, 5, 1, 14, 30, 0, 250000, tzinfo=UTC)),
    ("2026-05-01", datetime(2026, 5, 1, tzinfo=UTC)),
    ("2026-05-01T14:30:00", datetime(2026, 5, 1, 14, 30, tzinfo=UTC)),  # no offset: taken as UTC
    ("  2026-05-01T14:30Z ", datetime(2026, 5, 1, 14, 30, tzinfo=UTC)),
])
def test_iso8601_forms_parse(text, expected):
    assert parse_timestamp(text) == expected


@pytest.mark.parametrize("text", ["yesterday", "2026-13-01", "2026-02-30T10:00:00Z", "01/05/2026",
                                  "2026-05-01T25:00", "", "   ", "2026-05-01T14:30:00+25:00", "x" * 100])
def test_invalid_timestamps_are_rejected_naming_the_value(text):
    with pytest.raises(AppError) as info:
        parse_timestamp(text)
    assert info.value.code == "INVALID_TIMESTAMP" and info.value.field == "recorded_at"
    assert "is not a valid date and time" in info.value.message
    assert text.strip()[:20] in info.value.message


@given(st.datetimes(timezones=st.just(UTC)))
def test_any_aware_timestamp_round_trips(moment):
    assert parse_timestamp(moment.isoformat()) == moment


@given(st.datetimes(), st.integers(min_value=-14 * 60, max_value=14 * 60))
def test_offsets_are_honoured(moment, minutes):
    aware = moment.replace(tzinfo=timezone(timedelta(minutes=minutes)))
    assert parse_timestamp(aware.isoformat()) == aware


@pytest.mark.parametrize("user_id", [None, "", "   "])
def test_upload_job_requires_user_id(user_id):
    with pytest.raises(AppError) as info:
        validate_job_fields(user_id, None)
    assert info.value.code == "MISSING_FIELD" and info.value.field == "user_id"
    assert "user id" in info.value.message


def test_user_optional_when_not_required_but_blank_given_is_missing():
    validate_job_fields(None, "2026-05-01T14:30:00Z", require_user=False)
    with pytest.raises(AppError) as info:
        validate_job_fields("", None, require_user=False)
    assert info.value.code == "MISSING_FIELD"


def test_recorded_at_checked_only_when_given():
    validate_job_fields("alice", None)
    validate_job_fields("alice", "")
    validate_job_fields("alice", "2026-05-01T14:30:00+02:00")
    with pytest.raises(AppError) as info:
        validate_job_fields("alice", "last tuesday")
    assert info.value.code == "INVALID_TIMESTAMP" and "last tuesday" in info.value.message
