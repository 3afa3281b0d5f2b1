"""KPI 16 (seed 003): DLA's reference list of village water-supply systems per round."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Numeric, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.models.base import Base, UtcDateTime, created_at_column, enum_column
from hub.rules.enums import Kpi16ReportLevel, Role


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
    # Its match, kept current by `hub.db.kpi16_counts` in every transaction that moves it
    # (the rule itself is `hub.db.kpi16.live_record`): a live record of the round's year
    # carries the code; one was checked since the round opened.
    recorded: Mapped[bool] = mapped_column(Boolean, server_default=false(), default=False)
    checked: Mapped[bool] = mapped_column(Boolean, server_default=false(), default=False)


class Kpi16Count(Base):
    """A round's references and their matches counted per (province, district): the KPI-16
    coverage of any area is a sum of a few of these rows (`hub.db.kpi16_counts`).

    `district_id` is 0 for references without an LAO (they count in their province and the
    nation, not in any district), so the key has no NULL and stays unique on both databases.
    """

    __tablename__ = "kpi16_counts"
    __table_args__ = (UniqueConstraint("round_id", "province_id", "district_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("kpi16_rounds.id"))
    province_id: Mapped[int] = mapped_column(ForeignKey("provinces.id"))
    district_id: Mapped[int]
    reference_systems: Mapped[int]
    recorded: Mapped[int]
    checked: Mapped[int]


class Kpi16Report(Base):
    """A district's report to its province, or a province's to DLA, for one round: a snapshot
    of the area's figures when it was submitted, by whom, against which deadline (seed 003).

    `area_id` is the district's id for a district report and the province's for a province
    report (one report per round, level and area); `districts_*` are the province's view of
    its districts' reports at that moment.
    """

    __tablename__ = "kpi16_reports"
    __table_args__ = (UniqueConstraint("round_id", "level", "area_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("kpi16_rounds.id"))
    level: Mapped[Kpi16ReportLevel] = mapped_column(
        enum_column(Kpi16ReportLevel, "kpi16_report_level")
    )
    area_id: Mapped[int]
    province_id: Mapped[int] = mapped_column(ForeignKey("provinces.id"), index=True)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))
    deadline: Mapped[dt.date | None] = mapped_column(Date)
    submitted_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    submitted_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_by_subject: Mapped[str | None] = mapped_column(String(300))
    actor_role: Mapped[Role | None] = mapped_column(enum_column(Role, "role"))
    reference_systems: Mapped[int]
    recorded: Mapped[int]
    checked: Mapped[int]
    target_percent: Mapped[float] = mapped_column(Numeric(5, 2, asdecimal=False))
    districts_expected: Mapped[int | None]
    districts_reported: Mapped[int | None]
    note: Mapped[str | None] = mapped_column(Text)
