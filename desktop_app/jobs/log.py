"""Rotating JSON-lines log under the platform log directory, secrets redacted.

One line per record: ``{"time", "level", "logger", "message", ...extra}`` where
the extras are the fields support searches by (``job_id``, ``code``,
``request_id``, ``resource``, ``attempt``, ``delay_s``, ``file``). Everything
under the ``desktop_app`` logger lands here, including the transfer layer's
retry and breaker lines.

Redaction is a ``logging.Filter`` on the handler (filters on a logger do not see
records propagated from child loggers), so no record reaches the file, or the
console, without passing through ``redact``.

The log never gets in the way: a record it cannot write (a full disk) is dropped and
counted, never printed as ``--- Logging error ---`` with a traceback on the terminal,
and a log folder that cannot be created means no log file, not a failed command.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import logging.handlers
from pathlib import Path
from typing import Any

from desktop_app import paths
from desktop_app.errors import AppError
from desktop_app.jobs.redact import redact, redact_obj

LOG_NAME = "app.jsonl"
MAX_BYTES = 5 * 1024 * 1024
BACKUPS = 5

# Attributes every LogRecord has; anything else was passed as ``extra=``.
_STANDARD = set(vars(logging.LogRecord("x", 0, "x", 0, "x", None, None))) | {"message", "asctime"}


class RedactionFilter(logging.Filter):
    """Rewrites the record in place: message (with its args), traceback and extras."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the record
            message = f"{record.msg!r} {record.args!r}"
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
            record.exc_info = None  # the formatter must use the redacted text
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        for key, value in list(vars(record).items()):
            if key not in _STANDARD and key not in ("msg", "args"):
                setattr(record, key, redact_obj(value))
        return True


class JsonLinesFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in entry:
                entry[key] = value
        if record.exc_text:
            entry["exception"] = record.exc_text
        elif record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def log_path(directory: Path | None = None) -> Path:
    return (directory or paths.log_dir()) / LOG_NAME


class _JobsLogHandler(logging.handlers.RotatingFileHandler):
    """The app's JSON-lines log (one per process; set up again only for another path)."""

    _jobs_log = True  # how tests (and log tools) tell it from other handlers
    dropped = 0  # records that could not be written (the disk is full, the file is gone)

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - logging's name
        # The default prints a traceback to stderr. A log line that cannot be written must
        # not become output the user sees (the job records say what went wrong).
        self.dropped += 1

    def close(self) -> None:
        try:
            super().close()  # flushes what is buffered: a full disk refuses it (the file
        except OSError:      # is closed all the same)
            self.dropped += 1


def setup_logging(directory: Path | None = None, level: int = logging.INFO) -> Path:
    """Attach the JSON-lines file handler to the ``desktop_app`` logger.

    Idempotent: calling again with another directory (tests use a fresh one each)
    replaces the handler instead of adding a second.
    """
    logger = logging.getLogger("desktop_app")
    try:
        path = log_path(directory)
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError:  # no room for the folder (a full disk): run without a log file
        return _without_file(logger, directory)
    for old in list(logger.handlers):
        if isinstance(old, _JobsLogHandler):
            if Path(old.baseFilename) == path:
                return path
            logger.removeHandler(old)
            old.close()
    try:
        handler = _JobsLogHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS,
                                  encoding="utf-8")
    except OSError:
        return _without_file(logger, directory)
    handler.addFilter(RedactionFilter())
    handler.setFormatter(JsonLinesFormatter())
    logger.addHandler(handler)
    if logger.level == logging.NOTSET or logger.level > level:
        logger.setLevel(level)
    return path


def _without_file(logger: logging.Logger, directory: Path | None) -> Path:
    """No log file can be made: records go nowhere (not to logging's last-resort handler,
    which would print them, tracebacks included, on the terminal)."""
    if not logger.handlers:
        logger.addHandler(logging.NullHandler())
    return directory / LOG_NAME if directory is not None else Path(LOG_NAME)


def log_files(directory: Path | None = None) -> list[Path]:
    """The current log and its rotated predecessors, oldest first."""
    path = log_path(directory)
    olds = [path.with_name(f"{LOG_NAME}.{i}") for i in range(BACKUPS, 0, -1)]
    return [p for p in [*olds, path] if p.exists()]


def error_fields(err: AppError) -> dict[str, Any]:
    """``extra=`` for a log line about an error: what support searches by."""
    return {"code": err.code, "http_status": err.status, "request_id": err.request_id,
            "file": err.file, "stage": err.stage}
