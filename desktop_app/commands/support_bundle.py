"""``support-bundle JOB_ID -o FILE.zip``: one job's record, history and log lines, redacted."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from desktop_app.i18n import _


def add_parser(sub: Any) -> None:
    p = sub.add_parser("support-bundle", help="export a zip for support (secrets redacted)")
    p.add_argument("job_id", metavar="JOB_ID")
    p.add_argument("-o", "--output", required=True, metavar="FILE.zip")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from desktop_app.errors import AppError
    from desktop_app.jobs.bundle import export_support_bundle
    from desktop_app.jobs.log import setup_logging
    from desktop_app.session import job_store

    try:
        setup_logging()
        print(export_support_bundle(job_store(), args.job_id, args.output))
        return 0
    except AppError as err:
        print(_("error ({code}): {message}").format(code=err.code, message=err.shown_message),
              file=sys.stderr)
        return 1
