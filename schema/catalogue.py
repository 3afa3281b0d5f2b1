"""The catalogue as data: `catalogue(fiscalYear:)` and `catalogueDiff(from:, to:)`, and the
types a historical year and per-section versions are read with.

What a form builder, an integrator or the console needs to know of a fiscal year's form,
straight from `hub.rules.catalogue` (and `hub.rules.catalogue_years` for that year): the
domains, their fields and record tables, Thai and English labels, units, bounds, whether
completeness needs each, who may read it (sensitivity, the client scope) and, for a value
pulled from another DLA system, the catalogue's description of that source. Nothing here
lists a field. The catalogue is public: it describes forms, not anyone's data.
"""

from __future__ import annotations

import enum
import json

import strawberry

from hub.rules.catalogue import Domain, Field, Kind, RecordTable
from hub.rules.catalogue_pre2020 import PRE_2020_BY_NUMBER
from hub.rules.catalogue_years import CatalogueShape as Shape
from hub.rules.catalogue_years import ChangeKind, catalogue_of, diff, shape_of
from hub.rules.problems import invalid
from hub.rules.validation import api_name, camel


@strawberry.enum(
    description="รูปแบบชุดข้อมูล 8 ด้าน — which set of 8 domains a fiscal year's data is in."
)
class CatalogueShape(enum.Enum):
    CURRENT = strawberry.enum_value(
        "CURRENT", description="INFO ปัจจุบัน (ตั้งแต่ปีงบประมาณ 2563) — the current 8 domains"
    )
    PRE_2020 = strawberry.enum_value(
        "PRE_2020",
        description="ระบบเดิมก่อนปี 2563 — the pre-2020 system's 8 domains (historical, read-only)",
    )


@strawberry.enum(description="ชนิดข้อมูล — the type of a catalogue field's value.")
class FieldKind(enum.Enum):
    INT = "INT"
    DECIMAL = "DECIMAL"
    BOOL = "BOOL"
    TEXT = "TEXT"
    CHOICE = "CHOICE"
    YEAR_BE = "YEAR_BE"
    LATITUDE = "LATITUDE"
    LONGITUDE = "LONGITUDE"
    DATE = "DATE"
    VILLAGE = "VILLAGE"


@strawberry.enum(description="ระดับความอ่อนไหว — who may read a field's values.")
class FieldSensitivity(enum.Enum):
    DOMAIN_DATA = strawberry.enum_value(
        "DOMAIN_DATA",
        description="ข้อมูลรายด้าน — an LAO's domain data: public once the LAO certified the year, "
        "drafts to its staff and the officers covering it; a client needs the domain's scope",
    )


@strawberry.enum(description="การเปลี่ยนแปลงของแบบฟอร์ม — how a field or record table changed.")
class CatalogueChangeKind(enum.Enum):
    ADDED = strawberry.enum_value("ADDED", description="เพิ่มใหม่ — on the later form only")
    RETIRED = strawberry.enum_value("RETIRED", description="ยกเลิก — on the earlier form only")
    NOW_REQUIRED = strawberry.enum_value(
        "NOW_REQUIRED", description="บังคับกรอก — completeness needs it in the later year only"
    )
    NO_LONGER_REQUIRED = strawberry.enum_value(
        "NO_LONGER_REQUIRED",
        description="ไม่บังคับแล้ว — completeness needs it in the earlier year only",
    )


@strawberry.type(description="ตัวเลือก — one allowed value of a choice field.")
class CatalogueChoice:
    code: str
    label_th: str
    label_en: str


@strawberry.type(description="รายการข้อมูล — one field of a fiscal year's form.")
class CatalogueField:
    name: str = strawberry.field(
        description="The field's API name (in the section type and the save input)."
    )
    kind: FieldKind
    label_th: str
    label_en: str
    unit: str | None
    unit_th: str | None
    minimum: float | None = strawberry.field(description="Smallest value accepted, if bounded.")
    maximum: float | None = strawberry.field(description="Largest value accepted, if bounded.")
    max_length: int | None = strawberry.field(description="Longest text accepted, in characters.")
    required: bool = strawberry.field(description="บังคับกรอก — completeness needs it this year.")
    choices: list[CatalogueChoice]
    source: str | None = strawberry.field(
        description="แหล่งข้อมูล — for a value pulled from another DLA system, that system as the "
        "catalogue declares it (read-only in the hub: corrected at the source)."
    )
    read_only: bool = strawberry.field(description="Pulled from another system: no save sets it.")
    sensitivity: FieldSensitivity
    scope: str = strawberry.field(
        description="The OAuth scope a client needs to read it (e.g. `domain:5`)."
    )
    introduced_in: int | None = strawberry.field(
        description="The first fiscal year whose form asks it (null: since the catalogue began)."
    )
    retired_in: int | None = strawberry.field(
        description="The first fiscal year whose form no longer asks it (null: still asked)."
    )
    required_from: int | None = strawberry.field(
        description="The first fiscal year completeness needs it (null: whenever required)."
    )


