"""Random sequences of contract calls against a real server: never a 500, never a traceback.

A hypothesis state machine creates sessions and tus uploads, PATCHes them at the
right and at wrong offsets (with good and bad checksums), HEADs, terminates and
finishes them, posts multipart videos, reads and deletes videos, and deletes an
upload's bytes underneath the server, in any order. A small model of what the server
should hold checks each answer (offsets, the finish step's sha256, 404 once a thing
is gone); every error must be the contract's shape, and the server log must stay free
of tracebacks. The number of sequences tried (and of calls made) is printed.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from typing import Any, ClassVar

import httpx
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    multiple,
    rule,
    run_state_machine_as_test,
)

from desktop_app.errors import CATALOGUE
from tests.server.helpers import TUS, b64, client

SEQUENCES = 250
STEPS = 25
MAX_LENGTH = 3000


@dataclass
class Upload:
    url: str
    length: int
    data: bytearray = field(default_factory=bytearray)
    gone: bool = False
    video: Video | None = None  # set once finished

    @property
    def upload_id(self) -> str:
        return self.url.rsplit("/", 1)[-1]


@dataclass
class Video:
    video_id: str
    session_id: str
    sha256: str
    upload: Upload | None = None
    deleted: bool = False


class Tracebacks(logging.Handler):
    """Collects every server log record that carries an exception or is an error."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info or record.levelno >= logging.ERROR:
            self.records.append(record)


CALLS = [0]


def check(r: httpx.Response, *expected: int) -> httpx.Response:
    CALLS[0] += 1
    assert r.status_code < 500, (r.request.method, r.request.url.path, r.status_code, r.text)
    if r.status_code >= 400 and r.request.method != "HEAD":
        assert r.headers["content-type"].startswith("application/json"), r.text
        body = r.json()
        assert body["error_code"] in CATALOGUE and body["error"], body
        assert "Traceback" not in r.text and 'File "' not in r.text
    if expected:
        assert r.status_code in expected, (r.request.method, r.request.url.path, r.status_code, expected, r.text)
    return r


