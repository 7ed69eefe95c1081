"""What counts as a video is media/formats' answer, in the folder walk and the file dialog."""

from __future__ import annotations

from desktop_app.gui.dialogs.factory import video_filter
from desktop_app.gui.threads.intake import collect
from desktop_app.media.formats import VIDEO_SUFFIXES


def test_a_dropped_folder_keeps_every_video_type_and_skips_the_rest(tmp_path):
    for suffix in VIDEO_SUFFIXES:
        (tmp_path / f"clip{suffix.upper()}").write_bytes(b"x")  # case does not matter
    (tmp_path / "notes.txt").write_text("shot list")
    (tmp_path / "still.jpg").write_bytes(b"\xff\xd8\xff")
    videos, not_video, missing = collect([str(tmp_path)])
    assert len(videos) == len(VIDEO_SUFFIXES) and (not_video, missing) == (2, 0)


def test_the_add_files_dialog_offers_every_video_type():
    offered = video_filter().split(";;")[0]
    assert offered.startswith("Videos (") and offered.endswith(")")
    assert set(offered[len("Videos ("):-1].split()) == {f"*{s}" for s in VIDEO_SUFFIXES}
