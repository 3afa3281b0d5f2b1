"""Fiscal years, the per-LAO-per-year record and its certification history."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.db.models.base import Base, UtcDateTime, created_at_column, enum_column
from hub.db.models.organisations import Lao
from hub.rules.enums import CertificationState, Role


class FiscalYear(Base):
    """A Thai fiscal year (1 Oct – 30 Sep), named by its Buddhist-Era end year.

    LAOs record until `record_deadline` (later saves are reported late); the provincial office
    may certify until DLA closes the year (`closed_at`), after which it is read-only for all.
    """

    __tablename__ = "fiscal_years"

    year_be: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    record_deadline: Mapped[dt.date] = mapped_column(Date)
    province_deadline: Mapped[dt.date | None] = mapped_column(Date)
    opened_at: Mapped[dt.datetime] = created_at_column()
    closed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    # The set of 8 domains its data is in (`hub.rules.catalogue_years.CatalogueShape`): CURRENT,
    # or PRE_2020 for a historical year imported from the system before 2020.
    catalogue_shape: Mapped[str] = mapped_column(String(16), server_default="CURRENT")

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class LaoYear(Base):
    """One LAO's data for one fiscal year: certification state and optimistic version."""

    __tablename__ = "lao_years"
    __table_args__ = (UniqueConstraint("lao_id", "fiscal_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lao_id: Mapped[int] = mapped_column(ForeignKey("laos.id"), index=True)
    fiscal_year: Mapped[int] = mapped_column(ForeignKey("fiscal_years.year_be"), index=True)
    state: Mapped[CertificationState] = mapped_column(
        enum_column(CertificationState, "certification_state"),
        default=CertificationState.DRAFT,
        index=True,
    )
    version: Mapped[int] = mapped_column(default=1)
    # Bit n-1 set when domain n is complete; recomputed on every save (hub.rules.completeness).
    complete_domains: Mapped[int] = mapped_column(default=0)
    data_received_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[dt.datetime] = created_at_column()
    updated_at: Mapped[dt.datetime] = created_at_column()

    lao: Mapped[Lao] = relationship()


class CertificationEvent(Base):
    """One transition of a LaoYear's state: when, to what, by whom (seed 002:217-222)."""

    __tablename__ = "certification_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    lao_year_id: Mapped[int] = mapped_column(ForeignKey("lao_years.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    from_state: Mapped[CertificationState] = mapped_column(
        enum_column(CertificationState, "from_state")
    )
    to_state: Mapped[CertificationState] = mapped_column(
        enum_column(CertificationState, "to_state")
    )
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_role: Mapped[Role | None] = mapped_column(enum_column(Role, "role"))
    reason: Mapped[str | None] = mapped_column(Text)


class CompletenessChange(Base):
    """A LaoYear's completeness from `at` on: appended whenever the mask of complete domains
    or "anything recorded" changes (a save, a year opened from last year's data, a load).

    The LPA score as of a date reads the latest entry at or before it (`hub.rules.lpa`), so a past
    score is a function of the history up to its date; no entry means nothing was recorded.
    """

    __tablename__ = "completeness_history"
    __table_args__ = (Index("ix_completeness_history_lao_year_at", "lao_year_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lao_year_id: Mapped[int] = mapped_column(ForeignKey("lao_years.id"))
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    complete_domains: Mapped[int]
    anything_recorded: Mapped[bool] = mapped_column(Boolean)


class LpaRubric(Base):
    """LPA indicator 7 rubric for one LPA year, kept as data (the 2564 form is a draft).

    A version stays in force until a later LPA year's is published (`hub.rules.lpa`).
    """

    __tablename__ = "lpa_rubrics"

    lpa_year_be: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    indicator: Mapped[str] = mapped_column(String(20), default="1.2.7")
    full_score: Mapped[int] = mapped_column(default=5)
    levels_json: Mapped[str] = mapped_column(Text)  # [{"score": 5, "rule": "...", "th": "..."}]


class LpaAssessment(Base):
    """An assessor's final LPA indicator-7 score of an LAO-year, as it stands now.

    One per LAO-year and LPA year; `version` advances with every revision, each of which is
    kept in `lpa_assessment_revisions` (this row repeats the latest). `rubric_year_be` is the
    rubric version the score was given under (the built-in 2564 form has no row of its own).
    """

    __tablename__ = "lpa_assessments"
    __table_args__ = (UniqueConstraint("lao_year_id", "lpa_year_be"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lao_year_id: Mapped[int] = mapped_column(ForeignKey("lao_years.id"), index=True)
    lpa_year_be: Mapped[int]
    inspected_on: Mapped[dt.date] = mapped_column(Date)
    score: Mapped[int]
    reason: Mapped[str] = mapped_column(Text)
    assessed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assessed_at: Mapped[dt.datetime] = created_at_column()
    evidence: Mapped[str] = mapped_column(Text, server_default="")
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    rubric_year_be: Mapped[int] = mapped_column(server_default="2564")
    assessor_name: Mapped[str | None] = mapped_column(String(255))


class LpaAssessmentRevision(Base):
    """One version of a final LPA score: what the assessor recorded, why, on which evidence,
    who and when. Never changed once written; the score as of a date is the latest revision
    recorded at or before it."""

    __tablename__ = "lpa_assessment_revisions"
    __table_args__ = (
        UniqueConstraint("assessment_id", "version"),
        Index("ix_lpa_assessment_revisions_assessment_at", "assessment_id", "assessed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("lpa_assessments.id"))
    version: Mapped[int]
    score: Mapped[int]
    rubric_year_be: Mapped[int]
    reason: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str] = mapped_column(Text)
    inspected_on: Mapped[dt.date] = mapped_column(Date)
    assessed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The assessor's name when it was recorded (an external provider's people have no row).
    assessor_name: Mapped[str | None] = mapped_column(String(255))
    assessed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class HistoricalSection(Base):
    """One domain of an LAO-year of a historical fiscal year, in the pre-2020 shape
    (`hub.rules.catalogue_pre2020`): its values as imported, by catalogue field name, as a
    JSON object. Read-only: no form edits it; `hub history import` writes it."""

    __tablename__ = "historical_sections"

    lao_year_id: Mapped[int] = mapped_column(
        ForeignKey("lao_years.id"), primary_key=True, autoincrement=False
    )
    domain: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    values_json: Mapped[str] = mapped_column(Text)
    imported_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
