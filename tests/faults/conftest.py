"""Fixtures for the fault tests: clips large enough to be mid-upload when a fault hits."""

from __future__ import annotations

import pytest

from tests.fixtures.videos import make_video


@pytest.fixture(scope="module")
def four_clips(tmp_path_factory):
    """Four distinct ~7 MB clips (incompressible frames: several tus chunks each)."""
    root = tmp_path_factory.mktemp("clips")
    return [make_video(root / f"take{i}.mp4", seconds=1.0 + i * 0.1, size=(480, 360),
                       noise=True) for i in range(4)]
