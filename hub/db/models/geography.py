"""Thai administrative geography: province → district → subdistrict → village.

Codes follow the DOPA scheme (province 2 digits, district 4, subdistrict 6). The shipped
dataset carries the official province codes and generated district and subdistrict codes
(see README "Where the data comes from"); an official registry can replace them.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.db.models.base import Base


class Province(Base):
    __tablename__ = "provinces"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(2), unique=True)
    name_th: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str | None] = mapped_column(String(100))

    districts: Mapped[list[District]] = relationship(back_populates="province")


class District(Base):
    __tablename__ = "districts"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(4), unique=True)
    province_id: Mapped[int] = mapped_column(ForeignKey("provinces.id"), index=True)
    name_th: Mapped[str] = mapped_column(String(100))

    province: Mapped[Province] = relationship(back_populates="districts")
    subdistricts: Mapped[list[Subdistrict]] = relationship(back_populates="district")


class Subdistrict(Base):
    __tablename__ = "subdistricts"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(6), unique=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), index=True)
    name_th: Mapped[str] = mapped_column(String(100))
    postcode: Mapped[str] = mapped_column(String(5))
    latitude: Mapped[float | None] = mapped_column(Numeric(9, 6, asdecimal=False))
    longitude: Mapped[float | None] = mapped_column(Numeric(9, 6, asdecimal=False))

    district: Mapped[District] = relationship(back_populates="subdistricts")


class Village(Base):
    """A village (หมู่บ้าน), numbered within its subdistrict (หมู่ที่ N)."""

    __tablename__ = "villages"
    __table_args__ = (UniqueConstraint("subdistrict_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subdistrict_id: Mapped[int] = mapped_column(ForeignKey("subdistricts.id"), index=True)
    number: Mapped[int]
    name_th: Mapped[str] = mapped_column(String(100))
