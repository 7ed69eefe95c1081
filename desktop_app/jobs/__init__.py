"""The job pipeline: a persistent queue, stage workers, failure records, monitoring.

    model.py       Job, JobState, Stage, FailureRecord and the events front ends receive
    api.py         JobManagerAPI: what the GUI and CLI may call
    store.py       SQLite (WAL) job store; transition() is the only way a state changes
    migrations.py  schema versions (PRAGMA user_version)
    manager.py     JobManager: stage pools, pause/resume/cancel/retry, resume on start
    stages.py      what each pool does for a job (validate+analyse, upload, process)
    failures.py    where a stage's error goes (pause, sign-in wait, server wait, record)
    waits.py       sign-in / server waits, connection state, batch alerts
    control.py     per-job stop control; the crash-test hook
    pools.py       worker pools, scheduler, progress throttle
    integrity.py   file unchanged since queued; server sha256 equals the local one
    backend.py     what the manager needs on top of transfer.BackendClient
    connect.py     which server the CLI uses and how it signs in
    log.py         rotating JSON-lines log; redact.py  secret redaction
    monitor.py     error/retry counters and alerts; bundle.py  support bundle zip
    cli.py         `upload`, `jobs`, `retry`, `support-bundle`

No Qt here: the GUI wraps ``on_event`` in a queued signal.
"""
