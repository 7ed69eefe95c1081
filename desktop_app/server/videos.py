"""Sessions and videos: create/read sessions, upload (multipart or tus finish), read, delete."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from desktop_app.errors import AppError
from desktop_app.server.auth import Caller
from desktop_app.server.bodies import DiskSink, read_json
from desktop_app.server.context import AppContext
from desktop_app.server.errors import ApiError
from desktop_app.server.idempotency import fingerprint
from desktop_app.server.multipart import FILE_FIELD, receive_multipart
from desktop_app.server.processing import now_iso
from desktop_app.server.uploadstore import UploadInfo

MULTIPART_SLACK = 1024 * 1024  # form fields and boundaries around the video bytes


def job_fields(user_id: Any, recorded_at: Any) -> tuple[str, str | None]:
    """Check user_id and recorded_at with the app's own validator; 400 naming the field."""
    from desktop_app.media.validate import parse_timestamp, validate_job_fields

    if user_id is not None and (not isinstance(user_id, str) or len(user_id) > 200):
        raise ApiError("INVALID_REQUEST", "user_id must be a string of at most 200 characters.", field="user_id")
    if recorded_at is not None and not isinstance(recorded_at, str):
        raise ApiError("INVALID_TIMESTAMP", "recorded_at must be an ISO 8601 string.", field="recorded_at")
    try:
        validate_job_fields(user_id, recorded_at or None, require_user=True)
        parsed = parse_timestamp(recorded_at) if recorded_at else None
    except AppError as err:
        raise ApiError(err.code, err.message, field=err.field) from None
    stamp = parsed.isoformat() if parsed is not None else recorded_at
    return str(user_id), stamp


