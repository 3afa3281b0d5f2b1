"""The domain catalogue as console pages show it: a field's label by the name the API gives
it, and a value written out with its unit, in Thai or English.

The API names missing fields and returns values by their camelCase names
(`complaintsResolved`, `waterSupplySystems`, enum codes such as `SANITARY_LANDFILL`); the
catalogue (`hub.rules.catalogue`) declares each field's labels, unit and choices once. This
module only looks them up; it decides nothing about completeness or validity.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from hub.rules import thai_dates
from hub.rules.catalogue import DOMAINS, Domain, Field, Kind, RecordTable
from hub.rules.validation import camel


@dataclass(frozen=True)
class Label:
    th: str
    en: str
    unit_th: str | None = None
    unit_en: str | None = None
    record_table: bool = False  # a table of records rather than a single field

    def text(self, lang: str) -> str:
        return self.en if lang == "en" else self.th

    def unit(self, lang: str) -> str:
        return (self.unit_en if lang == "en" else self.unit_th) or ""


def _field_label(f: Field) -> Label:
    return Label(f.label_th, f.label_en, f.unit_th or f.unit, f.unit)


def _labels(d: Domain) -> dict[str, Label]:
    labels = {camel(f.name): _field_label(f) for f in d.fields}
    for t in d.record_tables:
        labels[camel(t.name)] = Label(t.label_th, t.label_en, record_table=True)
    return labels


LABELS: dict[int, dict[str, Label]] = {d.number: _labels(d) for d in DOMAINS}


def missing_label(domain: int, api_name: str) -> Label:
    """The label of a field or record table the API reports missing in `domain`."""
    return LABELS.get(domain, {}).get(api_name) or Label(api_name, api_name)


def format_value(f: Field, value: Any, lang: str) -> str:
    """A field's value as a reader sees it; "–" when nothing is recorded."""
    if value is None or value == "":
        return "–"
    en = lang == "en"
    if f.kind is Kind.BOOL:
        return ("Yes" if value else "No") if en else ("มี" if value else "ไม่มี")
    if f.kind is Kind.CHOICE:
        for c in f.choices:
            if c.code == value:
                return c.label_en if en else c.label_th
        return str(value)
    if f.kind is Kind.INT:
        return f"{int(value):,}"
    if f.kind is Kind.DECIMAL:
        return f"{float(value):,.2f}".rstrip("0").rstrip(".")
    if f.kind in (Kind.LATITUDE, Kind.LONGITUDE):
        return f"{float(value):.6f}"
    if f.kind is Kind.DATE:
        day = dt.date.fromisoformat(value) if isinstance(value, str) else value
        return thai_dates.format_date(day, lang)
    if f.kind is Kind.VILLAGE and isinstance(value, dict):
        number, name = value.get("number"), value.get("nameTh") or ""
        return f"Village {number} {name}".strip() if en else f"หมู่ที่ {number} {name}".strip()
    return str(value)


def value_selection(fields: tuple[Field, ...]) -> str:
    """The GraphQL selection of `fields` (a village with its number and name; a pulled
    value with the time it was fetched)."""
    parts = []
    for f in fields:
        if f.kind is Kind.VILLAGE:
            parts.append(f"{camel(f.name)} {{ number nameTh }}")
        else:
            parts.append(camel(f.name))
        if f.fetched_at_column:
            parts.append(camel(f.fetched_at_column))
    return " ".join(parts)


def record_tables() -> tuple[tuple[Domain, RecordTable], ...]:
    return tuple((d, t) for d in DOMAINS for t in d.record_tables)
