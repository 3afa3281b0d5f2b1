"""Persisted operations over HTTP: which document a GraphQL request runs, and whether its
caller may run it.

A request names its document in one of three ways:

* the text itself (`query`), as always;
* the automatic-persisted-queries protocol (Apollo's): `extensions.persistedQuery =
  {"version": 1, "sha256Hash": "<hex>"}`. The hash alone runs a registered operation with
  that hash or a document registered before; an unknown hash answers `404` with the error
  `PersistedQueryNotFound` (`extensions.code` `PERSISTED_QUERY_NOT_FOUND`), and the client
  sends the hash again with the query, which registers it (a document whose hash does not
  match is refused). Registrations are bounded (`HUB_APQ_MAX_ENTRIES` documents of at most
  `HUB_APQ_MAX_DOCUMENT_BYTES`; a longer one runs but is not kept); a protocol version other
  than 1 answers `400` `PersistedQueryNotSupported`, after which the client stops hashing;
* a `documentId` (the GraphQL-over-HTTP persisted-documents proposal), `sha256:<hex>` or
  `Name@version`, naming a registered operation only.

A client in allow-list mode (`hub clients set ID --operations-only`) runs only registered
operations: free text (unless it is exactly a registered document) and documents cached by
APQ answer `403` `OPERATION_NOT_REGISTERED`, naming why. The answers are GraphQL-shaped error
bodies, never cached (`Cache-Control: no-store`).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from hub.services import persisted_operations as cache
from hub.services.client_policy import ClientPolicy
from hub.settings import Settings
from schema.errors import (
    BAD_REQUEST,
    OPERATION_NOT_REGISTERED,
    PERSISTED_QUERY_NOT_FOUND,
    PERSISTED_QUERY_NOT_SUPPORTED,
)
from schema.operations import Operation
from schema.operations.registry import find_operation

_HASH = re.compile(r"^[0-9a-f]{64}$")
_NAMED = re.compile(r"^(?P<name>[_A-Za-z][_0-9A-Za-z]*)@(?P<version>[1-9][0-9]{0,8})$")


class Refused(Exception):
    """The request cannot run as sent: `status`, and one GraphQL error in the body."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        message_th: str,
        *,
        headers: dict[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.headers = headers or {}
        self.body = {
            "errors": [
                {
                    "message": message,
                    "extensions": {"code": code, "messageTh": message_th, **extensions},
                }
            ]
        }


def _not_found() -> Refused:
    # The message is the protocol's: Apollo's clients match on it to resend with the query.
    return Refused(
        404,
        PERSISTED_QUERY_NOT_FOUND,
        "PersistedQueryNotFound",
        "ไม่พบคำสั่งที่บันทึกไว้ตามค่าแฮชนี้ กรุณาส่งคำสั่งเต็มพร้อมค่าแฮช",
    )


def _not_registered(why: str) -> Refused:
    return Refused(
        403,
        OPERATION_NOT_REGISTERED,
        f"This client may run only registered operations: {why}.",
        "ผู้ใช้บริการนี้เรียกใช้ได้เฉพาะคำสั่งที่ลงทะเบียนไว้",
        reason=why,
    )


@dataclass
class Resolved:
    """What the request runs: the document, and the registered operation it is (if one)."""

    query: str | None
    operation: Operation | None = None


def sha256_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


async def resolve(
    engine: AsyncEngine,
    writer: AsyncEngine,
    settings: Settings,
    *,
    query: str | None,
    extensions: dict[str, Any] | None,
    document_id: Any,
    policy: ClientPolicy | None,
) -> Resolved:
    """The document this request runs (see the module docstring), or `Refused`. Lookups
    read `engine`; an APQ registration writes with `writer`."""
    allow_list = policy is not None and policy.operations_only
    persisted = (extensions or {}).get("persistedQuery")
    if document_id is not None:
        if query is not None:
            raise Refused(
                400,
                BAD_REQUEST,
                "Send either documentId or query, not both.",
                "ส่ง documentId หรือ query อย่างใดอย่างหนึ่ง",
            )
        operation = await _by_document_id(engine, document_id)
        if operation is None:
            raise _not_found()
        return Resolved(operation.document, operation)
    if persisted is not None:
        return await _persisted(engine, writer, settings, query, persisted, allow_list)
    if query is None:
        return Resolved(None)  # strawberry answers "no query"
    if allow_list:
        operation = await find_operation(engine, sha256=sha256_of(query))
        if operation is None:
            raise _not_registered("the document is not a registered operation")
        return Resolved(query, operation)
    return Resolved(query)


async def _by_document_id(engine: AsyncEngine, document_id: Any) -> Operation | None:
    if not isinstance(document_id, str):
        raise Refused(
            400,
            BAD_REQUEST,
            "documentId must be 'sha256:<hex>' or 'Name@version'.",
            "documentId ต้องอยู่ในรูป 'sha256:<hex>' หรือ 'ชื่อ@รุ่น'",
        )
    prefix, _, digest = document_id.partition(":")
    if prefix == "sha256" and _HASH.match(digest.lower()):
        return await find_operation(engine, sha256=digest.lower())
    named = _NAMED.match(document_id)
    if named:
        return await find_operation(engine, name=named["name"], version=int(named["version"]))
    raise Refused(
        400,
        BAD_REQUEST,
        "documentId must be 'sha256:<hex>' or 'Name@version'.",
        "documentId ต้องอยู่ในรูป 'sha256:<hex>' หรือ 'ชื่อ@รุ่น'",
    )


async def _persisted(
    engine: AsyncEngine,
    writer: AsyncEngine,
    settings: Settings,
    query: str | None,
    persisted: Any,
    allow_list: bool,
) -> Resolved:
    if not isinstance(persisted, dict) or persisted.get("version") != 1:
        raise Refused(
            400,
            PERSISTED_QUERY_NOT_SUPPORTED,
            "PersistedQueryNotSupported",
            "ไม่รองรับรุ่นของโปรโตคอลคำสั่งที่บันทึกไว้นี้ (ใช้ version 1)",
        )
    digest = persisted.get("sha256Hash")
    if not isinstance(digest, str) or not _HASH.match(digest.lower()):
        raise Refused(
            400,
            BAD_REQUEST,
            "extensions.persistedQuery.sha256Hash must be 64 hexadecimal digits.",
            "sha256Hash ต้องเป็นเลขฐานสิบหก 64 หลัก",
        )
    digest = digest.lower()
    operation = await find_operation(engine, sha256=digest)
    if query is not None:
        if sha256_of(query) != digest:
            raise Refused(
                400,
                BAD_REQUEST,
                "provided sha does not match query",
                "ค่าแฮชที่ส่งมาไม่ตรงกับคำสั่ง",
            )
        if operation is not None:
            return Resolved(query, operation)
        if allow_list:
            raise _not_registered("the document is not a registered operation")
        if (
            settings.apq_max_entries > 0
            and len(query.encode("utf-8")) <= settings.apq_max_document_bytes
        ):
            await cache.remember_document(
                writer, digest, query, max_entries=settings.apq_max_entries
            )
        return Resolved(query)
    if operation is not None:
        return Resolved(operation.document, operation)
    document = await cache.cached_document(engine, digest)
    if document is None:
        raise _not_found()
    if allow_list:
        raise _not_registered("the hash names a cached document, not a registered operation")
    return Resolved(document)
