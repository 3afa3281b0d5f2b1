"""Rounds with deadlines (`hub.rules.rounds`): INFO data of a fiscal year, a KPI-16 round, a
transferred-missions round; one province's deadlines; an LAO's missions checked in a round.

`rounds` holds every round's dates, the one place they are kept. Older columns that held
some of them stay as copies written in the same transaction whenever a round's dates change
(`hub.services.rounds`), so their readers keep working: `fiscal_years.record_deadline`
and `province_deadline` (the INFO round's `deadline` and `province_deadline`) and
`kpi16_rounds.opened_on`, `district_report_deadline` and `province_report_deadline` (the
KPI-16 round's `opens_on`, `district_deadline` and `province_deadline`, else `deadline`).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.models.base import Base, UtcDateTime, created_at_column, enum_column
from hub.rules.enums import Role, RoundKind


class Round(Base):
    """A round: its kind, fiscal year and number, and its dates (`hub.rules.rounds`).

    INFO: one per fiscal year (number 1), made when the year is opened; it closes when DLA
    closes the year. KPI16: `number` is the round of the year (`kpi16_rounds.round_no`).
    MISSIONS: numbered within the fiscal year its opening falls in.
    """

    __tablename__ = "rounds"
    __table_args__ = (UniqueConstraint("kind", "fiscal_year", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[RoundKind] = mapped_column(enum_column(RoundKind, "round_kind"))
    fiscal_year: Mapped[int] = mapped_column(index=True)
    number: Mapped[int] = mapped_column(default=1)
    opens_on: Mapped[dt.date] = mapped_column(Date)
    deadline: Mapped[dt.date] = mapped_column(Date)
    district_deadline: Mapped[dt.date | None] = mapped_column(Date)
    province_deadline: Mapped[dt.date | None] = mapped_column(Date)
    closes_on: Mapped[dt.date | None] = mapped_column(Date)
    letter_reference: Mapped[str | None] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[dt.datetime] = created_at_column()


class RoundProvinceDeadline(Base):
    """One province's deadlines in a round where they differ from the round's (None: the
    round's own)."""

    __tablename__ = "round_province_deadlines"
    __table_args__ = (UniqueConstraint("round_id", "province_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    province_id: Mapped[int] = mapped_column(ForeignKey("provinces.id"))
    deadline: Mapped[dt.date | None] = mapped_column(Date)
    district_deadline: Mapped[dt.date | None] = mapped_column(Date)
    province_deadline: Mapped[dt.date | None] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = created_at_column()


class RoundCheck(Base):
    """An LAO's staff confirmed, in a missions round, that its mission records are checked
    and current (seed 004 item 2): the round's "checked" when nothing needed changing."""

    __tablename__ = "round_checks"
    __table_args__ = (UniqueConstraint("round_id", "lao_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"))
    lao_id: Mapped[int] = mapped_column(ForeignKey("laos.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_role: Mapped[Role | None] = mapped_column(enum_column(Role, "role"))
