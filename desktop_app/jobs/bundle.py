"""Support bundle: one zip a user can send so support can see why a job failed.

    job.json       the job, every failure record, its event history
    log.jsonl      the log lines about this job (by job id, file, or request id)
    versions.json  app, Python, OS and library versions
    README.txt     what this is

Everything goes through ``redact`` on the way in: a token or password that
slipped into a detail string or a log line is masked here too.
"""

from __future__ import annotations

import json
import platform
import sys
import time
import zipfile
from dataclasses import asdict
from importlib import metadata
from pathlib import Path
from typing import Any

from desktop_app import __version__
from desktop_app.errors import AppError
from desktop_app.jobs.log import log_files
from desktop_app.jobs.redact import redact, redact_obj
from desktop_app.jobs.store import JobStore

LIBRARIES = ("httpx", "tenacity", "keyring", "platformdirs", "opencv-python-headless", "numpy",
             "PySide6-Essentials", "starlette", "uvicorn")


def versions() -> dict[str, Any]:
    libs: dict[str, str | None] = {}
    for name in LIBRARIES:
        try:
            libs[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            libs[name] = None
    return {"app": __version__, "python": sys.version.split()[0],
            "implementation": platform.python_implementation(),
            "os": platform.platform(), "machine": platform.machine(), "libraries": libs}


def matching_log_lines(job_id: str, *, path: str | None = None,
                       request_ids: set[str] | None = None, log_dir: Path | None = None,
                       limit: int = 5000) -> list[str]:
    """Log lines about this job, oldest first (at most ``limit``, the newest kept)."""
    needles = {job_id} | ({path} if path else set()) | (request_ids or set())
    needles.discard("")
    out: list[str] = []
    for file in log_files(log_dir):
        try:
            lines = file.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue
        for line in lines:
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except ValueError:
                entry = None
            if isinstance(entry, dict):
                hit = entry.get("job_id") == job_id or entry.get("request_id") in needles
                hit = hit or any(n in str(entry.get("message", "")) for n in needles)
                hit = hit or (path is not None and entry.get("file") == path)
            else:
                hit = any(n in line for n in needles)
            if hit:
                out.append(redact(line))
    return out[-limit:]


def export_support_bundle(store: JobStore, job_id: str, dest: str | Path, *,
                          log_dir: Path | None = None) -> str:
    """Write the bundle for ``job_id`` to ``dest`` (a .zip); returns its path."""
    job = store.get(job_id)
    if job is None:
        raise AppError("INVALID_REQUEST", f"no job with id {job_id} in the local store",
                       message=f"There is no job {job_id} in the queue.")
    failures = store.failures(job_id)
    record: dict[str, Any] = {
        "job": asdict(job),
        "failures": [asdict(f) for f in failures],
        "history": store.history(job_id),
        "exported_at": time.time(),
    }
    request_ids = {f.request_id for f in failures if f.request_id}
    request_ids |= {h["request_id"] for h in record["history"] if h.get("request_id")}
    lines = matching_log_lines(job_id, path=job.path, request_ids=request_ids, log_dir=log_dir)
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".part")
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("job.json", json.dumps(redact_obj(record), indent=2, default=str))
            zf.writestr("log.jsonl", "\n".join(lines) + ("\n" if lines else ""))
            zf.writestr("versions.json", json.dumps(versions(), indent=2))
            zf.writestr("README.txt", redact(
                f"Support bundle for job {job_id} ({job.file_name}).\n"
                "job.json: the job, its failure records and event history.\n"
                "log.jsonl: the app's log lines about this job.\n"
                "versions.json: app, OS and library versions.\n"
                "Tokens and passwords are redacted.\n"))
        tmp.replace(dest)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise AppError("FILE_UNREADABLE", f"cannot write {dest}: {exc.strerror or exc}",
                       file=str(dest), message=f"The support bundle could not be saved to {dest}."
                       ) from None
    return str(dest)