class ContractSequences(RuleBasedStateMachine):
    srv: ClassVar[Any]
    http: ClassVar[httpx.Client]
    log: ClassVar[Tracebacks]
    tried: ClassVar[int] = 0

    sessions = Bundle("sessions")
    uploads = Bundle("uploads")
    videos = Bundle("videos")

    def __init__(self) -> None:
        super().__init__()
        type(self).tried += 1

    def teardown(self) -> None:
        assert not self.log.records, [r.getMessage() for r in self.log.records]

    def _finish_body(self, upload: Upload) -> dict[str, str]:
        return {"upload_id": upload.url, "user_id": self.srv.username}

    @rule(target=sessions)
    def create_session(self) -> str:
        r = check(self.http.post("/sessions", json={"user_id": self.srv.username}), 201)
        return str(r.json()["session_id"])

    @rule(target=uploads, length=st.integers(0, MAX_LENGTH), body=st.none() | st.binary(max_size=MAX_LENGTH),
          name=st.sampled_from(["clip.mp4", "clip.mov", "match.ts", "noext"]))
    def tus_create(self, length: int, body: bytes | None, name: str) -> Any:
        headers = {**TUS, "Upload-Length": str(length), "Upload-Metadata": f"filename {b64(name.encode())}"}
        if body is not None:
            headers["Content-Type"] = "application/offset+octet-stream"
        r = check(self.http.post("/uploads", headers=headers, content=body))
        if name in ("match.ts", "noext"):
            assert r.status_code == 400 and r.json()["error_code"] == "INVALID_FILE_TYPE"
            return multiple()
        if body is not None and len(body) > length:
            assert r.status_code == 413
            return multiple()
        assert r.status_code == 201 and r.headers["location"].startswith(self.srv.url)
        upload = Upload(r.headers["location"], length, bytearray(body or b""))
        if body is not None:
            assert r.headers["upload-offset"] == str(len(body))
        return upload

    @rule(upload=uploads, data=st.binary(max_size=MAX_LENGTH), shift=st.sampled_from([0, 0, 0, 1, -1, 7]),
          checksum=st.sampled_from([None, "good", "bad"]))
    def patch(self, upload: Upload, data: bytes, shift: int, checksum: str | None) -> None:
        offset = len(upload.data) + shift
        headers = {**TUS, "Content-Type": "application/offset+octet-stream", "Upload-Offset": str(offset)}
        if checksum is not None:
            digest = hashlib.sha1(data + (b"!" if checksum == "bad" else b"")).digest()
            headers["Upload-Checksum"] = "sha1 " + b64(digest)
        if offset < 0:
            check(self.http.patch(upload.url, headers=headers, content=data), 400, 404)
            return
        r = check(self.http.patch(upload.url, headers=headers, content=data))
        if upload.gone:
            assert r.status_code == 404, r.text
        elif shift:
            assert r.status_code == 409, r.text
        elif offset + len(data) > upload.length:
            assert r.status_code == 413, r.text
        elif len(upload.data) == upload.length:  # complete: nothing to store
            assert r.status_code == 204 and r.headers["upload-offset"] == str(offset)
        elif checksum == "bad":
            assert r.status_code == 460, r.text
        else:
            assert r.status_code == 204 and r.headers["upload-offset"] == str(offset + len(data))
            upload.data += data

    @rule(upload=uploads)
    def head(self, upload: Upload) -> None:
        r = check(self.http.head(upload.url, headers=TUS))
        if upload.gone:
            assert r.status_code == 404
        else:
            assert r.status_code == 200 and r.headers["upload-offset"] == str(len(upload.data))

    @rule(upload=uploads)
    def terminate(self, upload: Upload) -> None:
        check(self.http.delete(upload.url, headers=TUS), 404 if upload.gone else 204)
        upload.gone = True

    @rule(upload=uploads)
    def delete_the_bytes_on_disk(self, upload: Upload) -> None:
        path = self.srv.data_dir / "uploads" / upload.upload_id
        if path.exists():
            path.unlink()
            upload.gone = True

    @rule(target=videos, session=sessions, upload=uploads)
    def finish(self, session: str, upload: Upload) -> Any:
        r = check(self.http.post(f"/sessions/{session}/videos", json=self._finish_body(upload)))
        if upload.gone:
            assert r.status_code == 404, r.text
        elif upload.video is not None:  # finished before
            if upload.video.session_id == session:
                assert r.status_code == 201 and r.json()["video_id"] == upload.video.video_id
            else:
                assert r.status_code == 404, r.text
        elif len(upload.data) < upload.length:
            assert r.status_code == 409 and r.json()["error_code"] == "UPLOAD_INCOMPLETE"
        else:
            assert r.status_code == 201, r.text
            assert r.json()["sha256"] == hashlib.sha256(upload.data).hexdigest()
            upload.video = Video(r.json()["video_id"], session, r.json()["sha256"], upload)
            return upload.video
        return multiple()

    @rule(target=videos, session=sessions, data=st.binary(max_size=MAX_LENGTH),
          name=st.sampled_from(["take.mp4", "take.mkv", "notes.pdf"]))
    def multipart(self, session: str, data: bytes, name: str) -> Any:
        r = check(self.http.post(f"/sessions/{session}/videos", files={"video": (name, data)},
                                 data={"user_id": self.srv.username}))
        if name == "notes.pdf":
            assert r.status_code == 400 and r.json()["error_code"] == "INVALID_FILE_TYPE"
            return multiple()
        assert r.status_code == 201 and r.json()["sha256"] == hashlib.sha256(data).hexdigest()
        return Video(r.json()["video_id"], session, r.json()["sha256"])

    @rule(video=videos)
    def get_video(self, video: Video) -> None:
        r = check(self.http.get(f"/videos/{video.video_id}"), 404 if video.deleted else 200)
        if not video.deleted:
            assert r.json()["sha256"] == video.sha256

    @rule(video=videos)
    def delete_video(self, video: Video) -> None:
        check(self.http.delete(f"/videos/{video.video_id}"), 404 if video.deleted else 204)
        video.deleted = True
        if video.upload is not None:
            video.upload.gone = True  # its bytes went with the video

    @rule(video=videos)
    def delete_the_video_file_on_disk(self, video: Video) -> None:
        for path in (self.srv.data_dir / "videos").glob(f"{video.video_id}.*"):
            path.unlink()


def test_random_contract_sequences_never_get_a_500(server_factory, capsys):
    srv = server_factory()
    log = Tracebacks()
    loggers = [logging.getLogger(name) for name in ("desktop_app.server", "uvicorn.error", "uvicorn")]
    for logger in loggers:
        logger.addHandler(log)
    ContractSequences.srv, ContractSequences.log, ContractSequences.tried = srv, log, 0
    CALLS[0] = 0
    try:
        with client(srv) as http:
            ContractSequences.http = http
            run_state_machine_as_test(ContractSequences, settings=settings(
                max_examples=SEQUENCES, stateful_step_count=STEPS, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
    finally:
        for logger in loggers:
            logger.removeHandler(log)
    with capsys.disabled():
        print(f"\ncontract sequences tried: {ContractSequences.tried}, {CALLS[0]} calls in all "
              f"(up to {STEPS} steps each)")
    assert ContractSequences.tried >= SEQUENCES
    assert not log.records, [r.getMessage() for r in log.records]


pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")
