"""The error catalogue: every error code the app can show, and the one exception type.

Each code knows its HTTP status, how it is retried, a friendly message a
non-technical user understands, and what the user can do about it. Server codes
come from the API contract (``docs/api-contract.md``); client-side codes
(network, files, cancellation) share the same form so the GUI, the CLI and the
job store treat every failure alike.

    AppError(code, detail, file=..., stage=..., request_id=..., http_status=...)

``AppError.detail`` is technical text for support; it must never contain a
token or password (the job log's redaction filter is the second line of defence).

Messages, hints and actions are written here in English, and stay English wherever they
are stored or printed as data (failure records, ``--json``, logs). What a person reads
goes through ``shown_message`` / ``shown_hint`` / ``shown_action`` (``desktop_app.i18n``),
``shown_hint`` also for whatever ``advice()`` chose (a ``cli_hint``, ``_GAVE_UP``,
``_FIELD_ADVICE``): a row added here is picked up by ``packaging/translations.py extract``
as it is, and
``tests/test_i18n.py`` fails until every shipped language translates it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from desktop_app.i18n import SOURCE_LANGUAGE, _, language


class RetryClass(enum.Enum):
    """How an error is retried automatically."""

    NEVER = "never"
    BACKOFF = "backoff"  # immediately, with exponential backoff and jitter
    RETRY_AFTER = "retry_after"  # after the server's Retry-After (else backoff)
    REFRESH_AUTH = "refresh_auth"  # refresh the token once, then ask the user to sign in


class Family(enum.Enum):
    """Groups of codes that one policy treats alike (a code may be in several)."""

    SIGN_IN = "sign_in"  # the sign-in is gone: refresh once, then ask the user
    UPLOAD_GONE = "upload_gone"  # the server no longer has the partial upload: start it anew
    TIMEOUT = "timeout"  # no answer in time: costs the retry budget more than a refusal
    MANUAL_RETRY = "manual_retry"  # the automatic retries gave up, but a manual Retry may work
    # retried, yet says nothing about the server's health: the circuit breaker ignores it
    BREAKER_NEUTRAL = "breaker_neutral"
    # the server (or the way to it) cannot take the job now: once the request's own retries
    # are spent, the job waits for the server instead of failing, until the batch's give-up
    # deadline passes with no progress at all (jobs/waits.py)
    SERVER_WAIT = "server_wait"


class UserAction(enum.Enum):
    """What the user is told to do when a job fails for good."""

    RETRY = "Retry"
    RESELECT_FILE = "Re-select file"
    CHOOSE_OTHER_FILE = "Choose another file"
    SIGN_IN = "Sign in"
    CHECK_CONNECTION = "Check your connection, then Retry"
    WAIT = "Wait; it retries on its own"
    CONTACT_SUPPORT = "Contact support"
    FIX_DETAILS = "Fix the job details"
    FREE_SPACE = "Free some disk space"
    NONE = "Nothing; it was cancelled"


@dataclass(frozen=True)
class ErrorSpec:
    code: str
    status: int  # HTTP status; client-side codes use the class they are closest to
    retry: RetryClass
    message: str  # friendly sentence: what happened, in plain words
    action: UserAction
    hint: str  # one sentence on what to do
    client_side: bool = False
    families: frozenset[Family] = frozenset()
    # the same advice for the commands, where there is no Retry button ("" = ``hint``)
    cli_hint: str = ""

    @property
    def status_class(self) -> int:
        return self.status // 100 * 100

    @property
    def retryable(self) -> bool:
        return self.retry is not RetryClass.NEVER

    def is_in(self, family: Family) -> bool:
        return family in self.families

    @property
    def shown_message(self) -> str:
        return _(self.message)

    @property
    def shown_hint(self) -> str:
        return _(self.hint)


_SIGN_IN, _GONE, _TIMEOUT, _MANUAL, _NEUTRAL, _WAIT = (
    frozenset({Family.SIGN_IN}), frozenset({Family.UPLOAD_GONE}), frozenset({Family.TIMEOUT}),
    frozenset({Family.MANUAL_RETRY}), frozenset({Family.BREAKER_NEUTRAL}),
    frozenset({Family.SERVER_WAIT}),
)
_RETRY_CLI = "run `retry --all-failed` (or `retry JOB_ID`)"
_N, _B, _RA, _AUTH = (
    RetryClass.NEVER,
    RetryClass.BACKOFF,
    RetryClass.RETRY_AFTER,
    RetryClass.REFRESH_AUTH,
)
A = UserAction

_SPECS: list[ErrorSpec] = [
    # 400: malformed request / bad input
    ErrorSpec("MISSING_FIELD", 400, _N, "Some required information is missing.", A.FIX_DETAILS,
              "Fill in the missing field (for example the user id) and try again.",
              cli_hint="Pass the missing option (see the command's --help) and run it again."),
    ErrorSpec("INVALID_FILE_TYPE", 400, _N, "This file is not a video the app can upload.", A.CHOOSE_OTHER_FILE,
              "Choose a video file (MP4, MOV, MKV, WebM, AVI)."),
    ErrorSpec("INVALID_TIMESTAMP", 400, _N, "The recording time is not a valid date and time.", A.FIX_DETAILS,
              "Use a date like 2026-05-01T14:30:00Z."),
    ErrorSpec("INVALID_REQUEST", 400, _N, "The server could not understand the request.", A.CONTACT_SUPPORT,
              "This is likely a bug; export a support bundle and contact support."),
    # 401: sign-in
    ErrorSpec("AUTH_REQUIRED", 401, _AUTH, "You need to sign in to upload.", A.SIGN_IN,
              "Sign in, and the queue continues.", families=_SIGN_IN),
    ErrorSpec("TOKEN_INVALID", 401, _AUTH, "Your sign-in is no longer valid.", A.SIGN_IN,
              "Sign in again, and the queue continues.", families=_SIGN_IN),
    ErrorSpec("TOKEN_EXPIRED", 401, _AUTH, "Your sign-in has expired.", A.SIGN_IN,
              "Sign in again, and the queue continues where it stopped.", families=_SIGN_IN),
    ErrorSpec("INVALID_CREDENTIALS", 401, _N, "The username or password is not correct.", A.SIGN_IN,
              "Check the username and password and sign in again."),
    # 403
    ErrorSpec("FORBIDDEN", 403, _N, "Your account is not allowed to do this.", A.FIX_DETAILS,
              "Upload as yourself, or ask an administrator to do it for you."),
    # 404 / 405
    ErrorSpec("SESSION_NOT_FOUND", 404, _N, "The recording session no longer exists on the server.", A.FIX_DETAILS,
              "Choose or create another session, then Retry.",
              cli_hint="Pass another session (--session ID or --session-title TITLE) and run `upload` again."),
    ErrorSpec("VIDEO_NOT_FOUND", 404, _N, "The video no longer exists on the server.", A.RETRY,
              "Retry to upload it again.", cli_hint="Run `upload` again for the file; it is sent anew."),
    ErrorSpec("UPLOAD_NOT_FOUND", 404, _N, "The server no longer has the partial upload.", A.RETRY,
              "Retry; the upload starts again from the beginning.", families=_GONE,
              cli_hint=f"To upload it from the beginning, {_RETRY_CLI}."),
    ErrorSpec("NOT_FOUND", 404, _N, "The server does not offer what the app asked for.", A.CONTACT_SUPPORT,
              "Check the server address in Settings; it may not be a video upload server.", families=_GONE),
    ErrorSpec("METHOD_NOT_ALLOWED", 405, _N, "The server refused the kind of request the app sent.", A.CONTACT_SUPPORT,
              "Check the server address in Settings, or contact support."),
    # 409 / 410
    ErrorSpec("UPLOAD_OFFSET_MISMATCH", 409, _B, "The app and the server disagreed on how much was sent.", A.WAIT,
              "The app re-checks with the server and continues on its own.", families=_NEUTRAL),
    ErrorSpec("UPLOAD_INCOMPLETE", 409, _N, "The server has not received the whole file yet.", A.RETRY,
              "Retry; the upload continues where it stopped.",
              cli_hint=f"To continue the upload where it stopped, {_RETRY_CLI}."),
    ErrorSpec("REQUEST_IN_PROGRESS", 409, _B, "The same request is still being handled by the server.", A.WAIT,
              "The app waits and asks again on its own.", families=_NEUTRAL | _WAIT),
    ErrorSpec("UNSUPPORTED_TUS_VERSION", 412, _N, "The server does not speak the upload protocol version the app used.",
              A.CONTACT_SUPPORT, "Check the server address in Settings, or update the app."),
    ErrorSpec("UPLOAD_EXPIRED", 410, _N, "The partial upload expired on the server.", A.RETRY,
              "Retry; the upload starts again from the beginning.", families=_GONE,
              cli_hint=f"To upload it from the beginning, {_RETRY_CLI}."),
    # 413 / 415 / 422
    ErrorSpec("FILE_TOO_LARGE", 413, _N, "This video is larger than the server accepts.", A.CHOOSE_OTHER_FILE,
              "Trim or compress the video, or ask for a higher limit."),
    ErrorSpec("UNSUPPORTED_MEDIA_TYPE", 415, _N, "The server did not accept the format of the request.", A.CONTACT_SUPPORT,
              "Check the server address in Settings, or contact support."),
    ErrorSpec("VIDEO_CORRUPTED", 422, _N, "This video is damaged and cannot be played to the end.", A.CHOOSE_OTHER_FILE,
              "Copy the file again from the camera or card, then Re-select it."),
    ErrorSpec("VIDEO_UNPROCESSABLE", 422, _N, "This file has no picture the app can use.", A.CHOOSE_OTHER_FILE,
              "Choose a file that contains video, not only sound."),
    ErrorSpec("VIDEO_UNSUPPORTED_CODEC", 422, _N, "This video uses a format the app cannot decode.", A.CHOOSE_OTHER_FILE,
              "Convert it to H.264 (MP4) and add it again."),
    ErrorSpec("DECRYPTION_FAILED", 422, _N, "This video is encrypted or protected and cannot be read.", A.CHOOSE_OTHER_FILE,
              "Export an unprotected copy of the video and add that."),
    # 429 / 431 / 460
    ErrorSpec("RATE_LIMITED", 429, _RA, "The server asked the app to slow down.", A.WAIT,
              "The app waits as asked and continues on its own.", families=_WAIT),
    ErrorSpec("TOO_MANY_SIGN_IN_ATTEMPTS", 429, _N, "Too many sign-in attempts; wait a little before trying again.",
              A.SIGN_IN, "Check the username and password, wait the time shown, then sign in again."),
    ErrorSpec("REQUEST_HEADER_TOO_LARGE", 431, _N, "The request sent to the server was too large.", A.CONTACT_SUPPORT,
              "This is likely a bug; export a support bundle and contact support."),
    ErrorSpec("CHECKSUM_MISMATCH", 460, _B, "Part of the file arrived damaged at the server.", A.RETRY,
              "The app resends it on its own; if it keeps failing, check your network.", families=_NEUTRAL),
    # 5xx
    ErrorSpec("TEMPORARY_FAILURE", 500, _B, "The server had a temporary problem.", A.WAIT,
              "The app retries on its own.", families=_WAIT),
    ErrorSpec("INTERNAL_ERROR", 500, _N, "The server ran into an unexpected problem.", A.CONTACT_SUPPORT,
              "Retry later; if it happens again, export a support bundle and contact support.",
              cli_hint=f"Later, {_RETRY_CLI}; if it happens again, run `support-bundle JOB_ID -o "
              "bundle.zip` and contact support."),
    ErrorSpec("BAD_GATEWAY", 502, _B, "The server could not be reached through the network gateway.", A.WAIT,
              "The app retries on its own.", families=_WAIT),
    ErrorSpec("SERVICE_UNAVAILABLE", 503, _RA, "The server is busy or under maintenance.", A.WAIT,
              "The app waits as the server asks and retries on its own.", families=_WAIT),
    ErrorSpec("GATEWAY_TIMEOUT", 504, _B, "The server took too long to answer through the network gateway.", A.WAIT,
              "The app retries on its own.", families=_TIMEOUT | _WAIT),
    # 507: not retried by the request itself (a full disk does not empty in seconds); the job
    # waits and tries again later with a growing delay (jobs/waits.py), like an outage
    ErrorSpec("SERVER_STORAGE_FULL", 507, _N, "The server is out of storage space.", A.WAIT,
              "Ask the server's administrator to free space; the app tries again later on its own.",
              families=_WAIT | _MANUAL,
              cli_hint=f"Ask the server's administrator to free space, then {_RETRY_CLI}."),
    # client side: network
    ErrorSpec("NETWORK_TIMEOUT", 408, _B, "The connection to the server timed out.", A.CHECK_CONNECTION,
              "The app retries on its own; if it keeps failing, check your network.", client_side=True,
              families=_TIMEOUT | _WAIT),
    ErrorSpec("CONNECTION_FAILED", 503, _B, "The app could not connect to the server.", A.CHECK_CONNECTION,
              "Check your internet connection and the server address; the app retries on its own.",
              client_side=True, families=_WAIT),
    ErrorSpec("CONNECTION_REFUSED", 503, _B, "The server refused the connection: it is not running, or not at this "
              "address.", A.CHECK_CONNECTION,
              "The app retries on its own; if it keeps failing, check the server address and that the server runs.",
              client_side=True, families=_WAIT),
    ErrorSpec("CONNECTION_RESET", 503, _B, "The connection to the server was interrupted.", A.CHECK_CONNECTION,
              "The app resumes the upload on its own.", client_side=True, families=_WAIT),
    ErrorSpec("CIRCUIT_OPEN", 503, _N, "The server has been failing, so the app paused sending to it.", A.WAIT,
              "The app tries again at the time shown; press Retry now to try sooner.", client_side=True,
              families=_MANUAL | _WAIT,
              cli_hint="The app waits for the server on its own (see --give-up-after)."),
    ErrorSpec("PROCESSING_TIMEOUT", 504, _N, "The server took too long to process the video.", A.RETRY,
              "Retry later; the upload itself is kept on the server.", client_side=True, families=_MANUAL,
              cli_hint=f"Later, {_RETRY_CLI}; the upload itself is kept on the server."),
    ErrorSpec("SERVER_PROTOCOL_ERROR", 502, _N, "The server answered in a way the app did not expect.", A.CONTACT_SUPPORT,
              "Check the server address in Settings, or contact support.", client_side=True),
    # client side: files
    ErrorSpec("FILE_NOT_FOUND", 400, _N, "The file is no longer where it was added from.", A.RESELECT_FILE,
              "Re-select the file where it is now, or put it back.", client_side=True,
              cli_hint="Put the file back, or upload it from where it is now."),
    ErrorSpec("NOT_A_FILE", 400, _N, "This is a folder or a special file, not a video file.", A.CHOOSE_OTHER_FILE,
              "Choose the video files inside it instead.", client_side=True),
    ErrorSpec("FILE_UNREADABLE", 400, _N, "The app is not allowed to read this file.", A.RESELECT_FILE,
              "Check the file's permissions, or copy it somewhere you can read it.", client_side=True),
    ErrorSpec("FILE_CHANGED", 409, _N, "The file changed after it was added to the queue.", A.RESELECT_FILE,
              "Wait until the file is fully copied or saved, then Re-select it.", client_side=True,
              cli_hint="Wait until the file is fully copied or saved, then upload it again."),
    # client side: this computer
    ErrorSpec("LOCAL_DISK_FULL", 507, _N, "The disk where the app keeps its records is full.", A.FREE_SPACE,
              "Free some space on that disk (the details say where and how much), then press Retry.",
              client_side=True, families=_MANUAL,
              cli_hint="Free some space on that disk (the error says where and how much), then run the "
              "command again: unfinished jobs continue where they stopped."),
    ErrorSpec("CANCELLED", 499, _N, "The job was cancelled.", A.NONE,
              "Retry it if you still want it uploaded.", client_side=True,
              cli_hint="Run `retry JOB_ID` if you still want it uploaded."),
    ErrorSpec("UNEXPECTED_ERROR", 500, _N, "Something unexpected went wrong in the app.", A.CONTACT_SUPPORT,
              "Retry; if it happens again, export a support bundle and contact support.", client_side=True,
              cli_hint="Run the command again; if it happens again, run `support-bundle JOB_ID -o bundle.zip` "
              "and contact support."),
]

CATALOGUE: dict[str, ErrorSpec] = {s.code: s for s in _SPECS}


def codes_in(family: Family) -> frozenset[str]:
    """Every code of a family, read off the catalogue (the one place it is decided)."""
    return frozenset(s.code for s in _SPECS if family in s.families)


SIGN_IN_CODES = codes_in(Family.SIGN_IN)
UPLOAD_GONE_CODES = codes_in(Family.UPLOAD_GONE)
TIMEOUT_CODES = codes_in(Family.TIMEOUT)
MANUAL_RETRY_CODES = codes_in(Family.MANUAL_RETRY)
BREAKER_NEUTRAL_CODES = codes_in(Family.BREAKER_NEUTRAL)
SERVER_WAIT_CODES = codes_in(Family.SERVER_WAIT)

# What to do, once the job gave up waiting for the server (window, command line).
_GAVE_UP = ("The app waited a long time with no progress; check your connection and that the "
            "server runs, then press Retry.",
            "Check your connection and that the server runs, then run the command again "
            "(`retry --all-failed` for the jobs that failed).")
# MISSING_FIELD: the field the user must give, and where (window, command line).
_FIELD_ADVICE: dict[str, tuple[str, str]] = {
    "user_id": ("Sign in (the sign-in says who you are) or set a default user id in Settings, "
                "then add the file again.",
                "Pass --user-id ID (who the videos are for) and run `upload` again; the failed "
                "jobs take it."),
    "username": ("Enter your username to sign in.", "Pass --username NAME with --password-stdin."),
    "password": ("Enter your password to sign in.",
                 "Give the password on standard input with --password-stdin."),
    "token": ("Sign in again.", "Give a token on standard input with --token-stdin, or in "
              "$VIDEO_UPLOADER_TOKEN."),
}


def advice(code: str, *, cli: bool = False, field: str | None = None,
           gave_up: bool = False) -> str:
    """What the user should do about ``code``: the one place the wording is chosen.

    ``cli``: for the commands (no buttons there); ``field``: the missing field's advice
    names the option to use; ``gave_up``: the job stopped waiting for the server, so "the
    app retries on its own" is no longer true."""
    s = spec(code)
    if gave_up and s.is_in(Family.SERVER_WAIT) and code != "SERVER_STORAGE_FULL":
        return _GAVE_UP[cli]
    if code == "MISSING_FIELD" and field in _FIELD_ADVICE:
        return _FIELD_ADVICE[field][cli]
    return (s.cli_hint or s.hint) if cli else s.hint

