"""Uploaded record-table files between their preview and their confirmation.

A clerk uploads a file, sees the preview (what the import would add and change, or every
error), and confirms. The file waits in the database (`console_uploads`), not in a worker's
memory, so whichever worker serves the confirmation finds it. It belongs to the console
session that uploaded it (another person's session cannot see it; signing out drops it) and
expires after `HUB_CONSOLE_UPLOAD_TTL` seconds; expired files are deleted whenever a new
one is stored. Nothing here decides anything about the records: the preview and the import
are the API's (`importWaterSupplySystems` with and without `dryRun`).
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, insert, select
from starlette.requests import Request

from hub.db.models import ConsoleUpload
from hub.rules.record_files import FileFormat
from hub.web.console.session import SignedIn


@dataclass(frozen=True)
class Staged:
    id: str
    lao_code: str
    fiscal_year: int
    table_name: str
    filename: str
    file_format: FileFormat
    content: bytes
    expires_at: dt.datetime


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def stage(
    request: Request,
    signed: SignedIn,
    *,
    lao_code: str,
    fiscal_year: int,
    table_name: str,
    filename: str,
    file_format: FileFormat,
    content: bytes,
) -> str:
    """Keep the file for the session; returns its id (random, for the preview's address)."""
    upload_id = secrets.token_urlsafe(24)
    now = _now()
    ttl = request.app.state.settings.console_upload_ttl
    async with request.app.state.writer.begin() as conn:
        await conn.execute(delete(ConsoleUpload).where(ConsoleUpload.expires_at <= now))
        await conn.execute(
            insert(ConsoleUpload).values(
                id=upload_id,
                session_id=signed.session_id,
                lao_code=lao_code,
                fiscal_year=fiscal_year,
                table_name=table_name,
                filename=filename[:255],
                file_format=file_format.value,
                content=content,
                created_at=now,
                expires_at=now + dt.timedelta(seconds=ttl),
            )
        )
    return upload_id


async def staged(request: Request, signed: SignedIn, upload_id: str) -> Staged | None:
    """The session's unexpired file of that id, or None."""
    async with request.app.state.engine.connect() as conn:
        row = (
            await conn.execute(
                select(ConsoleUpload).where(
                    ConsoleUpload.id == upload_id,
                    ConsoleUpload.session_id == signed.session_id,
                    ConsoleUpload.expires_at > _now(),
                )
            )
        ).one_or_none()
    if row is None:
        return None
    return Staged(
        id=row.id,
        lao_code=row.lao_code,
        fiscal_year=row.fiscal_year,
        table_name=row.table_name,
        filename=row.filename,
        file_format=FileFormat(row.file_format),
        content=row.content,
        expires_at=row.expires_at,
    )


async def discard(request: Request, signed: SignedIn, upload_id: str) -> None:
    async with request.app.state.writer.begin() as conn:
        await conn.execute(
            delete(ConsoleUpload).where(
                ConsoleUpload.id == upload_id, ConsoleUpload.session_id == signed.session_id
            )
        )
