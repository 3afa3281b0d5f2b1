"""The catalogue as a form: what the console shows for a field, and what it sends the API.

Every domain form is generated from `hub.rules.catalogue` (through
`hub.services.sections.section_fields`, which adds each record table's "none in this area"
flag): label in Thai and English, unit, bounds, whether completeness needs it, the choices,
and for a value pulled from another DLA system its source. Nothing here decides whether a
value is acceptable — the API's save mutations do, and answer `ValidationFailed` naming
each field. This module only turns what a person typed into the JSON the API's input types
take (a number is a number, a choice a code), the way a browser's own number input would:
text that is not a number at all cannot be sent as one, so it is reported here (`Unreadable`)
before anything is sent, in the API's words (`WRONG_TYPE`).

A clerk types numbers as people write them: "1,250", " 12 ", Thai digits "๑๒"; all read as
the number they mean. An empty input clears the value (null), as the API's inputs allow.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hub.rules.catalogue import DOMAINS, RECORD_TABLE_BY_NAME, Domain, Field, Kind
from hub.rules.validation import api_name, camel
from hub.services.sections import section_fields

_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
_NUMBER_NOISE = str.maketrans("", "", ", \u00a0\u2009\u202f_")


@dataclass(frozen=True)
class Unreadable:
    """Typed text that cannot be sent as the field's type (the API's WRONG_TYPE)."""

    name: str  # the field's API name
    message_th: str
    message_en: str
    code: str = "WRONG_TYPE"


def fields_of(d: Domain) -> tuple[Field, ...]:
    """The section's fields in catalogue order, then its record tables' "none" flags."""
    return section_fields(d)


def none_flag_table(f: Field) -> str | None:
    """For a record table's "none in this area" flag, the table's name."""
    name = f.name.removesuffix("_none")
    return name if f.name.endswith("_none") and name in RECORD_TABLE_BY_NAME else None


def section_selection(d: Domain) -> str:
    """The GraphQL selection of a section's values: fields, fetch times, flags."""
    names = []
    for f in fields_of(d):
        names.append(api_name(f))
        if f.fetched_at_column:
            names.append(camel(f.fetched_at_column))
    return " ".join([*names, "updatedAt"])


def input_type(d: Domain) -> str:
    return d.type_name.removesuffix("Section") + "Input"


def mutation_name(d: Domain) -> str:
    return "save" + d.type_name.removesuffix("Section")


def section_key(d: Domain) -> str:
    """The LaoYear field holding the section: healthEnvironment, …"""
    return camel(d.key)


def label(f: Field, lang: str) -> str:
    return f.label_en if lang == "en" else f.label_th


def unit(f: Field, lang: str) -> str | None:
    return f.unit if lang == "en" else (f.unit_th or f.unit)


def _number(value: float | None) -> str:
    if value is None:
        return "…"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,}"


def bounds(f: Field, lang: str) -> str | None:
    """ "0–500" when the catalogue bounds the field."""
    if f.kind not in (Kind.INT, Kind.DECIMAL) or (f.minimum is None and f.maximum is None):
        return None
    low, high = _number(f.minimum), _number(f.maximum)
    return f"{low}–{high}" if lang == "en" else f"{low} ถึง {high}"


def shown(f: Field, value: Any) -> str:
    """A value as an input shows it (no thousands separators: people edit it)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    return str(value)


def readable(f: Field, value: Any, lang: str) -> str:
    """A value as a person reads it: grouped digits with the unit, a choice's label."""
    if value is None:
        return "–"
    if f.kind is Kind.BOOL:
        return ("Yes" if value else "No") if lang == "en" else ("ใช่" if value else "ไม่ใช่")
    if f.kind is Kind.CHOICE:
        for c in f.choices:
            if c.code == value:
                return c.label_en if lang == "en" else c.label_th
        return str(value)
    if isinstance(value, int | float):
        text = _number(value)
        u = unit(f, lang)
        return f"{text} {u}" if u else text
    return str(value)


def _unreadable(f: Field, th: str, en: str) -> Unreadable:
    return Unreadable(api_name(f), f"{f.label_th}: {th}", f"{f.label_en} ({f.label_th}): {en}")


def parse(f: Field, raw: str | None) -> tuple[Any, Unreadable | None]:
    """The JSON value to send for what was typed into the field's input; None clears."""
    text = (raw or "").strip()
    if f.kind is Kind.BOOL:
        if none_flag_table(f):
            return text in ("on", "true"), None  # a checkbox: absent means unticked
        return {"true": True, "false": False}.get(text), None
    if text == "":
        return None, None
    if f.kind in (Kind.INT, Kind.YEAR_BE, Kind.VILLAGE):
        digits = text.translate(_THAI_DIGITS).translate(_NUMBER_NOISE)
        try:
            return int(digits), None
        except ValueError:
            return None, _unreadable(f, "ต้องเป็นจำนวนเต็ม", "must be a whole number")
    if f.kind in (Kind.DECIMAL, Kind.LATITUDE, Kind.LONGITUDE):
        digits = text.translate(_THAI_DIGITS).translate(_NUMBER_NOISE)
        try:
            number = float(digits)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            return None, _unreadable(f, "ต้องเป็นตัวเลข", "must be a number")
        return number, None
    if f.kind is Kind.CHOICE:
        if text not in f.choice_codes:
            return None, _unreadable(f, "ต้องเลือกจากรายการ", "must be one of the choices")
        return text, None
    if f.kind is Kind.DATE:
        try:
            return dt.date.fromisoformat(text).isoformat(), None
        except ValueError:
            return None, _unreadable(f, "ต้องเป็นวันที่ (ปปปป-ดด-วว)", "must be a date (YYYY-MM-DD)")
    return text, None


def parse_form(
    fields: tuple[Field, ...], form: Mapping[str, str], prefix: str = ""
) -> tuple[dict[str, Any], list[Unreadable]]:
    """Every editable field's value by API name, from inputs named `prefix + apiName`."""
    values: dict[str, Any] = {}
    problems = []
    for f in fields:
        if f.read_only:
            continue
        value, problem = parse(f, form.get(prefix + api_name(f)))
        if problem is not None:
            problems.append(problem)
        else:
            values[api_name(f)] = value
    return values, problems


def same(a: Any, b: Any) -> bool:
    """Equal as values (12 and 12.0 are the same number; None only equals None)."""
    if a is None or b is None:
        return a is b
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return bool(a == b)


def missing_labels(missing: list[str], lang: str) -> list[str]:
    """The API's names of missing fields and record tables as people read them."""
    labels = []
    for name in missing:
        labels.append(_LABELS.get(name, (name, name))[1 if lang == "en" else 0])
    return labels


def _all_labels() -> dict[str, tuple[str, str]]:
    labels: dict[str, tuple[str, str]] = {}
    for d in DOMAINS:
        for f in d.fields:
            labels[api_name(f)] = (f.label_th, f.label_en)
        for t in d.record_tables:
            labels[camel(t.name)] = (t.label_th, t.label_en)
    return labels


_LABELS = _all_labels()
