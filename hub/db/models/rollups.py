"""Roll-ups kept current: the LPA indicator-7 rules counted per area over time
(`hub.db.lpa_tallies`) and the LAO-years per certification state now
(`hub.db.certification_counts`)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.models.base import Base, UtcDateTime


class _Tally:
    """A count of one rule's LAO-years in one area of one fiscal year, from `at` on."""

    id: Mapped[int] = mapped_column(primary_key=True)
    fiscal_year: Mapped[int] = mapped_column(ForeignKey("fiscal_years.year_be"))
    level: Mapped[str] = mapped_column(String(8))
    area_id: Mapped[int]
    province_id: Mapped[int] = mapped_column(ForeignKey("provinces.id"))
    rule: Mapped[str] = mapped_column(String(40))
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    laos: Mapped[int]


class LpaTally(_Tally, Base):
    """How many LAO-years of a fiscal year stood under one rule in one area from `at` on,
    until the area's next row for that rule. Appended, never changed; every rule but
    NOTHING_RECORDED (the area's other LAOs). `level` is "province" or "district";
    `province_id` is the area's province (itself for a province)."""

    __tablename__ = "lpa_tallies"
    __table_args__ = (
        # The tally as of a moment: the latest row at or before it, one index probe.
        Index("ix_lpa_tallies_as_of", "fiscal_year", "level", "area_id", "rule", "at", "id"),
    )


class LpaTallyNow(_Tally, Base):
    """The latest `LpaTally` of each (year, level, area, rule): what a move locks, and the
    areas and rules a read probes for."""

    __tablename__ = "lpa_tallies_now"
    __table_args__ = (UniqueConstraint("fiscal_year", "level", "area_id", "rule"),)


class CertificationCount(Base):
    """How many LAO-years of a fiscal year stand in one certification state in one area
    now; every state but DRAFT (the area's other LAOs). `level` is "province" or
    "district"; `province_id` is the area's province (itself for a province)."""

    __tablename__ = "certification_counts"
    __table_args__ = (UniqueConstraint("fiscal_year", "level", "area_id", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    fiscal_year: Mapped[int] = mapped_column(ForeignKey("fiscal_years.year_be"))
    level: Mapped[str] = mapped_column(String(8))
    area_id: Mapped[int]
    province_id: Mapped[int] = mapped_column(ForeignKey("provinces.id"))
    state: Mapped[str] = mapped_column(String(18))
    laos: Mapped[int]
