"""``retry JOB_ID... | --all-failed``: re-run failed jobs from the stage that failed.

Jobs of one server at a time (``--server`` when they belong to several). Output and
exit codes as ``upload``'s (see ``output.py``).
"""

from __future__ import annotations

import argparse
from typing import Any

from desktop_app.commands.options import add_give_up, add_sign_in
from desktop_app.i18n import _


def add_parser(sub: Any) -> None:
    p = sub.add_parser("retry", help="re-run failed jobs")
    p.add_argument("--json", action="store_true")
    p.add_argument("--all-failed", action="store_true")
    add_sign_in(p)
    add_give_up(p)
    p.add_argument("job_ids", nargs="*", metavar="JOB_ID")
    p.set_defaults(run=run, usage_error=usage_error)


def usage_error(args: argparse.Namespace) -> str | None:
    return None if args.all_failed or args.job_ids else "retry needs JOB_ID... or --all-failed"


def run(args: argparse.Namespace) -> int:
    from desktop_app.commands.output import guard

    return guard(args, [], lambda: _retry(args))


def _retry(args: argparse.Namespace) -> int:
    from desktop_app import settings as settings_mod
    from desktop_app.commands.options import session_options
    from desktop_app.commands.output import (
        error_record,
        job_record,
        print_record,
        progress_printer,
        run_until_idle,
    )
    from desktop_app.errors import AppError
    from desktop_app.jobs.model import JobState
    from desktop_app.session import connect, job_store

    store = job_store()
    if args.all_failed:
        targets = store.jobs(states={JobState.FAILED})
    else:
        targets = []
        for job_id in args.job_ids:
            job = store.get(job_id)
            if job is None:
                print_record(args, error_record(job_id, AppError(
                    "INVALID_REQUEST", f"no job {job_id}",
                    message=f"There is no job {job_id} in the queue.")))
                return 1
            targets.append(job)
    if not targets:
        if not args.json:
            print(_("No failed jobs to retry."))
        return 0
    servers = {j.server_url for j in targets}
    if args.server is None and len(servers) > 1:
        raise AppError("INVALID_REQUEST", "jobs for several servers; pass --server",
                       message="These jobs belong to different servers; retry them one "
                       "server at a time with --server.")
    session = connect(settings_mod.load(),
                      session_options(args, server=args.server or servers.pop()))
    try:
        manager = session.open_manager(on_event=progress_printer(args), interactive=False,
                                       store=store, give_up_after_s=args.give_up_after)
        ids = {j.job_id for j in targets}
        run_until_idle(manager, ids, ids)
        failed = 0
        for job in targets:
            now = manager.get(job.job_id)
            record = job_record(store, now) if now else {}
            failed += not record.get("ok")
            print_record(args, record)
        return 1 if failed else 0
    finally:
        session.close()
