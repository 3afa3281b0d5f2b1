"""The append-only, hash-chained change log: who changed what, when and why."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.models.base import Base, UtcDateTime, enum_column
from hub.rules.enums import Role


class ChangeLogEntry(Base):
    """One change. `hash` = SHA-256 over the canonical entry and `prev_hash`, the hash of the
    entry before it in its chain (`chain`: "lao:<id>" for an LAO's entries, "" for the
    global chain; `seq` its place there, from 1).

    Rows are only ever inserted; `hub audit verify` recomputes every chain.
    """

    __tablename__ = "change_log"
    # One entity's history (an account's, `accountChangeLog`) without scanning the log; a
    # changes feed's next entries of its entities, in commit order (`hub.db.change_feed`);
    # the feeds' head (the last settled entry); a chain in order (`hub audit verify`).
    __table_args__ = (
        Index("ix_change_log_entity_entity_id", "entity", "entity_id"),
        Index("ix_change_log_entity_xid_id", "entity", "xid", "id"),
        Index("ix_change_log_xid_id", "xid", "id"),
        Index("ix_change_log_chain_seq", "chain", "seq", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), index=True)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_client_id: Mapped[int | None] = mapped_column(ForeignKey("api_clients.id"))
    actor_role: Mapped[Role | None] = mapped_column(enum_column(Role, "role"))
    # Who, when the caller has no row here: a person or system of an external identity
    # provider, named by its subject and the provider's issuer.
    actor_subject: Mapped[str | None] = mapped_column(String(255))
    actor_issuer: Mapped[str | None] = mapped_column(String(255))
    entity: Mapped[str] = mapped_column(String(50))
    entity_id: Mapped[str] = mapped_column(String(50))
    lao_id: Mapped[int | None] = mapped_column(ForeignKey("laos.id"), index=True)
    action: Mapped[str] = mapped_column(String(50))
    changes_json: Mapped[str] = mapped_column(Text)  # {"field": [before, after], ...}
    reason: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    chain: Mapped[str] = mapped_column(String(24), server_default="")
    seq: Mapped[int] = mapped_column(Integer)
    # 1: the entries written before chains (their hash leaves out `chain` and `seq`); 2: since.
    hash_format: Mapped[int] = mapped_column(SmallInteger, server_default="1")
    # The writing transaction's id on PostgreSQL (its default there, set by migration 0021);
    # 0 on SQLite, whose one writer commits entries in id order anyway.
    xid: Mapped[int] = mapped_column(BigInteger, server_default="0")
