"""The mutations' inputs: those of the sections and records built from the catalogue, and
the hand-written ones (LAO-year references, transferred missions, the LAO profile).

A field omitted from an input keeps its value; null clears it. `values_of` and `given`
turn an input into the plain mapping a service takes (`hub.services`); fields pulled from
another DLA system (`read_only` in the catalogue) have no input at all.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry
from strawberry.types.unset import UNSET

from hub.rules.catalogue import DOMAINS, Field, Kind, RecordTable
from schema.domains import _SCALARS, CHOICE_ENUMS, describe
from schema.enums import MissionArea


@strawberry.input(
    description="อ้างอิงข้อมูล อปท. รายปี — one LAO-year, with the version it was seen at (optional)."
)
class LaoYearRef:
    lao_code: str
    fiscal_year: int
    version: int | None = None


def _input_type(f: Field, owner: str) -> Any:
    if f.kind is Kind.CHOICE:
        return CHOICE_ENUMS[(owner, f.name)]
    if f.kind is Kind.VILLAGE:
        return int
    return _SCALARS[f.kind]


def _input_name(f: Field) -> str:
    return "village_number" if f.kind is Kind.VILLAGE else f.name


def _build_input(
    name: str,
    fields: tuple[Field, ...],
    owner: str,
    flags: tuple[RecordTable, ...] = (),
    description: str = "",
) -> Any:
    namespace: dict[str, Any] = {"__annotations__": {}}
    for f in fields:
        if f.read_only:
            continue  # pulled from another DLA system: corrected there, never here
        attribute = _input_name(f)
        namespace["__annotations__"][attribute] = _input_type(f, owner) | None
        text = describe(f)
        if f.kind is Kind.VILLAGE:
            text = f"หมู่ที่ — village number within the LAO's subdistrict. {text}"
        namespace[attribute] = strawberry.field(
            default=UNSET, description=text + " Omit to keep; null to clear."
        )
    for t in flags:
        namespace["__annotations__"][t.none_flag] = bool | None
        namespace[t.none_flag] = strawberry.field(
            default=UNSET,
            description=f"ไม่มี{t.label_th}ในพื้นที่ — mark the table explicitly empty. "
            "Omit to keep; null to clear (false).",
        )
    return strawberry.input(type(name, (), namespace), description=description)


SECTION_INPUTS = {
    d.number: _build_input(
        d.type_name.removesuffix("Section") + "Input",
        d.fields,
        "",
        d.record_tables,
        f"ข้อมูลด้านที่ {d.number} {d.label_th} — fields to save; omitted fields keep their values.",
    )
    for d in DOMAINS
}
RECORD_INPUTS = {
    t.name: _build_input(
        t.type_name + "Input",
        t.fields,
        t.type_name,
        (),
        f"{t.label_th} — {t.label_en}: one record.",
    )
    for d in DOMAINS
    for t in d.record_tables
}


def values_of(data: Any, fields: tuple[Field, ...]) -> dict[str, Any]:
    """The fields given in a catalogue-built input, by field name (choices as member names,
    a village as its number, and any "none in this area" flag)."""
    values = {}
    for f in fields:
        if f.read_only:
            continue
        value = getattr(data, _input_name(f), UNSET)
        if value is not UNSET:
            values[f.name] = (
                value.value if hasattr(value, "value") and f.kind is Kind.CHOICE else value
            )
    for key, value in vars(data).items():
        if key.endswith("_none") and value is not UNSET:
            values[key] = value
    return values


@strawberry.input(description="ข้อมูลภารกิจถ่ายโอน — what came with a transferred mission.")
class MissionRecordInput:
    received_on: dt.date | None = strawberry.field(
        default=UNSET, description="วันที่รับถ่ายโอน — received since."
    )
    budget_baht: float | None = strawberry.field(
        default=UNSET, description="งบประมาณ (บาท) — budget, baht."
    )
    staff_transferred: int | None = strawberry.field(
        default=UNSET, description="บุคลากร (คน) — staff transferred."
    )
    assets: str | None = strawberry.field(default=UNSET, description="ทรัพย์สิน — assets transferred.")
    asset_value_baht: float | None = strawberry.field(
        default=UNSET, description="มูลค่าทรัพย์สิน (บาท) — value of the assets, baht."
    )
    note: str | None = strawberry.field(default=UNSET, description="หมายเหตุ — note.")


@strawberry.input(
    description="แก้ไขภารกิจในบัญชี — catalogue fields to change; omitted ones keep their values."
)
class CatalogueMissionInput:
    name_th: str | None = strawberry.field(default=UNSET, description="ชื่อภารกิจ — Thai name.")
    name_en: str | None = strawberry.field(
        default=UNSET, description="English name; null clears it."
    )
    area: MissionArea | None = strawberry.field(default=UNSET, description="ด้าน — area.")
    agency_code: str | None = strawberry.field(
        default=UNSET,
        description="หน่วยงานผู้ถ่ายโอน — agency code; records LAOs hold keep the agency they came from.",
    )


@strawberry.input(description="ผู้บันทึกข้อมูล — one data-recorder slot (personal data).")
class RecorderInput:
    slot: int
    name: str
    position: str | None = None
    phone: str | None = None
    email: str | None = None


@strawberry.input(
    description="ผู้ดูแลระบบ INFO — one INFO-administrator entry of the LAO (personal data)."
)
class InfoAdministratorInput:
    slot: int = strawberry.field(description="ลำดับ — 1 to 5.")
    name: str
    position: str | None = None
    phone: str | None = None
    email: str | None = None


@strawberry.input(
    description="ข้อมูลทั่วไปของ อปท. — profile fields to save; omitted ones keep their values."
)
class LaoProfileInput:
    address_number: str | None = UNSET
    address_village_number: int | None = UNSET
    address_road: str | None = UNSET
    phone: str | None = strawberry.field(
        default=UNSET, description="โทรศัพท์สำนักงาน — the office line (public)."
    )
    has_website: bool | None = UNSET
    website_url: str | None = UNSET
    latitude: float | None = UNSET
    longitude: float | None = UNSET


def given(data: Any) -> dict[str, Any]:
    """The fields given in an input (omitted ones are UNSET), by name."""
    return {k: v for k, v in vars(data).items() if v is not UNSET}
