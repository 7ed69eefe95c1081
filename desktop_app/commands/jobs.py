"""``jobs [--json] [--failed]``: the jobs in the local store, one line each."""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(sub: Any) -> None:
    p = sub.add_parser("jobs", help="list jobs in the local store")
    p.add_argument("--json", action="store_true")
    p.add_argument("--failed", action="store_true", help="only failed jobs")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from desktop_app.commands.output import guard

    return guard(args, [], lambda: _list(args))


def _list(args: argparse.Namespace) -> int:
    import json

    from desktop_app.commands.output import job_record
    from desktop_app.errors import shown_message
    from desktop_app.jobs.model import JobState
    from desktop_app.session import job_store

    store = job_store()
    for job in store.jobs(states={JobState.FAILED} if args.failed else None):
        record = job_record(store, job)
        record.update(stage=job.stage.value, server=job.server_url,
                      upload_url_stored=bool(job.upload_url))
        if args.json:
            print(json.dumps(record), flush=True)
        else:
            code = record["error_code"] or ""
            why = f"  {code}: {shown_message(record['error'] or '', code)}" if job.failure else ""
            print(f"{job.job_id}  {job.state.value:<14} {job.stage.value:<8} "
                  f"{job.path}{why}", flush=True)
    return 0
