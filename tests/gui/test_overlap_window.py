"""A large clip's row shows its upload and the analysis running beside it."""

from __future__ import annotations

import re

import pytest

from desktop_app.gui.models.columns import Col, Tab
from desktop_app.settings import Settings
from tests.gui.helpers import all_finished, drop, row_for

BOTH = re.compile(r"^Uploading (\d+) % - analysing (\d+) %$")


@pytest.mark.slow
def test_the_row_shows_the_upload_and_the_analysis_side_by_side(make_window, qtbot,
                                                                 video_factory):
    clip = video_factory("overlap-720p.mp4", seconds=15, size=(1280, 720))
    window = make_window(Settings(bandwidth_limit_kbps=1024))  # the upload takes a while
    drop(window, [clip])
    seen: list[str] = []

    def both_shown() -> bool:
        found = row_for(window, clip.name)
        text = found[1][Col.STAGE.value] if found else ""
        if BOTH.match(text):
            seen.append(text)
        return bool(seen)

    qtbot.waitUntil(both_shown, timeout=60_000)
    upload, analysis = map(int, BOTH.match(seen[0]).groups())
    assert 0 <= upload < 100 and 0 <= analysis < 100
    qtbot.waitUntil(lambda: all_finished(window, 1), timeout=120_000)
    tab, row = row_for(window, clip.name)
    assert tab is Tab.COMPLETED and row[Col.STAGE.value] == "Done"