def parse_analysis(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise ApiError("INVALID_REQUEST", "analysis must be a JSON object.", field="analysis") from None
    if not isinstance(value, dict):
        raise ApiError("INVALID_REQUEST", "analysis must be a JSON object.", field="analysis")
    return json.dumps(value)


def video_resource(row: dict[str, Any]) -> dict[str, Any]:
    keys = ("video_id", "session_id", "user_id", "filename", "bytes", "sha256", "status", "error_code",
            "error", "recorded_at", "created_at", "processed_at")
    out = {k: row[k] for k in keys if row[k] is not None or k in ("video_id", "status")}
    if row["analysis"]:
        out["analysis"] = json.loads(row["analysis"])
    return out


class VideoHandlers:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    def _session(self, caller: Caller, session_id: str) -> dict[str, Any]:
        row = self.ctx.store.session(session_id)
        if row is None:
            raise ApiError("SESSION_NOT_FOUND", f"There is no session {session_id}.")
        if not caller.may_act_for(row["user_id"]):
            raise ApiError("FORBIDDEN", "This session belongs to another user.")
        return row

    def _video(self, request: Request) -> dict[str, Any]:
        caller = self.ctx.caller(request)
        row = self.ctx.store.video(request.path_params["video_id"])
        if row is None:
            raise ApiError("VIDEO_NOT_FOUND", "There is no video with this id.")
        if not caller.may_act_for(row["user_id"]):
            raise ApiError("FORBIDDEN", "This video belongs to another user.")
        return row

    async def create_session(self, request: Request) -> Response:
        caller = self.ctx.caller(request)
        body = await read_json(request.stream())
        with self.ctx.idempotency.guard(caller.user_id, request.headers.get("idempotency-key"),
                                        "session") as guard:
            if (replay := guard.replay(fingerprint(body))) is not None:
                return replay
            user_id, recorded_at = job_fields(body.get("user_id"), body.get("recorded_at"))
            if not caller.may_act_for(user_id):
                raise ApiError("FORBIDDEN", "Only an administrator may create a session for another user.")
            title = body.get("title")
            if title is not None and not isinstance(title, str):
                raise ApiError("INVALID_REQUEST", "title must be a string.", field="title")
            row = {"session_id": uuid.uuid4().hex, "user_id": user_id, "title": title,
                   "recorded_at": recorded_at, "created_at": now_iso()}
            self.ctx.store.add_session(row)
            return guard.keep(JSONResponse({k: v for k, v in row.items() if v is not None or k == "title"},
                                           status_code=201))

    async def get_session(self, request: Request) -> Response:
        caller = self.ctx.caller(request)
        row = self._session(caller, request.path_params["session_id"])
        videos = [video_resource(v) for v in self.ctx.store.videos_of(row["session_id"])]
        return JSONResponse({**{k: v for k, v in row.items() if v is not None}, "videos": videos})

    async def get_video(self, request: Request) -> Response:
        return JSONResponse(video_resource(self._video(request)))

    async def find_videos(self, request: Request) -> Response:
        """``GET /videos?sha256=HEX[&user_id=U]``: the user's videos with these bytes
        (the client asks before it sends a file; an empty list means "upload it")."""
        caller = self.ctx.caller(request)
        sha = request.query_params.get("sha256")
        if not sha:
            raise ApiError("MISSING_FIELD", "sha256 (the file's sha256, 64 hex digits) is required.",
                           field="sha256")
        sha = sha.lower()
        if len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha):
            raise ApiError("INVALID_REQUEST", "sha256 must be 64 hex digits.", field="sha256")
        user_id = request.query_params.get("user_id") or caller.user_id
        if not caller.may_act_for(user_id):
            raise ApiError("FORBIDDEN", "Only an administrator may look at another user's videos.")
        rows = self.ctx.store.videos_with_sha256(user_id, sha)
        return JSONResponse({"videos": [video_resource(r) for r in rows]})

    async def delete_video(self, request: Request) -> Response:
        row = self._video(request)
        self.ctx.store.delete_video(row["video_id"])
        Path(row["path"]).unlink(missing_ok=True)
        return Response(status_code=204)

    async def add_video(self, request: Request) -> Response:
        caller = self.ctx.caller(request)
        session = self._session(caller, request.path_params["session_id"])
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind == "multipart/form-data":
            return await self._multipart(request, caller, session)
        if kind in ("application/json", ""):
            return await self._finish_tus(request, caller, session)
        if kind == "application/x-www-form-urlencoded":  # a form, but one that cannot carry a file
            raise ApiError("MISSING_FIELD", "The form has no 'video' file: send it as multipart/form-data "
                           "with the video in a part named 'video'.", field=FILE_FIELD)
        raise ApiError("UNSUPPORTED_MEDIA_TYPE", "Send the video as multipart/form-data, or JSON "
                       "{upload_id, user_id} to finish a tus upload.")

    async def _multipart(self, request: Request, caller: Caller, session: dict[str, Any]) -> Response:
        limit = self.ctx.config.max_upload_bytes
        declared = request.headers.get("content-length", "")
        if declared.isascii() and declared.isdigit() and int(declared) > limit + MULTIPART_SLACK:
            raise ApiError("FILE_TOO_LARGE", f"The upload is {declared} bytes; the server accepts videos "
                           f"up to {limit} bytes.")
        tmp = self.ctx.config.tmp_dir / f"{uuid.uuid4().hex}.part"
        try:
            with self.ctx.idempotency.guard(caller.user_id, request.headers.get("idempotency-key"),
                                            "video:" + session["session_id"]) as guard:
                with self.ctx.gate:
                    form = await receive_multipart(
                        request.stream(), request.headers.get("content-type", ""), lambda: DiskSink(tmp),
                        max_bytes=limit, check_file_type=self.ctx.config.check_file_type)
                assert form.sink is not None
                self.ctx.metrics.add_bytes(form.sink.written)
                sha = form.sink.hashers[0].hexdigest()
                fields = form.fields
                fp = fingerprint(sha, form.filename or "video", fields.get("user_id"), fields.get("recorded_at"),
                                 fields.get("analysis"))
                if (replay := guard.replay(fp)) is not None:
                    return replay
                row = self._store_video(caller, session, fields, form.filename,
                                        lambda dest: os.replace(tmp, dest), form.sink.written, sha)
                return guard.keep(_created(row))
        finally:
            tmp.unlink(missing_ok=True)

    def _store_video(self, caller: Caller, session: dict[str, Any], fields: dict[str, Any],
                     filename: str | None, place: Callable[[Path], None], size: int, sha: str) -> dict[str, Any]:
        """Check the job's fields, move the bytes into place, record the video and queue its processing."""
        user_id, recorded_at = job_fields(fields.get("user_id"), fields.get("recorded_at"))
        if not caller.may_act_for(user_id):
            raise ApiError("FORBIDDEN", "Only an administrator may upload for another user.")
        analysis_json = parse_analysis(fields.get("analysis"))
        self.ctx.config.check_file_type(filename)
        filename = filename or "video"
        video_id = uuid.uuid4().hex
        ext = os.path.splitext(filename)[1].lower()
        dest = self.ctx.config.videos_dir / f"{video_id}{ext or '.bin'}"
        place(dest)
        row = {"video_id": video_id, "session_id": session["session_id"], "user_id": user_id,
               "filename": filename, "bytes": size, "sha256": sha, "status": "processing",
               "error_code": None, "error": None, "analysis": analysis_json, "recorded_at": recorded_at,
               "created_at": now_iso(), "processed_at": None, "path": str(dest)}
        self.ctx.store.add_video(row)
        self.ctx.processor.submit(video_id, dest)
        return row

    async def _finish_tus(self, request: Request, caller: Caller, session: dict[str, Any]) -> Response:
        body = await read_json(request.stream())
        with self.ctx.idempotency.guard(caller.user_id, request.headers.get("idempotency-key"),
                                        "finish:" + session["session_id"]) as guard:
            if (replay := guard.replay(fingerprint(body))) is not None:
                return replay
            return guard.keep(await self._finish(caller, session, body))

    async def _finish(self, caller: Caller, session: dict[str, Any], body: dict[str, Any]) -> Response:
        upload_id = body.get("upload_id")
        if not upload_id or not isinstance(upload_id, str):
            raise ApiError("MISSING_FIELD", "upload_id (the tus upload to finish) is required.", field="upload_id")
        upload_id = upload_id.rstrip("/").rsplit("/", 1)[-1]  # accept the upload URL too
        job_fields(body.get("user_id"), body.get("recorded_at"))
        info = self._upload(caller, upload_id)
        if info.video_id is None and not info.complete:
            raise ApiError("UPLOAD_INCOMPLETE", f"The server has {info.offset} of {info.length} bytes; "
                           "finish the upload first.")
        async with self.ctx.locks.hold(upload_id):
            info = self._upload(caller, upload_id)  # as it is now that no other request touches it
            if info.video_id is not None:  # finished before: the same video again
                video = self.ctx.store.video(info.video_id)
                if video is not None and video["session_id"] == session["session_id"]:
                    return JSONResponse(video_resource(video), status_code=201)
                raise ApiError("UPLOAD_NOT_FOUND", "This upload was already used for another video.")
            done = await self.ctx.uploads.finish(info)
            row = self._store_video(caller, session, body, info.filename and os.path.basename(info.filename),
                                    lambda dest: os.replace(done.path, dest), done.length, done.sha256)
            self.ctx.uploads.link(info, row["video_id"])
        return _created(row)

    def _upload(self, caller: Caller, upload_id: str) -> UploadInfo:
        info = self.ctx.uploads.info(upload_id)
        if not caller.may_act_for(info.user_id):
            raise ApiError("FORBIDDEN", "This upload belongs to another user.")
        return info


def _created(row: dict[str, Any]) -> JSONResponse:
    return JSONResponse(video_resource(row), status_code=201, headers={"Location": f"/api/v1/videos/{row['video_id']}"})
