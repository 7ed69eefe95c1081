"""`python main.py validate|analyze` as a user runs them: one JSON line per file, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures.videos import UNKNOWN_CODEC_TAG

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str | Path, env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, env=env)


def lines(proc: subprocess.CompletedProcess[str]) -> list[dict]:
    return [json.loads(line) for line in proc.stdout.splitlines()]


def test_validate_json_one_line_per_file_in_order(sample_video, broken, tmp_path):
    files = [sample_video, broken["pdf"], broken["directory"], broken["truncated_without_index"],
             broken["unknown_codec"], tmp_path / "missing.mp4"]
    proc = run("validate", "--json", *files)
    assert proc.returncode == 1, proc.stderr
    records = lines(proc)
    assert [r["file"] for r in records] == [str(f) for f in files]
    assert [r["error_code"] for r in records] == [None, "INVALID_FILE_TYPE", "NOT_A_FILE", "VIDEO_CORRUPTED",
                                                  "VIDEO_UNSUPPORTED_CODEC", "FILE_NOT_FOUND"]
    assert [r["status"] for r in records] == ["ok"] + ["failed"] * 5
    good = records[0]
    assert good["ok"] is True and (good["codec"], good["width"], good["frame_count"]) == ("H.264", 320, 60)
    assert "PDF document" in records[1]["error"] and records[1]["hint"]
    assert UNKNOWN_CODEC_TAG in records[4]["error"]
    assert "Traceback" not in proc.stderr


def test_all_good_exits_zero(sample_video, video_factory):
    proc = run("validate", "--json", sample_video, video_factory("vp9.webm", seconds=1.0, codec="libvpx-vp9"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert all(r["ok"] for r in lines(proc))


def test_job_fields_are_checked_per_file(sample_video):
    proc = run("validate", "--json", "--user-id", "alice", "--recorded-at", "not-a-date", sample_video)
    (record,) = lines(proc)
    assert proc.returncode == 1
    assert record["error_code"] == "INVALID_TIMESTAMP" and record["field"] == "recorded_at"
    proc = run("validate", "--json", "--user-id", " ", sample_video)
    assert lines(proc)[0]["error_code"] == "MISSING_FIELD"
    proc = run("validate", "--json", "--user-id", "alice", "--recorded-at", "2026-05-01T14:30:00Z", sample_video)
    assert proc.returncode == 0 and lines(proc)[0]["ok"]


def test_usage_error_exits_two():
    proc = run("validate", "--json")
    assert proc.returncode == 2 and "FILE" in proc.stderr


def test_analyze_json_adds_metrics(scenes_video, broken):
    proc = run("analyze", "--json", scenes_video, broken["empty"])
    assert proc.returncode == 1
    good, bad = lines(proc)
    assert good["ok"] and len(good["sha256"]) == 64 and len(good["scene_cuts"]) == 3
    assert len(good["black_segments"]) == 1 and good["thumbnail_bytes"] > 0
    assert bad["error_code"] == "INVALID_FILE_TYPE" and "empty" in bad["error"]


def test_human_output_says_what_and_what_to_do(sample_video, broken):
    proc = run("validate", sample_video, broken["audio_only"])
    assert proc.returncode == 1
    assert "OK" in proc.stdout and "320x240" in proc.stdout
    assert "VIDEO_UNPROCESSABLE: This file has no video track, only audio (AAC)." in proc.stdout
    assert "What to do:" in proc.stdout and "1 ok, 1 failed" in proc.stdout


@pytest.mark.parametrize("command", ["validate", "analyze"])
def test_no_traceback_whatever_the_file(command, broken, tmp_path, sample_video):
    odd = tmp_path / "caf\udce9.mp4"  # a name that is not valid UTF-8
    odd_bytes = os.fsencode(str(odd))
    with open(odd_bytes, "wb") as fh:
        fh.write(sample_video.read_bytes())
    files = [*broken.values(), "/proc/self/mem", odd, tmp_path, ""]
    proc = run(command, "--json", *files, env_extra={"LC_ALL": "C", "PYTHONIOENCODING": "ascii"})
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    records = lines(proc)
    assert len(records) == len(files) and proc.returncode == 1
    assert all(r["error_code"] != "UNEXPECTED_ERROR" for r in records), records
    assert records[-3]["ok"], records[-3]  # the oddly named file is a good video
