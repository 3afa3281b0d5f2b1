"""The read audit (PDPA): who read an LAO's personal data, which fields, when and why.

One row per request per LAO whose personal data it read, hash-chained like the change log
(`hub.services.read_audit`): rows are only ever inserted, and `hub audit verify --reads`
recomputes the chain, naming the first row that no longer fits.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.models.base import Base, UtcDateTime, enum_column
from hub.rules.enums import Role


class PersonalDataRead(Base):
    """One request's reads of one LAO's personal data. `hash` = SHA-256 over the canonical
    row and `prev_hash`."""

    __tablename__ = "personal_data_reads"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    # Who read: a person or a client by row id, an external provider's caller by subject and
    # issuer; `reader` names it as it signed in (username or client id), for people to read.
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_client_id: Mapped[int | None] = mapped_column(ForeignKey("api_clients.id"))
    actor_role: Mapped[Role | None] = mapped_column(enum_column(Role, "role"))
    actor_subject: Mapped[str | None] = mapped_column(String(255))
    actor_issuer: Mapped[str | None] = mapped_column(String(255))
    reader: Mapped[str | None] = mapped_column(String(255))
    reader_kind: Mapped[str] = mapped_column(String(10))  # "user" or "client"
    # The LAO whose people were read; the audit is listed per LAO, newest first.
    lao_id: Mapped[int] = mapped_column(ForeignKey("laos.id"), index=True)
    fields: Mapped[str] = mapped_column(Text)  # JSON list, sorted: ["Lao.recorders.phone", …]
    # What the caller declared: why (`X-Purpose`) and for whom (`X-Calling-Officer`).
    purpose: Mapped[str | None] = mapped_column(String(500))
    calling_officer: Mapped[str | None] = mapped_column(String(255))
    operation: Mapped[str | None] = mapped_column(String(255))  # the GraphQL operation's name
    request_id: Mapped[str | None] = mapped_column(String(100))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
