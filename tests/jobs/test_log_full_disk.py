"""A log that cannot be written stays silent (issue 13, item 3): on main a full disk
printed ``--- Logging error ---`` and a traceback on the terminal for every record."""

from __future__ import annotations

import logging
import os

import pytest

from desktop_app.jobs.log import setup_logging


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_records_the_disk_cannot_take_are_dropped_without_a_word(tmp_path, capfd):
    (tmp_path / "app.jsonl").symlink_to("/dev/full")  # every write: ENOSPC, as on a full disk
    setup_logging(tmp_path)
    log = logging.getLogger("desktop_app.jobs.test")
    try:
        log.error("job x failed: %s", "LOCAL_DISK_FULL")
        try:
            raise OSError(28, "No space left on device")
        except OSError:
            log.exception("and a traceback for the log only")
    finally:
        setup_logging(tmp_path / "elsewhere")  # let go of /dev/full
    err = capfd.readouterr().err
    assert "Logging error" not in err and "Traceback" not in err, err


def test_no_room_for_the_log_folder_is_no_log_not_a_failed_command(tmp_path, capfd):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the log folder should be")
    setup_logging(blocker / "log")  # cannot be created: the command runs on, without a file
    logging.getLogger("desktop_app.jobs.test").error("nowhere to go")
    assert "nowhere to go" not in capfd.readouterr().err
