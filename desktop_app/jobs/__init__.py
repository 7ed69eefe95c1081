"""The job pipeline: a persistent queue, stage workers, failure records, monitoring.

    model.py       Job, JobState, Stage, FailureRecord and the events front ends receive
    api.py         JobManagerAPI: what the GUI and CLI may call
    store.py       SQLite (WAL) job store; transition() is the only way a state changes
    migrations.py  schema versions (PRAGMA user_version)
    manager.py     JobManager: submit/add files, pause/resume/cancel/retry, resume on start
    known.py       re-adding a file the store knows continues its job
    batch.py       a batch's session title and its one alert
    lifecycle.py   every state move (+ event), per-job stop control, the queue to the pools
    stages.py      what each pool does for a job (quick checks, upload, process)
    beside.py      the sha256 pass and the analysis that run beside a job's upload
    track.py       where the upload and those passes hand over results and errors
    failures.py    where a stage's error goes (pause, sign-in wait, server wait, record)
    waits.py       sign-in / server waits, connection state
    control.py     per-job stop control; the crash-test hook
    pools.py       worker pools, scheduler, progress throttle
    integrity.py   server sha256 equals the local one (file unchanged: files.FileIdentity)
    backend.py     what the manager needs on top of transfer.BackendClient
    log.py         rotating JSON-lines log; redact.py  secret redaction
    monitor.py     error/retry counters and alerts; bundle.py  support bundle zip

The front ends build the manager through ``desktop_app.session``; the commands that
drive it live in ``desktop_app.commands``.

No Qt here: the GUI wraps ``on_event`` in a queued signal.
"""
