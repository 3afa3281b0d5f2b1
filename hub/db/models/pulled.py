"""Values pulled from other DLA systems: each delivered batch, and each value's provenance.

The value itself lives in its section's column (`hub.db.models.domain_tables`, with the
section's `<field>_fetched_at`), where every read finds it; `pulled_values` says, per
LAO-year and field, which system delivered it, when that system fetched it and in which
batch. A batch is named by its system and the name the system gave it (unique together):
delivering the same batch twice finds it and changes nothing (`hub.services.pulled`).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.models.base import Base, UtcDateTime


class PulledBatch(Base):
    """One delivery from a source system: its content's digest, who delivered it, when."""

    __tablename__ = "pulled_batches"
    __table_args__ = (UniqueConstraint("source_system", "batch"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_system: Mapped[str] = mapped_column(String(32))  # `SourceSystem.code`
    batch: Mapped[str] = mapped_column(String(64))  # the name the source gave it
    digest: Mapped[str] = mapped_column(String(64))  # SHA-256 of its canonical content
    delivered_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    values_count: Mapped[int]
    changed_count: Mapped[int]
    # Who delivered it, as the change log names them (its header entry is `log_entry_id`).
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_client_id: Mapped[int | None] = mapped_column(ForeignKey("api_clients.id"))
    actor_name: Mapped[str | None] = mapped_column(String(255))
    log_entry_id: Mapped[int | None] = mapped_column(ForeignKey("change_log.id"))


class PulledValue(Base):
    """Where one LAO-year's pulled value came from (the value is in its section's column)."""

    __tablename__ = "pulled_values"

    lao_year_id: Mapped[int] = mapped_column(ForeignKey("lao_years.id"), primary_key=True)
    field: Mapped[str] = mapped_column(String(64), primary_key=True)  # the catalogue's name
    source_system: Mapped[str] = mapped_column(String(32))
    fetched_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    batch_id: Mapped[int] = mapped_column(ForeignKey("pulled_batches.id"), index=True)
