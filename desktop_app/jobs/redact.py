"""Secret redaction: the last line of defence before text reaches a log, a failure
record or a support bundle.

Two mechanisms, both always on:

* patterns: ``Bearer <x>``, ``Authorization: <x>``, ``password=<x>``,
  ``"access_token": "<x>"``, ``token=<x>`` in query strings, ``user:pass@host``;
* known values: whoever learns a secret (the CLI reading ``--password-stdin``,
  the sign-in code receiving a token) calls ``add_secret()``, and that exact
  string is replaced wherever it turns up, whatever surrounds it.

Known secrets are process-wide on purpose: a secret learnt anywhere must be
hidden everywhere. Redacting more than necessary is harmless, so tests need not
reset it.
"""

from __future__ import annotations

import re
import threading
from typing import Any

MASK = "[REDACTED]"

_KEYS = r"(?:password|passwd|pwd|secret|access_token|refresh_token|id_token|token|api[_-]?key|authorization|x-api-key|client_secret)"

_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # Authorization: Bearer abc / "Authorization": "Bearer abc"
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+"), rf"\1 {MASK}"),
    # "password": "x"  /  'token': 'x'  (JSON and Python reprs)
    (re.compile(rf"""(?i)(["']{_KEYS}["']\s*:\s*)(["'])(?:\\.|(?!\2).)*\2"""), rf"\1\2{MASK}\2"),
    # password=x / token: x  (query strings, form bodies, log text); stops at a delimiter
    (re.compile(rf"""(?i)(\b{_KEYS}\b\s*[=:]\s*)(?!\[REDACTED\])(?!(?i:bearer|basic)\s)(?!["'])[^\s&,;"'}}\])]+"""),
     rf"\1{MASK}"),
    # "token abc123..." in prose: a long token-alphabet word right after the word token
    (re.compile(r"(?i)\b((?:access|refresh|bearer|api)?[ _-]?token\s+)(?!\[REDACTED\])[A-Za-z0-9._~+/=-]{16,}"),
     rf"\1{MASK}"),
    # scheme://user:password@host
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@]+:)[^/\s@]+@"), rf"\1{MASK}@"),
]

_known: set[str] = set()
_known_lock = threading.Lock()


def add_secret(value: str | None) -> None:
    """Hide this exact string wherever it appears from now on (short values skipped:
    masking every "abc" would mangle ordinary text)."""
    if value and len(value) >= 4:
        with _known_lock:
            _known.add(value)


def redact(text: str) -> str:
    if not text:
        return text
    with _known_lock:
        known = sorted(_known, key=len, reverse=True)
    for secret in known:
        if secret in text:
            text = text.replace(secret, MASK)
    for pattern, repl in _PATTERNS:
        text = pattern.sub(repl, text)
    return text


def redact_obj(value: Any) -> Any:
    """Redact every string inside a JSON-like structure; values under secret-looking
    keys are masked whole."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if isinstance(k, str) and re.fullmatch(_KEYS, k, re.IGNORECASE) and v:
                out[k] = MASK
            else:
                out[k] = redact_obj(v)
        return out
    if isinstance(value, (list, tuple)):
        return [redact_obj(v) for v in value]
    return value
