"""Streaming multipart/form-data: the ``video`` part goes straight to disk.

python-multipart's low-level ``MultipartParser`` calls back synchronously with
slices of each chunk; the callbacks only record events, and after each chunk
the events are applied asynchronously (file bytes into a ``DiskSink``, small
text fields into memory, capped). Starlette's ``request.form()`` is not used: it
spools to a temporary file and parses after the fact.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from desktop_app.server.bodies import DiskSink
from desktop_app.server.errors import ApiError

FIELD_LIMIT = 256 * 1024
FILE_FIELD = "video"


@dataclass
class MultipartUpload:
    fields: dict[str, str] = field(default_factory=dict)
    filename: str | None = None
    sink: DiskSink | None = None


def _disposition(headers: dict[bytes, bytes]) -> tuple[str, str | None]:
    _, params = parse_options_header(headers.get(b"content-disposition", b""))
    name = params.get(b"name", b"").decode("utf-8", "replace")
    filename = params.get(b"filename")
    return name, None if filename is None else os.path.basename(filename.decode("utf-8", "replace"))


async def receive_multipart(
    stream: AsyncIterator[bytes],
    content_type: str,
    open_sink: Callable[[], DiskSink],
    *,
    max_bytes: int,
    check_file_type: Callable[..., None],
) -> MultipartUpload:
    """Parse the body; on any error the sink is closed and the error raised."""
    _, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if not boundary:
        raise ApiError("INVALID_REQUEST", "The multipart body has no boundary in its Content-Type.")
    events: list[tuple[str, Any]] = []
    header: dict[str, bytes] = {"field": b"", "value": b""}
    part_headers: dict[bytes, bytes] = {}

    def on_header_field(data: bytes, start: int, end: int) -> None:
        header["field"] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        header["value"] += data[start:end]

    def on_header_end() -> None:
        part_headers[header["field"].lower()] = header["value"]
        header["field"] = header["value"] = b""

    def on_headers_finished() -> None:
        events.append(("part", dict(part_headers)))
        part_headers.clear()

    callbacks: Any = {
        "on_header_field": on_header_field,
        "on_header_value": on_header_value,
        "on_header_end": on_header_end,
        "on_headers_finished": on_headers_finished,
        "on_part_data": lambda data, start, end: events.append(("data", data[start:end])),
        "on_part_end": lambda: events.append(("end", None)),
        "on_end": lambda: events.append(("done", None)),
    }
    parser = MultipartParser(boundary, callbacks)
    result = MultipartUpload()
    current: str | None = None  # name of the part being read
    text = bytearray()
    done = False
    try:
        async for chunk in stream:
            try:
                parser.write(chunk)
            except MultipartParseError:
                raise ApiError("INVALID_REQUEST", "The multipart body is malformed.") from None
            for kind, value in events:
                if kind == "part":
                    current, filename = _disposition(value)
                    if current == FILE_FIELD:
                        if result.sink is not None:
                            raise ApiError("INVALID_REQUEST", "Send one 'video' file per request.", field=FILE_FIELD)
                        check_file_type(filename, field=FILE_FIELD)  # before a byte is stored
                        result.filename = filename
                        result.sink = open_sink()
                    text.clear()
                elif kind == "data" and current == FILE_FIELD and result.sink is not None:
                    await result.sink.write(value)
                    if result.sink.written > max_bytes:
                        raise ApiError("FILE_TOO_LARGE", f"The video is larger than the server's limit of "
                                       f"{max_bytes} bytes.")
                elif kind == "data":
                    text += value
                    if len(text) > FIELD_LIMIT:
                        raise ApiError("INVALID_REQUEST", f"The form field '{current}' is too long.", field=current)
                elif kind == "end" and current != FILE_FIELD and current:
                    try:
                        result.fields[current] = text.decode("utf-8")
                    except UnicodeDecodeError:
                        raise ApiError("INVALID_REQUEST", f"The form field '{current}' is not UTF-8 text.",
                                       field=current) from None
                    current = None
                elif kind == "done":
                    done = True
            events.clear()
        if not done:
            raise ApiError("INVALID_REQUEST", "The multipart body ended before its closing boundary.")
        if result.sink is None:
            raise ApiError("MISSING_FIELD", "The form has no 'video' file part.", field=FILE_FIELD)
        await result.sink.finish()
        return result
    except BaseException:
        if result.sink is not None:
            await result.sink.abandon()
            result.sink.path.unlink(missing_ok=True)
        raise