# Codes to use for a non-2xx response whose body is not ours (a proxy's HTML page).
_BY_STATUS = {
    400: "INVALID_REQUEST", 401: "AUTH_REQUIRED", 403: "FORBIDDEN", 404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED", 408: "NETWORK_TIMEOUT", 409: "UPLOAD_OFFSET_MISMATCH",
    410: "UPLOAD_EXPIRED", 413: "FILE_TOO_LARGE", 415: "UNSUPPORTED_MEDIA_TYPE",
    422: "VIDEO_UNPROCESSABLE", 429: "RATE_LIMITED", 431: "REQUEST_HEADER_TOO_LARGE",
    460: "CHECKSUM_MISMATCH", 500: "TEMPORARY_FAILURE", 502: "BAD_GATEWAY",
    503: "SERVICE_UNAVAILABLE", 504: "GATEWAY_TIMEOUT", 507: "SERVER_STORAGE_FULL",
}


def spec(code: str) -> ErrorSpec:
    """The catalogue entry for ``code``; unknown codes fall back to UNEXPECTED_ERROR."""
    return CATALOGUE.get(code) or CATALOGUE["UNEXPECTED_ERROR"]


def shown_message(message: str, code: str) -> str:
    """A failure's sentence as the user reads it, from the (English) message it carries.

    A catalogue sentence or a known specific one is translated; a sentence made at run
    time that the catalogues do not know (it names a file) stays as it is in English, and
    in another language gives way to the code's catalogue sentence, which is always
    translated (the specific one stays in the details)."""
    if not message:
        return spec(code).shown_message
    translated = _(message)
    if translated != message or language() == SOURCE_LANGUAGE:
        return translated
    return spec(code).shown_message