@strawberry.type(
    description="ตารางรายการ — a record table of a domain (e.g. village water supplies)."
)
class CatalogueRecordTable:
    name: str = strawberry.field(description="The LaoYear section's field listing the records.")
    type_name: str = strawberry.field(description="The GraphQL type of one record.")
    label_th: str
    label_en: str
    required: bool = strawberry.field(
        description="Completeness needs a record, or `noneFlag` set, this year."
    )
    none_flag: str = strawberry.field(
        description="The section field marking it explicitly none in this area."
    )
    fields: list[CatalogueField]
    introduced_in: int | None
    retired_in: int | None
    required_from: int | None


@strawberry.type(description="ด้าน — one of the 8 domains of a fiscal year's form.")
class CatalogueDomain:
    number: int
    key: str
    label_th: str
    label_en: str
    section_field: str | None = strawberry.field(
        description="The LaoYear field holding the section (null for the pre-2020 shape: "
        "`LaoYear.historicalSections`)."
    )
    save_mutation: str | None = strawberry.field(
        description="The mutation saving the section (null for the read-only pre-2020 shape)."
    )
    fields: list[CatalogueField]
    record_tables: list[CatalogueRecordTable]


@strawberry.type(description="แบบฟอร์มของปีงบประมาณ — the catalogue of one fiscal year.")
class Catalogue:
    fiscal_year: int
    shape: CatalogueShape
    domains: list[CatalogueDomain]


@strawberry.type(description="การเปลี่ยนแปลง — one field or record table that changed.")
class CatalogueChange:
    domain: int
    kind: CatalogueChangeKind
    name: str = strawberry.field(description="The field's or record table's API name.")
    record_table: str | None = strawberry.field(
        description="For a field of a record table, the table's API name."
    )
    label_th: str
    label_en: str


@strawberry.type(
    description="ความแตกต่างของแบบฟอร์มสองปี — what changed from one year's form to another's."
)
class CatalogueDiff:
    from_year: int
    to_year: int
    changes: list[CatalogueChange]

    @strawberry.field(description="Added on the later form.")
    def added(self) -> list[CatalogueChange]:
        return [c for c in self.changes if c.kind is CatalogueChangeKind.ADDED]

    @strawberry.field(description="Retired: on the earlier form only.")
    def retired(self) -> list[CatalogueChange]:
        return [c for c in self.changes if c.kind is CatalogueChangeKind.RETIRED]

    @strawberry.field(description="On both forms, with a changed requirement.")
    def requirement_changed(self) -> list[CatalogueChange]:
        return [
            c
            for c in self.changes
            if c.kind in (CatalogueChangeKind.NOW_REQUIRED, CatalogueChangeKind.NO_LONGER_REQUIRED)
        ]


@strawberry.type(description="ฉบับของข้อมูลด้าน — one domain section's version.")
class SectionVersion:
    domain: int
    version: int = strawberry.field(description="0 before the section has been saved.")


@strawberry.type(description="ค่าข้อมูลย้อนหลัง — one value of a historical year, as imported.")
class HistoricalValue:
    name: str = strawberry.field(description="The field's API name in the pre-2020 catalogue.")
    label_th: str
    label_en: str
    unit: str | None
    number: float | None = strawberry.field(description="A numeric value.")
    flag: bool | None = strawberry.field(description="A yes/no value.")
    text: str | None = strawberry.field(description="A text value.")


@strawberry.type(description="ข้อมูลย้อนหลังรายด้าน — one domain of a historical year (pre-2020 shape).")
class HistoricalSection:
    domain: int = strawberry.field(description="The domain's number in the pre-2020 shape.")
    key: str
    label_th: str
    label_en: str
    values: list[HistoricalValue]


def _field(f: Field, domain_number: int) -> CatalogueField:
    return CatalogueField(
        name=api_name(f),
        kind=FieldKind[f.kind.name],
        label_th=f.label_th,
        label_en=f.label_en,
        unit=f.unit,
        unit_th=f.unit_th,
        minimum=f.minimum,
        maximum=f.maximum,
        max_length=f.max_length,
        required=f.required,
        choices=[
            CatalogueChoice(code=c.code, label_th=c.label_th, label_en=c.label_en)
            for c in f.choices
        ],
        source=f.source,
        read_only=f.read_only,
        sensitivity=FieldSensitivity.DOMAIN_DATA,
        scope=f"domain:{domain_number}",
        introduced_in=f.introduced_in,
        retired_in=f.retired_in,
        required_from=f.required_from,
    )


