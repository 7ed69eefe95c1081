"""The front ends' commands, one module per command: its options beside the code that
reads them, and ``run(args) -> exit code``.

    validate, analyze   media checks and analysis, no server (validate.py, analyze.py)
    serve               the reference backend (serve.py)
    upload              the whole pipeline, or ``--tus URL``: plain tus (upload.py, upload_tus.py)
    jobs, retry, support-bundle   the local job store (jobs.py, retry.py, support_bundle.py)
    (no command)        the window, or ``--self-test`` (gui.py)

Each module imports only argparse-level things at import time: ``desktop_app.cli``
builds the parser from all of them, so ``--help`` stays fast; ``run`` imports what it
needs. The pipeline commands build the core through ``desktop_app.session``.
"""
