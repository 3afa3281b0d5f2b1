"""Persisted GraphQL operations kept in the database (hub/services/persisted_operations.py).

* `persisted_operations`: operations registered by an operator (`hub operations add`), next to
  the repository's (`schema/operations`). Addressed like those by name + version or by the
  SHA-256 of the exact document text; a client in allow-list mode may run only these and the
  repository's.
* `apq_documents`: documents registered by any client through the automatic-persisted-queries
  protocol. A cache, not a registry: bounded in size (`HUB_APQ_MAX_ENTRIES`, the least recently
  registered go first) and in document length (`HUB_APQ_MAX_DOCUMENT_BYTES`); registering one
  never lets an allow-list client run it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.models.base import Base, UtcDateTime, created_at_column


class PersistedOperation(Base):
    __tablename__ = "persisted_operations"
    __table_args__ = (UniqueConstraint("name", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # query / mutation
    document: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = created_at_column()


class ApqDocument(Base):
    __tablename__ = "apq_documents"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    document: Mapped[str] = mapped_column(Text)
    registered_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), index=True)
