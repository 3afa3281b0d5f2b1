"""Exports over HTTP: any list as CSV, XLSX or JSON Lines, streamed; large ones as jobs.

    GET  /exports/{list}.{csv|xlsx|jsonl}?province=11&district=1101&fiscalYear=2570
    POST /exports/jobs   {"list": "lao-years", "format": "xlsx", "parameters": {…}}  → 202
    GET  /exports/jobs/{id}             the job: status, rows done of total, download link
    GET  /exports/jobs/{id}/download    its file, once DONE

The caller is identified as for GraphQL (a bearer token) and the rows are the list's GraphQL
operation run as the caller (`hub/web/export_lists.py`). A download is streamed a page at a
time; its first page is read before the answer starts, so a refusal (a bad parameter: 400
naming it; an area the caller may not see: 403/404) is a proper error answer. A list longer
than HUB_EXPORT_BACKGROUND_ROWS is refused as a download (413, `REQUEST_TOO_LARGE`, naming
`POST /exports/jobs`) and runs as a job instead, on whichever worker takes it; its file is
kept in the database and served by any replica, to its owner only (another caller's job
answers 404).

`run_job` is the job queue's handler (`hub.services.queue`), installed by the app.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import orjson
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from hub.rules.exports import LISTS, ExportRequest, JobStatus, export_request
from hub.rules.identity import Identity
from hub.rules.problems import Problem, TooLarge, invalid
from hub.services import exports
from hub.web import export_lists
from hub.web.export_files import writer

log = logging.getLogger("hub.exports")

IdentityResolver = Callable[[Request], Awaitable[Identity]]
FILE_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


def _unauthenticated(exc: HTTPException) -> Response:
    body = {"errors": [{"message": exc.detail, "extensions": {"code": "UNAUTHENTICATED"}}]}
    return Response(
        orjson.dumps(body),
        status_code=exc.status_code,
        headers=exc.headers,
        media_type="application/json",
    )


async def stream(
    state: Any,
    identity: Identity,
    request: ExportRequest,
    limit: int | None = None,
    seen: export_lists.RowsInFlight | None = None,
) -> AsyncIterator[bytes]:
    """The list as the file's bytes, a page at a time. The first page is read (and a refusal
    raised) when the iterator is first advanced; a list longer than `limit` is refused."""
    page_size = min(state.settings.export_page_size, 1000)
    out = writer(request.file_format, export_lists.columns(request), export_lists.title(request))
    started = False
    async for rows, total in export_lists.pages(state, identity, request, page_size, seen):
        if not started:
            if limit is not None and total is not None and total > limit:
                raise TooLarge(
                    f"{total:,} rows is more than a download holds ({limit:,}): run it as a "
                    "job, POST /exports/jobs (or the startExport mutation)",
                    f"มี {total:,} แถว เกินกว่าจะดาวน์โหลดทันทีได้ ({limit:,}): "
                    "ให้สั่งเป็นงานเบื้องหลัง POST /exports/jobs",
                )
            started = True
            yield out.begin()
        yield out.rows(rows)
    if not started:
        yield out.begin()
    for piece in out.end():
        yield piece


def job_json(job: exports.Job, base: str) -> dict[str, Any]:
    link = f"{base}/exports/jobs/{job.id}"
    return {
        "id": job.id,
        "list": job.list_name,
        "format": job.file_format.value,
        "parameters": job.parameters,
        "status": job.status.value,
        "rowsDone": job.rows_done,
        "rowsTotal": job.rows_total,
        "sizeBytes": job.size_bytes,
        "error": job.error,
        "createdAt": job.created_at.isoformat(),
        "startedAt": job.started_at.isoformat() if job.started_at else None,
        "finishedAt": job.finished_at.isoformat() if job.finished_at else None,
        "expiresAt": job.expires_at.isoformat(),
        "links": {
            "self": link,
            "download": f"{link}/download" if job.status is JobStatus.DONE else None,
        },
    }


def download_path(job: exports.Job) -> str | None:
    return f"/exports/jobs/{job.id}/download" if job.status is JobStatus.DONE else None


async def run_job(state: Any, job_id: str, seen: export_lists.RowsInFlight | None = None) -> None:
    """Run one export job (the queue's handler): rows a page at a time as the job's owner,
    each page's bytes a chunk in the database, progress after each page."""
    writer_engine = state.writer
    claimed = await exports.claim(writer_engine, job_id)
    if claimed is None:
        return  # done, failed or expired meanwhile (a job run twice)
    job, identity = claimed
    seq, done, pending = 0, 0, b""
    try:
        async for piece in _job_pieces(state, identity, job, seen):
            if isinstance(piece, tuple):
                done, total = piece
                await exports.progress(writer_engine, job_id, done, total)
                continue
            pending += piece
            if len(pending) >= 256 * 1024:
                await exports.append_chunk(writer_engine, job_id, seq, pending)
                seq, pending = seq + 1, b""
        if pending:
            await exports.append_chunk(writer_engine, job_id, seq, pending)
        await exports.finish(writer_engine, job_id, done)
    except Problem as problem:  # the caller's request refused when it ran: the job says why
        await exports.fail(writer_engine, job_id, problem.message_en)
    except export_lists.ExportFailed as failure:
        await exports.fail(writer_engine, job_id, str(failure))
    except Exception:
        log.exception("export job %s failed", job_id)
        await exports.fail(writer_engine, job_id, "the export failed; ask the hub's operator")


async def _job_pieces(
    state: Any,
    identity: Identity,
    job: exports.Job,
    seen: export_lists.RowsInFlight | None,
) -> AsyncIterator[bytes | tuple[int, int | None]]:
    request = job.request()
    page_size = min(state.settings.export_page_size, 1000)
    out = writer(request.file_format, export_lists.columns(request), export_lists.title(request))
    yield out.begin()
    done = 0
    async for rows, total in export_lists.pages(state, identity, request, page_size, seen):
        yield out.rows(rows)
        done += len(rows)
        yield (done, total)
    for piece in out.end():
        yield piece


def routes(identify: IdentityResolver) -> list[Route]:
    async def who(request: Request) -> Identity | Response:
        try:
            return await identify(request)
        except HTTPException as exc:
            return _unauthenticated(exc)

    async def download(request: Request) -> Response:
        identity = await who(request)
        if isinstance(identity, Response):
            return identity
        name, _, fmt = request.path_params["file"].rpartition(".")
        params = {k: v for k, v in request.query_params.items()}
        asked = export_request(name or request.path_params["file"], fmt, params)
        state = request.app.state
        body = stream(state, identity, asked, limit=state.settings.export_background_rows)
        first = await body.__anext__()  # the first page: refusals raise here, before sending

        async def rest() -> AsyncIterator[bytes]:
            yield first
            async for piece in body:
                yield piece

        return StreamingResponse(
            rest(),
            media_type=asked.file_format.media_type,
            headers={
                **FILE_HEADERS,
                "Content-Disposition": f'attachment; filename="{asked.stem()}.{fmt}"',
            },
        )

    async def start_job(request: Request) -> Response:
        identity = await who(request)
        if isinstance(identity, Response):
            return identity
        try:
            body = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            raise invalid("body", "NOT_JSON", "a JSON object", "ต้องเป็น JSON") from None
        if not isinstance(body, dict) or not isinstance(body.get("parameters", {}), dict):
            raise invalid(
                "body",
                "NOT_AN_OBJECT",
                '{"list": …, "format": …, "parameters": {…}}',
                "ต้องเป็น JSON object",
            )
        asked = export_request(
            str(body.get("list", "")), str(body.get("format", "")), body.get("parameters", {})
        )
        job = await exports.start(
            request.app.state.writer, identity, asked, _keep(request.app.state)
        )
        base = str(request.base_url).rstrip("/")
        return Response(
            orjson.dumps(job_json(job, base)),
            status_code=202,
            media_type="application/json",
            headers={"Location": f"/exports/jobs/{job.id}"},
        )

    async def show_job(request: Request) -> Response:
        identity = await who(request)
        if isinstance(identity, Response):
            return identity
        job = await exports.job(request.app.state.engine, identity, request.path_params["id"])
        base = str(request.base_url).rstrip("/")
        return Response(
            orjson.dumps(job_json(job, base)),
            media_type="application/json",
            headers={"Cache-Control": "no-store"},
        )

    async def job_file(request: Request) -> Response:
        identity = await who(request)
        if isinstance(identity, Response):
            return identity
        engine = request.app.state.engine
        job = await exports.job(engine, identity, request.path_params["id"])
        if job.status is not JobStatus.DONE:
            return Response(
                orjson.dumps(
                    {
                        "errors": [
                            {
                                "message": f"the export is {job.status.value}, not done yet",
                                "extensions": {"code": "NOT_READY", "status": job.status.value},
                            }
                        ]
                    }
                ),
                status_code=409,
                media_type="application/json",
                headers={"Retry-After": "5"},
            )
        stem = job.request().stem()
        return StreamingResponse(
            exports.chunks(engine, job.id),
            media_type=job.file_format.media_type,
            headers={
                **FILE_HEADERS,
                "Content-Disposition": f'attachment; filename="{stem}.{job.file_format.value}"',
                **({"Content-Length": str(job.size_bytes)} if job.size_bytes is not None else {}),
            },
        )

    return [
        Route("/exports/jobs", start_job, methods=["POST"]),
        Route("/exports/jobs/{id}", show_job, methods=["GET"]),
        Route("/exports/jobs/{id}/download", job_file, methods=["GET"]),
        Route("/exports/{file}", download, methods=["GET"]),
    ]


def _keep(state: Any) -> Any:
    import datetime as dt

    return dt.timedelta(hours=state.settings.export_keep_hours)


__all__ = ["LISTS", "routes", "run_job", "stream"]
