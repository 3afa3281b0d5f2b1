"""GraphQL types of the 8 domain sections and their record tables, built from the catalogue.

Nothing here lists a field: each type, field, enum and description comes from
`hub.rules.catalogue`, so a field declared there appears here with its Thai label and unit.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable
from typing import Any

import strawberry

from hub.rules.catalogue import DOMAINS, Domain, Field, Kind, RecordTable, pascal
from schema.context import Info
from schema.geography import Village

_SCALARS: dict[Kind, type] = {
    Kind.INT: int,
    Kind.YEAR_BE: int,
    Kind.DECIMAL: float,
    Kind.BOOL: bool,
    Kind.TEXT: str,
    Kind.LATITUDE: float,
    Kind.LONGITUDE: float,
    Kind.DATE: dt.date,
}


def describe(f: Field) -> str:
    """The field's description: Thai label — English label, unit, and what governs it."""
    text = f"{f.label_th} — {f.label_en}"
    if f.unit:
        text += f" ({f.unit_th} / {f.unit})"
    notes = []
    if f.required and f.required_from is not None:
        notes.append(f"required for completeness from fiscal year {f.required_from}")
    elif f.required:
        notes.append("required for completeness")
    if f.introduced_in is not None:
        notes.append(f"on the form from fiscal year {f.introduced_in}")
    if f.retired_in is not None:
        notes.append(f"on the form until fiscal year {f.retired_in - 1}")
    if f.minimum is not None or f.maximum is not None:
        notes.append(f"range {_num(f.minimum)}–{_num(f.maximum)}")
    if f.source:
        notes.append(f"pulled from {f.source}; read-only here")
    if notes:
        text += ". " + "; ".join(notes).capitalize() + "."
    return text


def _num(value: float | None) -> str:
    if value is None:
        return "…"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,}"


CHOICE_ENUMS: dict[
    tuple[str, str], Any
] = {}  # (owner, field name) → GraphQL enum, shared by inputs


def _choice_enum(f: Field, owner: str) -> Any:
    if (owner, f.name) in CHOICE_ENUMS:
        return CHOICE_ENUMS[(owner, f.name)]
    values = {
        c.code: strawberry.enum_value(c.code, description=f"{c.label_th} — {c.label_en}")
        for c in f.choices
    }
    name = owner + pascal(f.name) if owner else pascal(f.name)
    graphql_enum = strawberry.enum(
        enum.Enum(name, values), description=f"{f.label_th} — {f.label_en}"
    )  # type: ignore[misc]
    CHOICE_ENUMS[(owner, f.name)] = graphql_enum
    return graphql_enum


def _village_resolver(attribute: str) -> Callable[..., Any]:
    async def resolve(root: Any, info: Info) -> Village | None:
        village_id = getattr(root, attribute)
        if village_id is None:
            return None
        row = await info.context.loaders.village.load(village_id)
        return Village.from_row(row) if row is not None else None

    return resolve


def _value_fields(
    fields: tuple[Field, ...], owner: str, namespace: dict[str, Any]
) -> list[tuple[str, str]]:
    """Adds one GraphQL field per catalogue field; returns (attribute, column) pairs."""
    annotations = namespace.setdefault("__annotations__", {})
    columns = []
    for f in fields:
        if f.kind is Kind.VILLAGE:
            attribute = f"_{f.column}"
            annotations[attribute] = strawberry.Private[int | None]
            namespace[f.name] = strawberry.field(
                resolver=_village_resolver(attribute), description=describe(f)
            )
            columns.append((attribute, f.column))
            continue
        python_type = _choice_enum(f, owner) if f.kind is Kind.CHOICE else _SCALARS[f.kind]
        annotations[f.name] = python_type | None
        namespace[f.name] = strawberry.field(description=describe(f), default=None)
        columns.append((f.name, f.column))
        if f.fetched_at_column:
            annotations[f.fetched_at_column] = dt.datetime | None
            namespace[f.fetched_at_column] = strawberry.field(
                description=f"When {f.label_en.lower()} was last pulled from {f.source}.",
                default=None,
            )
            columns.append((f.fetched_at_column, f.fetched_at_column))
    return columns


