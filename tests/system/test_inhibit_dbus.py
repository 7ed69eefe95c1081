"""The Linux sleep inhibitor against a real D-Bus bus (dbus-daemon) and stand-ins for the
desktop portal and logind: the call is made while uploads run, released when idle."""

from __future__ import annotations

import pytest

from desktop_app.jobs.model import JobState
from desktop_app.session import Options, connect, job_store
from desktop_app.settings import Settings
from desktop_app.system.api import ManualNetwork, OsHooks
from desktop_app.system.inhibit_dbus import PORTAL_IDLE, PORTAL_SUSPEND, DBusInhibitor
from tests.jobs.helpers import Recorder

pytestmark = pytest.mark.needs_tool


def test_portal_inhibit_is_held_until_its_request_is_closed(dbus_bus, portal_stand_in):
    inhibitor = DBusInhibitor(portal_bus=dbus_bus, logind_bus=None)
    inhibitor.hold("Uploading videos")
    assert portal_stand_in.inhibited.is_set() and inhibitor.how == "portal"
    (name, (window, flags, options)), = portal_stand_in.calls
    assert name == "org.freedesktop.portal.Inhibit.Inhibit" and window == ""
    assert flags == PORTAL_SUSPEND | PORTAL_IDLE and options["reason"] == ("s", "Uploading videos")
    inhibitor.hold("again")  # one hold, not two
    assert len(portal_stand_in.calls) == 1 and not portal_stand_in.released.is_set()
    inhibitor.release()
    assert portal_stand_in.released.wait(5) and not inhibitor.held
    assert portal_stand_in.calls[-1][0] == "org.freedesktop.portal.Request.Close"


def test_logind_inhibit_fd_is_closed_on_release(dbus_bus, logind_stand_in):
    inhibitor = DBusInhibitor(portal_bus=None, logind_bus=dbus_bus)
    inhibitor.hold("Uploading videos")
    assert logind_stand_in.inhibited.wait(5) and inhibitor.how == "logind"
    (name, body), = logind_stand_in.calls
    assert name == "org.freedesktop.login1.Manager.Inhibit"
    assert body == ("sleep:idle", "Video Uploader", "Uploading videos", "block")
    assert not logind_stand_in.released.wait(0.5)  # held: the fd is open
    inhibitor.release()
    assert logind_stand_in.released.wait(5)


def test_without_a_portal_logind_is_used_and_without_either_nothing_breaks(
        dbus_bus, logind_stand_in):
    inhibitor = DBusInhibitor(portal_bus=dbus_bus, logind_bus=dbus_bus)
    inhibitor.hold("Uploading videos")  # no portal on this bus: logind's turn
    assert inhibitor.how == "logind" and logind_stand_in.inhibited.wait(5)
    inhibitor.release()
    assert logind_stand_in.released.wait(5)
    nowhere = DBusInhibitor(portal_bus="unix:path=/nonexistent/bus", logind_bus=None)
    nowhere.hold("Uploading videos")
    assert not nowhere.held
    nowhere.release()


def test_uploads_hold_the_portal_inhibitor_while_they_run_and_close_it_when_idle(
        server, sample_video, tmp_path, dbus_bus, portal_stand_in):
    session = connect(Settings(), Options(server=server.url, username=server.username,
                                          password=server.password, limit_kbps=64))
    try:
        rec = Recorder()
        manager = session.open_manager(on_event=rec, interactive=True,
                                       store=job_store(tmp_path / "jobs.sqlite3"))
        session.start_hands_off(OsHooks(ManualNetwork(),
                                        DBusInhibitor(portal_bus=dbus_bus, logind_bus=None)))
        manager.start()
        [job] = manager.add_files([str(sample_video)])
        assert portal_stand_in.inhibited.wait(30)
        assert manager.get(job.job_id).state is not JobState.DONE
        assert not portal_stand_in.released.is_set()  # held while the job runs
        rec.wait(rec.state_reached(job.job_id, JobState.DONE))
        assert portal_stand_in.released.wait(10)  # the queue is idle: Close called
    finally:
        session.close()
    assert [c[0].rsplit(".", 1)[1] for c in portal_stand_in.calls] == ["Inhibit", "Close"]