def shown_hint(hint: str, code: str) -> str:
    return _(hint) if hint else spec(code).shown_hint


def shown_action(action: UserAction) -> str:
    return _(action.value)


def code_for_status(status: int) -> str:
    """The code for a response that carries no ``error_code`` of ours.

    An unlabelled 500 from a proxy is treated as transient (TEMPORARY_FAILURE):
    retrying a few times is cheap, and a real bug shows up as INTERNAL_ERROR from
    our own server with a body.
    """
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    if 500 <= status < 600:
        return "TEMPORARY_FAILURE"
    if 400 <= status < 500:
        return "INVALID_REQUEST"
    return "SERVER_PROTOCOL_ERROR"


class AppError(Exception):
    """One failure: a catalogue code, technical detail, and where it happened.

    ``str(err)`` is ``"CODE: detail"``: technical, for logs. The GUI shows
    ``err.message`` (friendly) and ``err.hint`` (what to do) instead.
    """

    def __init__(
        self,
        code: str,
        detail: str = "",
        *,
        file: str | None = None,
        stage: str | None = None,
        request_id: str | None = None,
        http_status: int | None = None,
        retry_after: float | None = None,
        field: str | None = None,
        message: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.code = code if code in CATALOGUE else "UNEXPECTED_ERROR"
        self.original_code = code
        self.detail = detail or spec(self.code).message
        self.file = file
        self.stage = stage
        self.request_id = request_id
        self.http_status = http_status
        self.retry_after = retry_after
        self.field = field
        self._message = message
        self.extra = dict(extra or {})
        super().__init__(f"{self.code}: {self.detail}")

    @property
    def spec(self) -> ErrorSpec:
        return spec(self.code)

    @property
    def message(self) -> str:
        """Friendly sentence. A specific message (``"This file is not a video (it
        looks like a PDF document)."``) beats the catalogue's generic one."""
        return self._message or self.spec.message

    @property
    def hint(self) -> str:
        return advice(self.code, field=self.field)

    @property
    def cli_hint(self) -> str:
        return advice(self.code, cli=True, field=self.field)

    @property
    def shown_message(self) -> str:
        """``message`` in the user's language (``message`` itself stays English: data)."""
        return shown_message(self.message, self.code)

    @property
    def shown_hint(self) -> str:
        """``hint`` (the field's own advice when it names one) in the user's language."""
        return shown_hint(self.hint, self.code)

    @property
    def action(self) -> UserAction:
        return self.spec.action

    @property
    def retry(self) -> RetryClass:
        return self.spec.retry

    @property
    def retryable(self) -> bool:
        return self.spec.retryable

    @property
    def status(self) -> int:
        return self.http_status or self.spec.status

    def with_context(self, **kw: Any) -> AppError:
        """Fill in context that was not known where the error was raised."""
        for key, value in kw.items():
            if value is not None and getattr(self, key, None) is None:
                setattr(self, key, value)
        return self

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready record (CLI output, failure records, support bundles)."""
        return {
            "error_code": self.code,
            "error": self.message,
            "hint": self.hint,
            "detail": self.detail,
            "status": self.status,
            "retryable": self.retryable,
            "file": self.file,
            "stage": self.stage,
            "request_id": self.request_id,
            "field": self.field,
        }

    @classmethod
    def from_response(
        cls,
        status: int,
        body: Any,
        *,
        request_id: str | None = None,
        retry_after: float | None = None,
    ) -> AppError:
        """Map a non-2xx response to an error: by ``error_code`` when the body is
        the contract's shape, else by status alone."""
        code = None
        detail = f"HTTP {status}"
        field = None
        if isinstance(body, dict) and isinstance(body.get("error_code"), str):
            code = body["error_code"]
            if isinstance(body.get("error"), str):
                detail = f"HTTP {status}: {body['error']}"
            if isinstance(body.get("field"), str):
                field = body["field"]
            request_id = request_id or (body.get("request_id") if isinstance(body.get("request_id"), str) else None)
        if code not in CATALOGUE:
            code = code_for_status(status)
        return cls(code, detail, request_id=request_id, http_status=status,
                   retry_after=retry_after, field=field)


def unexpected(exc: BaseException, **context: Any) -> AppError:
    """Wrap a bug (an exception we did not anticipate) at a worker boundary."""
    return AppError("UNEXPECTED_ERROR", f"{type(exc).__name__}: {exc}", **context)