def _record_type(records: RecordTable) -> tuple[Any, list[tuple[str, str]]]:
    namespace: dict[str, Any] = {"__annotations__": {}}
    namespace["__annotations__"]["record_key"] = strawberry.ID
    namespace["record_key"] = strawberry.field(
        description="รหัสอ้างอิงรายการ — identifies the same real-world record across fiscal years."
    )
    columns = [("record_key", "record_key")]
    columns += _value_fields(records.fields, records.type_name, namespace)
    namespace["__annotations__"]["id"] = int
    namespace["id"] = strawberry.field(
        description="เลขที่รายการ — id of this record in this fiscal year (for updates)."
    )
    columns.append(("id", "id"))
    namespace["__annotations__"]["version"] = int
    namespace["version"] = strawberry.field(
        description="Optimistic-concurrency version of this record.", default=1
    )
    columns.append(("version", "version"))
    cls = type(records.type_name, (), namespace)
    return strawberry.type(
        cls, description=f"{records.label_th} — {records.label_en}: one record."
    ), columns


RECORD_TYPES: dict[str, Any] = {}
RECORD_COLUMNS: dict[str, list[tuple[str, str]]] = {}
for _domain in DOMAINS:
    for _records in _domain.record_tables:
        RECORD_TYPES[_records.name], RECORD_COLUMNS[_records.name] = _record_type(_records)


def record_from_row(name: str, row: Any) -> Any:
    mapping = row._mapping
    return RECORD_TYPES[name](
        **{attribute: mapping[column] for attribute, column in RECORD_COLUMNS[name]}
    )


def _records_resolver(records: RecordTable) -> Callable[..., Any]:
    record_type = RECORD_TYPES[records.name]

    async def resolve(root: Any, info: Info) -> list[Any]:
        rows = await info.context.loaders.records[records.name].load(root.lao_year_id)
        return [record_from_row(records.name, row) for row in rows]

    resolve.__annotations__ = {"root": Any, "info": Info, "return": list[record_type]}
    return resolve


def _section_type(domain: Domain) -> tuple[Any, list[tuple[str, str]]]:
    namespace: dict[str, Any] = {"__annotations__": {"lao_year_id": strawberry.Private[int]}}
    columns = [("lao_year_id", "lao_year_id")]
    columns += _value_fields(domain.fields, "", namespace)
    for records in domain.record_tables:
        namespace[records.name] = strawberry.field(
            resolver=_records_resolver(records),
            description=f"{records.label_th} — {records.label_en} (current records; retired ones omitted).",
        )
        namespace["__annotations__"][records.none_flag] = bool
        namespace[records.none_flag] = strawberry.field(
            description=f"ไม่มี{records.label_th}ในพื้นที่ — explicitly none in this area "
            "(counts as filled for completeness).",
            default=False,
        )
        columns.append((records.none_flag, records.none_flag))
    pulled = frozenset(f.name for f in domain.fields if f.source)
    if pulled:
        from schema.provenance import PulledValue, pulled_resolver

        resolve = pulled_resolver(pulled)
        resolve.__annotations__ = {"root": Any, "info": Info, "return": list[PulledValue]}
        namespace["pulled"] = strawberry.field(
            resolver=resolve,
            description="ที่มาของข้อมูลที่ดึงจากระบบอื่น — for each value of this section pulled from "
            "another DLA system: the system, when it fetched the value, and the batch.",
        )
    namespace["__annotations__"]["updated_at"] = dt.datetime | None
    namespace["updated_at"] = strawberry.field(
        description="When the section was last saved.", default=None
    )
    columns.append(("updated_at", "updated_at"))
    namespace["__annotations__"]["version"] = int
    namespace["version"] = strawberry.field(
        description="ฉบับของข้อมูลด้านนี้ — the section's version: send it as `sectionVersion` with "
        "a save of this domain or of its records (a save conflicts only with a change of the "
        "same section).",
        default=1,
    )
    columns.append(("version", "version"))
    cls = type(domain.type_name, (), namespace)
    description = (
        f"ด้านที่ {domain.number} {domain.label_th} — domain {domain.number}, {domain.label_en}."
    )
    return strawberry.type(cls, description=description), columns


SECTION_TYPES: dict[int, Any] = {}
SECTION_COLUMNS: dict[int, list[tuple[str, str]]] = {}
for _domain in DOMAINS:
    SECTION_TYPES[_domain.number], SECTION_COLUMNS[_domain.number] = _section_type(_domain)


def section_from_row(number: int, row: Any) -> Any:
    mapping = row._mapping
    return SECTION_TYPES[number](
        **{attribute: mapping[column] for attribute, column in SECTION_COLUMNS[number]}
    )
