"""A second `main.py FILE...` hands its files to the open window instead of starting another."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from desktop_app.gui.desktop.single_instance import InstanceServer, hand_off, socket_name

ROOT = Path(__file__).resolve().parents[2]


def test_second_start_hands_files_to_running_window(qtbot, tmp_path):
    video = tmp_path / "beach take 3.mp4"
    video.write_bytes(b"\x00" * 100)
    instance = InstanceServer()
    assert instance.listen()
    try:
        with qtbot.waitSignal(instance.files_received, timeout=30_000) as got:
            proc = subprocess.Popen([sys.executable, str(ROOT / "main.py"), str(video)],
                                    cwd=tmp_path, env=dict(os.environ), text=True,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, err = proc.communicate(timeout=30)
    finally:
        instance.close()
    assert got.args[0] == [str(video)]
    assert proc.returncode == 0, err
    assert "Handed 1 file to the open window" in out


def test_no_window_means_no_hand_off(qtbot):
    assert hand_off(["/tmp/x.mp4"], name=socket_name() + "-nobody") is False


def test_socket_name_follows_the_state_dir(monkeypatch, tmp_path):
    first = socket_name()
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "other"))
    assert socket_name() != first
