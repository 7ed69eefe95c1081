"""Scene cuts, black and frozen segments land on their exact frames (issue 15).

The clips come from tests/fixtures/scenes.py: shots concatenated by ffmpeg, so the
truth is known to the frame. Cuts fall on odd frames between unlike moving sources;
pans and dissolves are bait that must not count as cuts.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_app.gui.models.analysis_view import summary_lines, timeline
from desktop_app.media.analyse import analyse
from tests.fixtures.scenes import SCENE_CLIPS

ROOT = Path(__file__).resolve().parents[2]


def frames_of(segments):
    return [(s.start_frame, s.end_frame) for s in segments]


@pytest.mark.parametrize("name", sorted(SCENE_CLIPS))
def test_cuts_and_segments_are_on_their_exact_frames(scene_clips, name):
    path, spec = scene_clips[name]
    a = analyse(path)
    assert a.frame_count == spec.frames
    assert a.scene_cut_frames == spec.cuts
    assert frames_of(a.black_segments) == spec.black
    assert frames_of(a.frozen_segments) == spec.frozen


@pytest.mark.parametrize("name", ["odd", "ntsc_vp9", "vfr"])
def test_seconds_are_the_times_of_those_frames(scene_clips, name):
    """Times are when each frame is shown (its timestamp), also at 23.976 fps and at a
    variable rate; a segment that runs to the end ends at the clip's end."""
    path, spec = scene_clips[name]
    a = analyse(path)
    assert a.scene_cuts == pytest.approx([spec.time(f) for f in spec.cuts], abs=0.0011)
    for seg in a.black_segments + a.frozen_segments:
        assert seg.start_s == pytest.approx(spec.time(seg.start_frame), abs=0.0011)
        end = a.duration_s if seg.end_frame == spec.frames else spec.time(seg.end_frame)
        assert seg.end_s == pytest.approx(end, abs=0.0011)


def test_fast_pans_and_slow_dissolves_are_not_cuts(scene_clips):
    path, spec = scene_clips["bait"]
    a = analyse(path)
    inside_bait = [f for f in a.scene_cut_frames if f not in spec.cuts]
    assert inside_bait == [] and a.scene_cut_frames == spec.cuts
    assert a.black_segments == [] and a.frozen_segments == []


def test_analyze_json_gives_the_issues_clip_to_the_frame(scene_clips):
    """The issue's 9 s clip (cuts at frames 60, 120, 150, 210; black 4-5 s; frozen from
    7 s), through the command a user runs."""
    path, _ = scene_clips["issue"]
    proc = subprocess.run([sys.executable, str(ROOT / "main.py"), "analyze", "--json", str(path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout)
    assert record["scene_cut_frames"] == [60, 120, 150, 210]
    assert record["scene_cuts"] == [2.0, 4.0, 5.0, 7.0]
    assert record["black_segments"] == [{"start_s": 4.0, "end_s": 5.0, "start_frame": 120, "end_frame": 150}]
    assert record["frozen_segments"] == [{"start_s": 7.0, "end_s": 9.0, "start_frame": 210, "end_frame": 270}]


def test_the_details_pane_reads_the_new_record_in_seconds(scene_clips):
    """The GUI's timeline and summary read the analysis dict: same keys, seconds."""
    path, _ = scene_clips["issue"]
    record = analyse(path).to_dict()
    tl = timeline(record)
    assert tl.cuts == [2.0, 4.0, 5.0, 7.0]
    assert tl.black == [(4.0, 5.0)] and tl.frozen == [(7.0, 9.0)] and tl.duration == 9.0
    assert "1 black segment, 1 frozen segment, 4 scene cuts" in summary_lines(record)[1]


def test_one_cut_in_a_long_clip_costs_about_one_gop(scene_clips):
    """Placing the cut re-decodes from the keyframe before it (every 60 frames here),
    not the clip: the one-pass cost stays."""
    path, spec = scene_clips["one_cut"]
    a = analyse(path)
    assert a.scene_cut_frames == [333]
    assert a.redecoded_frames <= 60 + 16 + 9  # a GOP, the seek's lead, one stretch


@pytest.mark.parametrize("name", sorted(SCENE_CLIPS))
def test_never_more_than_one_more_pass(scene_clips, name):
    path, spec = scene_clips[name]
    assert analyse(path).redecoded_frames <= spec.frames