def _table(t: RecordTable, domain_number: int) -> CatalogueRecordTable:
    return CatalogueRecordTable(
        name=camel(t.name),
        type_name=t.type_name,
        label_th=t.label_th,
        label_en=t.label_en,
        required=t.required,
        none_flag=camel(t.none_flag),
        fields=[_field(f, domain_number) for f in t.fields],
        introduced_in=t.introduced_in,
        retired_in=t.retired_in,
        required_from=t.required_from,
    )


def _domain(d: Domain, shape: Shape) -> CatalogueDomain:
    current = shape is Shape.CURRENT
    return CatalogueDomain(
        number=d.number,
        key=d.key,
        label_th=d.label_th,
        label_en=d.label_en,
        section_field=camel(d.key) if current else None,
        save_mutation="save" + d.type_name.removesuffix("Section") if current else None,
        fields=[_field(f, d.number) for f in d.fields],
        record_tables=[_table(t, d.number) for t in d.record_tables],
    )


def catalogue(fiscal_year: int) -> Catalogue:
    shape, domains = catalogue_of(fiscal_year)
    return Catalogue(
        fiscal_year=fiscal_year,
        shape=CatalogueShape[shape.name],
        domains=[_domain(d, shape) for d in domains],
    )


def _labels(
    domain: int, name: str, table: str | None, from_year: int, to_year: int
) -> tuple[str, str]:
    for year in (to_year, from_year):
        _, domains = catalogue_of(year)
        d = domains[domain - 1]
        tables = {t.name: t for t in d.record_tables}
        if table is not None and table in tables:
            fields = {f.name: f for f in tables[table].fields}
            if name in fields:
                return fields[name].label_th, fields[name].label_en
        elif table is None:
            fields = {f.name: f for f in d.fields}
            if name in fields:
                return fields[name].label_th, fields[name].label_en
            if name in tables:
                return tables[name].label_th, tables[name].label_en
    return name, name


def catalogue_diff(from_year: int, to_year: int) -> CatalogueDiff:
    for name, year in (("from", from_year), ("to", to_year)):
        if shape_of(year) is not Shape.CURRENT:
            raise invalid(
                name,
                "WRONG_SHAPE",
                f"fiscal year {year} is in the pre-2020 shape: its form is not compared with "
                "today's (read it with catalogue(fiscalYear:))",
                f"ปีงบประมาณ {year} เป็นข้อมูลรูปแบบเดิมก่อนปี 2563 เปรียบเทียบกับแบบฟอร์มปัจจุบันไม่ได้",
            )
    changes = [
        CatalogueChange(
            domain=c.domain,
            kind=CatalogueChangeKind[ChangeKind(c.kind).name],
            name=api_name_of(c.name, c.record_table),
            record_table=camel(c.record_table) if c.record_table else None,
            label_th=_labels(c.domain, c.name, c.record_table, from_year, to_year)[0],
            label_en=_labels(c.domain, c.name, c.record_table, from_year, to_year)[1],
        )
        for c in diff(from_year, to_year)
    ]
    return CatalogueDiff(from_year=from_year, to_year=to_year, changes=changes)


def api_name_of(name: str, record_table: str | None) -> str:
    """A changed item's API name (a record's village is given by its number)."""
    return "villageNumber" if record_table is not None and name == "village" else camel(name)


def _json_value(f: Field, value: object) -> tuple[float | None, bool | None, str | None]:
    if f.kind is Kind.BOOL:
        return None, bool(value), None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value), None, None
    return None, None, None if value is None else str(value)


def historical_section(domain_number: int, values_json: str) -> HistoricalSection:
    """A historical domain as stored (`historical_sections.values_json`), in catalogue order."""
    d = PRE_2020_BY_NUMBER[domain_number]
    stored = json.loads(values_json)
    values = []
    for f in d.fields:
        if f.name not in stored:
            continue
        number, flag, text = _json_value(f, stored[f.name])
        values.append(
            HistoricalValue(
                name=camel(f.name),
                label_th=f.label_th,
                label_en=f.label_en,
                unit=f.unit,
                number=number,
                flag=flag,
                text=text,
            )
        )
    return HistoricalSection(
        domain=d.number, key=d.key, label_th=d.label_th, label_en=d.label_en, values=values
    )
