"""Local administrative organisations (LAOs), their dated codes and types, and contacts.

`Lao.code`, `Lao.type` and `Lao.name_th`/`name_en` hold the *current* values for fast
filtering; the dated history lives in `LaoCode`, `LaoTypePeriod` and `LaoNamePeriod`, and a
merger in `LaoMerger`. Whatever writes an LAO's code, type or name writes both: the loaders
(`loaders/demo_laos.py`) and DLA's registry changes (`hub.services.lao_registry`). Periods are
half-open, `[valid_from, valid_to)`; an LAO with no name period has had its current name
since its history began (names were not dated before the registry kept them).
Names and phone numbers of people are personal data (PDPA) and live only in `LaoContact`,
apart from the public profile columns.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.db.models.base import Base, created_at_column, enum_column
from hub.db.models.geography import District, Province, Subdistrict
from hub.rules.enums import ContactKind, LaoSize, LaoType


class Lao(Base):
    __tablename__ = "laos"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str | None] = mapped_column(String(7), unique=True)  # Bangkok has none
    type: Mapped[LaoType] = mapped_column(enum_column(LaoType, "lao_type"), index=True)
    name_th: Mapped[str] = mapped_column(String(200), index=True)
    name_en: Mapped[str | None] = mapped_column(String(200))
    size: Mapped[LaoSize] = mapped_column(enum_column(LaoSize, "lao_size"))
    province_id: Mapped[int] = mapped_column(ForeignKey("provinces.id"), index=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), index=True)
    subdistrict_id: Mapped[int] = mapped_column(ForeignKey("subdistricts.id"), index=True)
    # Address of the office (seed 002:156-200).
    address_number: Mapped[str | None] = mapped_column(String(50))
    address_village_number: Mapped[int | None]
    address_road: Mapped[str | None] = mapped_column(String(100))
    postcode: Mapped[str] = mapped_column(String(5))
    latitude: Mapped[float | None] = mapped_column(Numeric(9, 6, asdecimal=False))
    longitude: Mapped[float | None] = mapped_column(Numeric(9, 6, asdecimal=False))
    phone: Mapped[str | None] = mapped_column(String(50))  # the office's line: public
    has_website: Mapped[bool] = mapped_column(Boolean, default=False)
    website_url: Mapped[str | None] = mapped_column(String(300))
    version: Mapped[int] = mapped_column(default=1, server_default="1")  # optimistic concurrency
    created_at: Mapped[dt.datetime] = created_at_column()

    province: Mapped[Province] = relationship()
    district: Mapped[District] = relationship()
    subdistrict: Mapped[Subdistrict] = relationship()


class LaoCode(Base):
    """DLA's 7-digit code of an LAO over time: codes change when types change."""

    __tablename__ = "lao_codes"
    __table_args__ = (UniqueConstraint("code", "valid_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lao_id: Mapped[int] = mapped_column(ForeignKey("laos.id"), index=True)
    code: Mapped[str] = mapped_column(String(7), index=True)
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)  # exclusive; None = current


class LaoTypePeriod(Base):
    """The LAO's type over time (an SAO upgraded to a subdistrict municipality, …)."""

    __tablename__ = "lao_type_periods"

    id: Mapped[int] = mapped_column(primary_key=True)
    lao_id: Mapped[int] = mapped_column(ForeignKey("laos.id"), index=True)
    type: Mapped[LaoType] = mapped_column(enum_column(LaoType, "lao_type"))
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)


class LaoNamePeriod(Base):
    """The LAO's name over time (an SAO upgraded is renamed: อบต.X becomes เทศบาลตำบลX)."""

    __tablename__ = "lao_name_periods"

    id: Mapped[int] = mapped_column(primary_key=True)
    lao_id: Mapped[int] = mapped_column(ForeignKey("laos.id"), index=True)
    name_th: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)


class LaoMerger(Base):
    """An LAO absorbed into another from a date: at most one per absorbed LAO, for good.

    The absorbed LAO keeps its row, its years and its history (readable as merged into its
    successor); its code, type and name periods end on `effective_on`.
    """

    __tablename__ = "lao_mergers"

    id: Mapped[int] = mapped_column(primary_key=True)
    lao_id: Mapped[int] = mapped_column(ForeignKey("laos.id"), unique=True)
    successor_id: Mapped[int] = mapped_column(ForeignKey("laos.id"), index=True)
    effective_on: Mapped[dt.date] = mapped_column(Date)
    recorded_at: Mapped[dt.datetime] = created_at_column()


class LaoContact(Base):
    """A data recorder slot or INFO administrator of an LAO: personal data (PDPA)."""

    __tablename__ = "lao_contacts"
    __table_args__ = (UniqueConstraint("lao_id", "kind", "slot"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lao_id: Mapped[int] = mapped_column(ForeignKey("laos.id"), index=True)
    kind: Mapped[ContactKind] = mapped_column(enum_column(ContactKind, "contact_kind"))
    slot: Mapped[int]  # recorders have two slots (1, 2)
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(50))
    email: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[dt.datetime] = created_at_column()
