"""``upload --watch DIR [--watch DIR2] [--settle S]``: queue what appears, until interrupted.

The videos already in the folders and each new or changed one (recursively), once it
stopped growing (``watch/``), go through the whole pipeline as with ``upload FILE``; files
the job store knows (uploaded by an earlier run, or by the window) are left alone, and a
file the server already has ends "already on the server" with nothing sent. One line (or
JSON object) per file as its job finishes; Ctrl+C (or SIGTERM) stops: unfinished jobs stay
in the store and resume next time. Exit 0, or 1 when any job failed.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from typing import Any

from desktop_app.i18n import _


def run(args: argparse.Namespace) -> int:
    from desktop_app.commands.output import guard

    return guard(args, [], lambda: _watch(args))


def _watch(args: argparse.Namespace) -> int:
    from desktop_app import settings as settings_mod
    from desktop_app.commands.options import session_options
    from desktop_app.commands.output import job_record, print_record, progress_printer
    from desktop_app.commands.upload import hash_wait
    from desktop_app.jobs.known import Request
    from desktop_app.jobs.model import Event, JobAdded, JobChanged
    from desktop_app.session import connect
    from desktop_app.watch.folders import WatchedFolder

    session = connect(settings_mod.load(), session_options(args))
    ours: set[str] = set()
    failed: list[str] = []
    lock = threading.Lock()
    printer = progress_printer(args)

    def on_event(event: Event) -> None:
        if printer is not None:
            printer(event)
        if isinstance(event, JobAdded):
            with lock:
                ours.add(event.job.job_id)
        elif isinstance(event, JobChanged) and event.job.state.finished:
            with lock:
                if event.job.job_id not in ours:
                    return
                ours.discard(event.job.job_id)
            record = job_record(session.manager.store, event.job)
            if not record["ok"]:
                failed.append(event.job.job_id)
            print_record(args, record)

    stop = threading.Event()
    previous = _on_sigterm(stop)
    try:
        manager = session.open_manager(on_event=on_event, interactive=False,
                                       **hash_wait(args))
        session.start_hands_off()
        manager.start(resume_only=set())  # this run's own jobs only
        session.watch([WatchedFolder(d) for d in args.watch], settle_s=args.settle,
                      request=Request(args.user_id, args.session, args.session_title,
                                      args.recorded_at))
        print(_("Watching {path} (Ctrl+C to stop)").format(path=", ".join(args.watch)),
              file=sys.stderr, flush=True)
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        session.close()  # running stages stop; their jobs stay queued for next time
    print(_("Stopped watching; unfinished jobs resume next time."), file=sys.stderr, flush=True)
    return 1 if failed else 0


def _on_sigterm(stop: threading.Event) -> Any:
    return signal.signal(signal.SIGTERM, lambda _sig, _frame: stop.set())
