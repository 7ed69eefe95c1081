"""Trusted URLs: the names this server answers to, and the one absolute URLs are built from.

The public URL (``serve --public-url``, by default the bound address) is the base of
every absolute URL the server sends (the tus ``Location``), whatever ``Host`` the
request named, so a forged ``Host`` can never send a client, and its token, elsewhere.
A request whose ``Host`` is neither the public URL's nor the bound address (for a
loopback address also ``localhost`` on the same port) is refused 400, which also
stops DNS-rebinding pages from talking to a server on 127.0.0.1.

A ``Host`` without a port matches a URL on its scheme's default port: behind a proxy
that terminates TLS, ``Host: uploads.example.com`` arrives over plain HTTP and is still
the public URL ``https://uploads.example.com``.
"""

from __future__ import annotations

import ipaddress
import threading
from urllib.parse import urlsplit

from desktop_app.server.errors import ApiError

_DEFAULT_PORTS = {"http": 80, "https": 443}


def check_url(url: str) -> str:
    """``url`` if it is an http(s) URL with a host (no query or fragment), else ValueError."""
    parts = urlsplit(url.strip())
    try:
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise ValueError(f"{url!r} has a port that is not a number") from None
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname or parts.query or parts.fragment:
        raise ValueError(f"{url!r} is not an http:// or https:// URL with a host (e.g. https://uploads.example.com)")
    return url.strip().rstrip("/")


def _name(url: str) -> tuple[str, int, bool]:
    """(host, port, whether that port is the scheme's default) of a URL."""
    parts = urlsplit(url)
    default = _DEFAULT_PORTS[parts.scheme]
    port = parts.port or default
    return (parts.hostname or "").lower(), port, port == default


def _split_host(value: str) -> tuple[str, int | None] | None:
    """``Host`` header -> (host, port or None); None when it is not host[:port]."""
    value = value.strip().lower()
    if value.startswith("["):
        host, sep, rest = value[1:].partition("]")
        if not sep or (rest and not rest.startswith(":")):
            return None
        port_text = rest[1:]
    else:
        host, _, port_text = value.partition(":")
    if not host or (port_text and not (port_text.isascii() and port_text.isdigit())):
        return None
    return host, int(port_text) if port_text else None


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


class TrustedUrls:
    def __init__(self, public_url: str, bound_url: str) -> None:
        self._lock = threading.Lock()
        self.bound_url = check_url(bound_url)
        self._names: list[tuple[str, int, bool]] = []
        self.public_url = ""
        self.set_public_url(public_url)

    def set_public_url(self, url: str) -> None:
        """Answer as ``url`` from now on (a proxy was put in front, say)."""
        url = check_url(url)
        names = [_name(url), _name(self.bound_url)]
        host, port, default = _name(self.bound_url)
        if _is_loopback(host):
            names.append(("localhost", port, default))
        with self._lock:
            self.public_url, self._names = url, names

    def absolute(self, path: str) -> str:
        return self.public_url + path

    def check_host(self, value: str | None) -> None:
        """400 unless ``value`` (the request's Host header) names this server."""
        parsed = _split_host(value) if value else None
        if parsed is not None:
            host, port = parsed
            with self._lock:
                names = list(self._names)
            if any(host == h and (port == p if port is not None else default) for h, p, default in names):
                return
        shown = (value or "")[:100].encode("ascii", "replace").decode()
        raise ApiError("INVALID_REQUEST", f"This server answers as {self.public_url}; the request's Host "
                       f"'{shown}' is not one of its names (start it with --public-url for another).",
                       field="Host")
