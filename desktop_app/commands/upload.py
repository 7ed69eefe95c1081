"""``upload [--server URL] [...] FILE...``: files through the whole pipeline.

Prints one line per file (see ``output.py``); exit 0 when every file is stored, 1 when
any failed, 2 for bad usage. Re-running ``upload`` on the same files resumes their
unfinished jobs, retries their failed ones and reports files already stored as done
without sending them again (the manager's rule, ``jobs/known.py``); ``--force``
uploads anew (also when the server already has the same bytes under another name).
``--hash-wait SECONDS`` sets how long the first byte waits for the file's checksum (the
setting ``duplicate_check_wait_s``): 0 starts every upload at once, a large file's
duplicate then being caught once its checksum is known, after some bytes went out.
``--tus URL`` uploads to a plain tus endpoint instead (``upload_tus.py``); ``--watch DIR``
queues the videos that appear in DIR until interrupted (``watch.py``).
"""

from __future__ import annotations

import argparse
from typing import Any

from desktop_app.commands.options import add_give_up, add_sign_in, attempts, positive_int
from desktop_app.settings import DUPLICATE_CHECK_WAIT_S, MAX_DUPLICATE_CHECK_WAIT_S


def add_parser(sub: Any) -> None:
    p = sub.add_parser("upload", help="upload files through the whole pipeline")
    p.add_argument("--json", action="store_true", help="one JSON object per line per file")
    p.add_argument("--tus", metavar="URL", help="upload to a plain tus 1.0 endpoint instead")
    p.add_argument("--header", action="append", default=[], metavar="NAME=VALUE",
                   help="extra request header for --tus (repeatable)")
    add_sign_in(p)
    p.add_argument("--user-id")
    session = p.add_mutually_exclusive_group()
    session.add_argument("--session", metavar="ID")
    session.add_argument("--session-title", metavar="TITLE")
    p.add_argument("--recorded-at")
    p.add_argument("--attempts", type=attempts, help="retry attempts per request (3-5)")
    p.add_argument("--chunk-size", type=positive_int, help="tus chunk size in bytes")
    p.add_argument("--limit-kbps", type=positive_int, help="bandwidth limit in KiB/s")
    add_give_up(p)
    p.add_argument("--force", action="store_true", help="upload again even if already stored")
    p.add_argument("--hash-wait", type=float, default=None, metavar="SECONDS",
                   help="the first byte waits up to this long for the file's checksum, so "
                   "a file the server already has sends nothing; a later checksum stops "
                   f"the upload then (default: the setting, {DUPLICATE_CHECK_WAIT_S:g})")
    p.add_argument("--watch", action="append", default=[], metavar="DIR",
                   help="queue the videos that settle in DIR (recursively) until interrupted "
                   "(repeatable)")
    p.add_argument("--settle", type=float, default=None, metavar="SECONDS",
                   help="with --watch: how long a file must stay unchanged (default 5)")
    p.add_argument("files", nargs="*", metavar="FILE")
    p.set_defaults(run=run, usage_error=_usage_error)


def _usage_error(args: argparse.Namespace) -> str | None:
    if not args.files and not args.watch:
        return "give the files to upload, or --watch DIR"
    if args.watch and (args.files or args.tus):
        return "--watch runs on its own: no FILE and no --tus with it"
    if args.settle is not None and not 0.5 <= args.settle <= 600:
        return "--settle must be between 0.5 and 600 seconds"
    if args.hash_wait is not None and not 0 <= args.hash_wait <= MAX_DUPLICATE_CHECK_WAIT_S:
        return f"--hash-wait must be between 0 and {MAX_DUPLICATE_CHECK_WAIT_S:g} seconds"
    return None


def hash_wait(args: argparse.Namespace) -> dict[str, Any]:
    """``--hash-wait`` for ``open_manager`` (none given: the setting's value)."""
    return {} if args.hash_wait is None else {"duplicate_check_wait_s": args.hash_wait}


def run(args: argparse.Namespace) -> int:
    if args.tus:
        from desktop_app.commands import upload_tus

        return upload_tus.run(args)
    if args.watch:
        from desktop_app.commands import watch

        return watch.run(args)
    from desktop_app.commands.output import guard

    return guard(args, list(args.files), lambda: _upload(args))


def _upload(args: argparse.Namespace) -> int:
    from desktop_app import settings as settings_mod
    from desktop_app.commands.options import session_options
    from desktop_app.commands.output import (
        error_record,
        job_record,
        print_record,
        progress_printer,
        run_until_idle,
    )
    from desktop_app.jobs.control import test_hook
    from desktop_app.jobs.known import Request
    from desktop_app.session import connect

    session = connect(settings_mod.load(), session_options(args))
    try:
        manager = session.open_manager(on_event=progress_printer(args), interactive=False,
                                       give_up_after_s=args.give_up_after,
                                       **hash_wait(args))
        session.start_hands_off()  # network back: retry now; the machine kept awake
        request = Request(args.user_id, args.session, args.session_title, args.recorded_at)
        added = manager.submit(args.files, request, force=args.force)  # committed first
        ids = {a.job.job_id for a in added if a.job is not None and not a.already_stored}
        test_hook("queued", ",".join(sorted(ids)))
        run_until_idle(manager, ids)
        failed = 0
        for entry in added:
            if entry.error is not None:
                record = error_record(entry.file, entry.error)
            elif entry.already_stored and entry.job is not None:
                record = job_record(manager.store, entry.job, entry.file, already_stored=True)
            else:
                job = manager.get(entry.job.job_id) if entry.job else None
                record = job_record(manager.store, job, entry.file,
                                    resumed=entry.known) if job else {}
            failed += not record.get("ok")
            print_record(args, record)
        return 1 if failed else 0
    finally:
        session.close()
