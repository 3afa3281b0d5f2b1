"""Tables of the 8 domain sections and their record tables, built from `hub.rules.catalogue`.

Each domain gets one section table keyed by `lao_year_id` (one row per LAO-year) holding
its fields as typed columns (every fiscal year's: a year's catalogue uses some of them), a
`<records>_none` flag per record table for an explicit "none in this area", and the
section's version. Record tables (water-supply systems, tourist sites) hold one row per
record per LAO-year; `record_key` identifies the same real-world record across years.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    false,
    func,
)
from sqlalchemy.types import TypeEngine

from hub.db.models.base import Base, UtcDateTime
from hub.rules.catalogue import DOMAINS, Domain, Field, Kind, RecordTable

metadata = Base.metadata


def _sql_type(f: Field) -> TypeEngine[Any]:
    match f.kind:
        case Kind.INT | Kind.YEAR_BE:
            return Integer()
        case Kind.DECIMAL:
            return Numeric(14, 3, asdecimal=False)
        case Kind.BOOL:
            return Boolean()
        case Kind.TEXT:
            return String(f.max_length)
        case Kind.CHOICE:
            return String(max(len(c) for c in f.choice_codes))
        case Kind.LATITUDE | Kind.LONGITUDE:
            return Numeric(9, 6, asdecimal=False)
        case Kind.DATE:
            return Date()
        case Kind.VILLAGE:
            return Integer()
    raise AssertionError(f"unhandled kind {f.kind}")


def _columns(fields: tuple[Field, ...], table: str) -> list[Column[object] | CheckConstraint]:
    items: list[Column[object] | CheckConstraint] = []
    for f in fields:
        if f.kind is Kind.VILLAGE:
            items.append(Column(f.column, ForeignKey("villages.id"), nullable=True, index=True))
        else:
            items.append(Column(f.column, _sql_type(f), nullable=True, comment=f.label_th))
        if f.kind is Kind.CHOICE:
            allowed = ", ".join(f"'{c}'" for c in f.choice_codes)
            items.append(CheckConstraint(f"{f.column} IN ({allowed})", name=f"{f.column}_choice"))
        if f.fetched_at_column:
            items.append(Column(f.fetched_at_column, UtcDateTime(), nullable=True))
    return items


def _section_table(domain: Domain) -> Table:
    return Table(
        domain.table_name,
        metadata,
        Column("lao_year_id", ForeignKey("lao_years.id"), primary_key=True, autoincrement=False),
        *_columns(domain.fields, domain.table_name),
        *(
            Column(t.none_flag, Boolean(), nullable=False, server_default=false(), default=False)
            for t in domain.record_tables
        ),
        # The section's own version (issue 14 §5): two recorders saving different domains of
        # one LAO-year do not conflict; a save checked against it conflicts only with a
        # change of this section (its fields, flags or records). No row: version 0.
        Column("version", Integer, nullable=False, server_default="1", default=1),
        Column("updated_at", UtcDateTime(), server_default=func.now()),
        Column("updated_by_user_id", ForeignKey("users.id"), nullable=True),
        comment=domain.label_th,
    )


def _record_table(records: RecordTable) -> Table:
    return Table(
        records.name,
        metadata,
        Column("id", Integer, primary_key=True),
        Column("lao_year_id", ForeignKey("lao_years.id"), nullable=False, index=True),
        Column("record_key", String(36), nullable=False, index=True),
        *_columns(records.fields, records.name),
        Column("retired_on", Date, nullable=True),
        Column("retired_reason", Text, nullable=True),
        Column("version", Integer, nullable=False, server_default="1", default=1),
        Column("updated_at", UtcDateTime(), server_default=func.now()),
        Column("updated_by_user_id", ForeignKey("users.id"), nullable=True),
        comment=records.label_th,
    )


SECTION_TABLES: dict[int, Table] = {d.number: _section_table(d) for d in DOMAINS}
RECORD_TABLES: dict[str, Table] = {
    t.name: _record_table(t) for d in DOMAINS for t in d.record_tables
}

# KPI 16 matches water-supply records to DLA's reference list by code (`hub.db.kpi16`): the
# records of one reference, or of one page of a province's list, are found by this index.
Index(
    "ix_water_supply_systems_dla_reference_code",
    RECORD_TABLES["water_supply_systems"].c.dla_reference_code,
)
