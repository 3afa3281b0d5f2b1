"""Export jobs: a large export asked for now and run in the background, its progress and its
file kept in the database, so any worker or replica runs it and any serves its download.

`start` checks the request (`hub.rules.exports`), writes the job with the caller's identity
(the export runs as the caller: the same permission and row rules as the request) and
queues it in the same transaction. The runner (`hub/web/export_lists.py`) calls `claim`,
`progress`, `append_chunk`, `finish` or `fail`. `job` and `chunks` read a job and its file for
its owner only: another caller's job reads as not found.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.db.models import ExportChunk, ExportJob
from hub.rules.enums import Role
from hub.rules.exports import ExportFormat, ExportRequest, JobStatus, export_request
from hub.rules.identity import Identity, RoleGrant
from hub.rules.problems import not_found
from hub.rules.webhooks import owner_of
from hub.services import audit, queue

RUN = "export.run"  # the job's entrypoint


@dataclass(frozen=True)
class Job:
    id: str
    list_name: str
    file_format: ExportFormat
    parameters: dict[str, Any]
    status: JobStatus
    rows_done: int
    rows_total: int | None
    size_bytes: int | None
    error: str | None
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    expires_at: dt.datetime

    def request(self) -> ExportRequest:
        return export_request(self.list_name, self.file_format.value, self.parameters)


def identity_json(identity: Identity) -> str:
    return orjson.dumps(
        {
            "kind": identity.kind,
            "subject": identity.subject,
            "grants": [
                [g.role.name, g.lao_id, g.district_id, g.province_id] for g in identity.grants
            ],
            "scopes": sorted(identity.scopes),
            "user_id": identity.user_id,
            "client_pk": identity.client_pk,
            "issuer": identity.issuer,
        }
    ).decode()


def identity_of(text: str) -> Identity:
    data = orjson.loads(text)
    return Identity(
        kind=data["kind"],
        subject=data["subject"],
        grants=tuple(RoleGrant(Role[r], lao, dis, pro) for r, lao, dis, pro in data["grants"]),
        scopes=frozenset(data["scopes"]),
        user_id=data["user_id"],
        client_pk=data["client_pk"],
        issuer=data["issuer"],
    )


def _job(row: Any) -> Job:
    return Job(
        id=row.id,
        list_name=row.list_name,
        file_format=ExportFormat(row.file_format),
        parameters={k: v for k, v in orjson.loads(row.parameters).items() if v is not None},
        status=JobStatus(row.status),
        rows_done=row.rows_done,
        rows_total=row.rows_total,
        size_bytes=row.size_bytes,
        error=row.error,
        created_at=row.created_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        expires_at=row.expires_at,
    )


async def start(
    writer: AsyncEngine,
    identity: Identity,
    request: ExportRequest,
    keep: dt.timedelta = dt.timedelta(hours=24),
) -> Job:
    """Queue an export as the caller; the job is visible at once (QUEUED)."""
    owner = owner_of(identity)
    job_id = secrets.token_urlsafe(18)
    at = audit.now()
    async with writer.begin() as conn:
        await conn.execute(
            insert(ExportJob).values(
                id=job_id,
                owner=owner,
                identity=identity_json(identity),
                list_name=request.list_name,
                file_format=request.file_format.value,
                parameters=orjson.dumps(request.parameters()).decode(),
                status=JobStatus.QUEUED.value,
                rows_done=0,
                attempts=0,
                created_at=at,
                expires_at=at + keep,
            )
        )
        await queue.enqueue(conn, RUN, job_id.encode())
        await audit.append(
            conn,
            audit.actor_of(identity),
            entity="export_jobs",
            entity_id=job_id,
            action="start_export",
            changes={
                "list": (None, request.list_name),
                "format": (None, request.file_format.value),
                **{k: (None, v) for k, v in request.parameters().items() if v is not None},
            },
            at=at,
        )
        row = (await conn.execute(select(ExportJob).where(ExportJob.id == job_id))).one()
    return _job(row)


async def job(engine: AsyncEngine, identity: Identity, job_id: str) -> Job:
    """The caller's own job (another's, or an expired one, reads as not found)."""
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                select(ExportJob).where(
                    ExportJob.id == job_id,
                    ExportJob.owner == owner_of(identity),
                    ExportJob.expires_at > audit.now(),
                )
            )
        ).first()
    if row is None:
        raise not_found(f"export job {job_id[:40]}", f"งานส่งออก {job_id[:40]}")
    return _job(row)


async def claim(writer: AsyncEngine, job_id: str) -> tuple[Job, Identity] | None:
    """Move a queued job (or one whose runner died: RUNNING again) to RUNNING, its earlier
    file dropped; None when it is done, failed or gone."""
    async with writer.begin() as conn:
        row = (
            await conn.execute(
                select(ExportJob).where(
                    ExportJob.id == job_id,
                    ExportJob.status.in_([JobStatus.QUEUED.value, JobStatus.RUNNING.value]),
                )
            )
        ).first()
        if row is None:
            return None
        await conn.execute(delete(ExportChunk).where(ExportChunk.job_id == job_id))
        await conn.execute(
            update(ExportJob)
            .where(ExportJob.id == job_id)
            .values(
                status=JobStatus.RUNNING.value,
                rows_done=0,
                started_at=audit.now(),
                attempts=ExportJob.attempts + 1,
            )
        )
        return _job(row), identity_of(row.identity)


async def progress(
    writer: AsyncEngine, job_id: str, rows_done: int, rows_total: int | None
) -> None:
    async with writer.begin() as conn:
        await conn.execute(
            update(ExportJob)
            .where(ExportJob.id == job_id)
            .values(rows_done=rows_done, rows_total=rows_total)
        )


async def append_chunk(writer: AsyncEngine, job_id: str, seq: int, data: bytes) -> None:
    async with writer.begin() as conn:
        await conn.execute(insert(ExportChunk).values(job_id=job_id, seq=seq, data=data))


async def finish(writer: AsyncEngine, job_id: str, rows_done: int) -> None:
    async with writer.begin() as conn:
        size = (
            await conn.execute(
                select(func.coalesce(func.sum(func.length(ExportChunk.data)), 0)).where(
                    ExportChunk.job_id == job_id
                )
            )
        ).scalar_one()
        await conn.execute(
            update(ExportJob)
            .where(ExportJob.id == job_id)
            .values(
                status=JobStatus.DONE.value,
                rows_done=rows_done,
                rows_total=rows_done,
                size_bytes=int(size),
                finished_at=audit.now(),
            )
        )


async def fail(writer: AsyncEngine, job_id: str, error: str) -> None:
    async with writer.begin() as conn:
        await conn.execute(delete(ExportChunk).where(ExportChunk.job_id == job_id))
        await conn.execute(
            update(ExportJob)
            .where(ExportJob.id == job_id)
            .values(status=JobStatus.FAILED.value, error=error[:2000], finished_at=audit.now())
        )


async def chunks(engine: AsyncEngine, job_id: str) -> AsyncIterator[bytes]:
    """The file of a job, one chunk per statement (never the whole file in memory)."""
    seq = -1
    while True:
        async with engine.connect() as conn:
            row = (
                await conn.execute(
                    select(ExportChunk.seq, ExportChunk.data)
                    .where(ExportChunk.job_id == job_id, ExportChunk.seq > seq)
                    .order_by(ExportChunk.seq)
                    .limit(1)
                )
            ).first()
        if row is None:
            return
        seq = row.seq
        yield bytes(row.data)


async def remove_expired(writer: AsyncEngine) -> int:
    """Drop the jobs (and files) past their time; how many."""
    async with writer.begin() as conn:
        ids = (
            (await conn.execute(select(ExportJob.id).where(ExportJob.expires_at <= audit.now())))
            .scalars()
            .all()
        )
        if ids:
            await conn.execute(delete(ExportChunk).where(ExportChunk.job_id.in_(ids)))
            await conn.execute(delete(ExportJob).where(ExportJob.id.in_(ids)))
    return len(ids)
