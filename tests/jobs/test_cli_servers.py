"""Which server `upload` talks to: the configured one (with the stored sign-in), else the
embedded reference backend, whose jobs resume across runs although its port changes."""

from __future__ import annotations

import io
import json

from desktop_app import settings as settings_mod
from desktop_app.cli import main
from desktop_app.session import EMBEDDED_KEY, make_client
from tests.jobs.helpers import server_videos, sha256


def _cli(argv, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    code = main(argv)
    return code, [json.loads(x) for x in capsys.readouterr().out.splitlines() if x.startswith("{")]


def test_configured_server_and_stored_sign_in_are_used(server, sample_video, monkeypatch,
                                                       capsys):
    settings = settings_mod.Settings(server_url=server.url, username=server.username)
    with make_client(server.url, settings) as client:
        client.sign_in(server.username, server.password)  # as the window's sign-in does
    settings_mod.save(settings)
    code, records = _cli(["upload", "--json", str(sample_video)], monkeypatch, capsys)
    assert code == 0 and records[0]["ok"]
    assert [v["sha256"] for v in server_videos(server)] == [sha256(sample_video)]


def test_without_any_server_the_embedded_backend_is_used_and_remembered(sample_video,
                                                                        monkeypatch, capsys):
    code, first = _cli(["upload", "--json", str(sample_video)], monkeypatch, capsys)
    assert code == 0 and first[0]["ok"] and first[0]["sha256"] == sha256(sample_video)
    code, listed = _cli(["jobs", "--json"], monkeypatch, capsys)
    assert listed[0]["server"] == EMBEDDED_KEY
    # a new run starts the embedded backend on another port: the job is still known
    code, again = _cli(["upload", "--json", str(sample_video)], monkeypatch, capsys)
    assert code == 0 and again[0]["already_stored"] and again[0]["job_id"] == first[0]["job_id"]


def test_no_sign_in_for_a_configured_server_says_how_to_sign_in(server, sample_video,
                                                                monkeypatch, capsys):
    settings_mod.save(settings_mod.Settings(server_url=server.url))
    code, records = _cli(["upload", "--json", str(sample_video)], monkeypatch, capsys)
    assert code == 1 and records[0]["error_code"] == "AUTH_REQUIRED"
    assert "--password-stdin" in records[0]["error"]


def test_cli_uploads_into_the_default_session_from_settings(server, sample_video,
                                                            monkeypatch, capsys):
    # The window's Settings -> default session applies to the CLI too (one composition root).
    with make_client(server.url, settings_mod.Settings()) as client:
        tokens = client.sign_in(server.username, server.password)
        session = client.create_session(tokens.user_id, "Shoot 12")
    settings_mod.save(settings_mod.Settings(default_session_id=session.session_id))
    monkeypatch.setattr("sys.stdin", io.StringIO(server.password))
    code = main(["upload", "--json", "--server", server.url, "--username", server.username,
                 "--password-stdin", str(sample_video)])
    (record,) = [json.loads(x) for x in capsys.readouterr().out.splitlines() if x.startswith("{")]
    assert code == 0 and record["ok"]
    assert [v["session_id"] for v in server_videos(server)] == [session.session_id]
