"""KPI 16 (seed 003): DLA's reference list of village water-supply systems per round."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.models.base import Base, created_at_column


class Kpi16Round(Base):
    """A KPI-16 assessment round: recorded systems are counted against the reference list."""

    __tablename__ = "kpi16_rounds"
    __table_args__ = (UniqueConstraint("fiscal_year", "round_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    fiscal_year: Mapped[int] = mapped_column(ForeignKey("fiscal_years.year_be"))
    round_no: Mapped[int]
    opened_on: Mapped[dt.date] = mapped_column(Date)
    district_report_deadline: Mapped[dt.date | None] = mapped_column(Date)
    province_report_deadline: Mapped[dt.date] = mapped_column(Date)
    target_percent: Mapped[float] = mapped_column(Numeric(5, 2, asdecimal=False))


class Kpi16Reference(Base):
    """One system on DLA's reference list sent to a province for a round."""

    __tablename__ = "kpi16_references"
    __table_args__ = (UniqueConstraint("round_id", "reference_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("kpi16_rounds.id"), index=True)
    reference_code: Mapped[str] = mapped_column(String(32))
    province_id: Mapped[int] = mapped_column(ForeignKey("provinces.id"), index=True)
    lao_id: Mapped[int | None] = mapped_column(ForeignKey("laos.id"), index=True)
    village_id: Mapped[int | None] = mapped_column(ForeignKey("villages.id"))
    name: Mapped[str] = mapped_column(String(200))
    latitude: Mapped[float | None] = mapped_column(Numeric(9, 6, asdecimal=False))
    longitude: Mapped[float | None] = mapped_column(Numeric(9, 6, asdecimal=False))
    imported_at: Mapped[dt.datetime] = created_at_column()
