"""The catalogue of one fiscal year, and what changed between two years.

`hub.rules.catalogue` declares every field and record table once, with the fiscal years it
belongs to (`introduced_in`, `retired_in`) and from when completeness needs it
(`required_from`). This module answers, for a fiscal year (BE):

* `domains_for(year)`: the 8 domains as that year's form has them — only the fields and
  record tables of that year, each field's `required` (and each record table's) resolved for
  that year. Completeness, the certification check, saves and the console's forms all take
  the year's domains from here, so a field added for next year appears only in next year's
  forms and completeness, and a retired one stays in the years that asked it.
* `not_in_year(domain, names, year, prefix)`: the typed errors for values a caller tried to
  save into fields that are not on that year's form (each error names its field).
* `diff(from_year, to_year)`: the fields and record tables added, retired and whose
  requirement changed between two years.
* `shape_of(year)`: which catalogue shape a year is in. Years before FY 2563 (the pre-2020
  INFO, DOMAIN.md "The 8 domains") had a different set of 8 domains
  (`hub.rules.catalogue_pre2020`); they are read as that shape, never as today's.

Pure and cached: a year's catalogue is computed once per process.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from hub.rules.catalogue import DOMAINS, Domain, Field, RecordTable
from hub.rules.catalogue_pre2020 import PRE_2020_DOMAINS
from hub.rules.validation import FieldError, api_name

# The first fiscal year of the current 8 domains (FY 2563 = 1 Oct 2019 – 30 Sep 2020): the
# pre-2020 system's years are before it.
CURRENT_SHAPE_FROM = 2563


class CatalogueShape(enum.Enum):
    """Which set of 8 domains a fiscal year's data is in."""

    CURRENT = "CURRENT"  # the current INFO: `hub.rules.catalogue`
    PRE_2020 = "PRE_2020"  # the system before 2020: `hub.rules.catalogue_pre2020`


def shape_of(fiscal_year: int) -> CatalogueShape:
    return CatalogueShape.CURRENT if fiscal_year >= CURRENT_SHAPE_FROM else CatalogueShape.PRE_2020


def catalogue_of(fiscal_year: int) -> tuple[CatalogueShape, tuple[Domain, ...]]:
    """The shape of `fiscal_year` and its 8 domains: the pre-2020 ones for a historical year,
    otherwise `domains_for(fiscal_year)`."""
    shape = shape_of(fiscal_year)
    if shape is CatalogueShape.PRE_2020:
        return shape, PRE_2020_DOMAINS
    return shape, domains_for(fiscal_year)


def _field_for(f: Field, fiscal_year: int) -> Field:
    required = f.required_in(fiscal_year)
    return f if required == f.required else replace(f, required=required)


def _table_for(t: RecordTable, fiscal_year: int) -> RecordTable:
    fields = tuple(_field_for(f, fiscal_year) for f in t.fields if f.in_year(fiscal_year))
    return replace(t, fields=fields, required=t.required_in(fiscal_year))


def _domain_for(d: Domain, fiscal_year: int) -> Domain:
    return replace(
        d,
        fields=tuple(_field_for(f, fiscal_year) for f in d.fields if f.in_year(fiscal_year)),
        record_tables=tuple(
            _table_for(t, fiscal_year) for t in d.record_tables if t.in_year(fiscal_year)
        ),
    )


@functools.lru_cache(maxsize=64)
def domains_for(fiscal_year: int) -> tuple[Domain, ...]:
    """The 8 domains of `fiscal_year`'s form, in the current shape (see module docstring)."""
    return tuple(_domain_for(d, fiscal_year) for d in DOMAINS)


def domain_for(number: int, fiscal_year: int) -> Domain:
    """Domain `number` (1–8) as `fiscal_year`'s form has it."""
    if not 1 <= number <= len(DOMAINS):
        raise KeyError(f"there is no domain {number}; domains are 1 to {len(DOMAINS)}")
    return domains_for(fiscal_year)[number - 1]


def _years(item: Field | RecordTable) -> str:
    if item.introduced_in is not None and item.retired_in is not None:
        return f"asked from FY {item.introduced_in} to FY {item.retired_in - 1}"
    if item.introduced_in is not None:
        return f"asked from FY {item.introduced_in}"
    if item.retired_in is not None:
        return f"asked until FY {item.retired_in - 1}"
    return "asked every year"


def _years_th(item: Field | RecordTable) -> str:
    if item.introduced_in is not None and item.retired_in is not None:
        return f"มีในแบบฟอร์มปีงบประมาณ {item.introduced_in} ถึง {item.retired_in - 1}"
    if item.introduced_in is not None:
        return f"มีในแบบฟอร์มตั้งแต่ปีงบประมาณ {item.introduced_in}"
    if item.retired_in is not None:
        return f"มีในแบบฟอร์มถึงปีงบประมาณ {item.retired_in - 1}"
    return "มีในแบบฟอร์มทุกปี"


def not_in_year(
    full: Iterable[Field], names: Iterable[str], fiscal_year: int, *, prefix: str
) -> list[FieldError]:
    """Errors for `names` that are fields of `full` (every year's) but not of `fiscal_year`'s
    form: the caller may not save a value the year does not ask (code NOT_IN_YEAR)."""
    by_name = {f.name: f for f in full}
    errors = []
    for name in names:
        f = by_name.get(name)
        if f is None or f.in_year(fiscal_year):
            continue
        errors.append(
            FieldError(
                f"{prefix}.{api_name(f)}",
                "NOT_IN_YEAR",
                f"{f.label_en} ({f.label_th}): not on the form of fiscal year {fiscal_year} "
                f"({_years(f)})",
                f"{f.label_th}: ไม่มีในแบบฟอร์มปีงบประมาณ {fiscal_year} ({_years_th(f)})",
            )
        )
    return errors


# --- the difference between two years ---------------------------------------------------------


class ChangeKind(enum.Enum):
    ADDED = "ADDED"  # on the `to` year's form, not on the `from` year's
    RETIRED = "RETIRED"  # on the `from` year's form, not on the `to` year's
    NOW_REQUIRED = "NOW_REQUIRED"  # on both; completeness needs it in `to`, not in `from`
    NO_LONGER_REQUIRED = "NO_LONGER_REQUIRED"  # on both; needed in `from`, not in `to`


@dataclass(frozen=True)
class CatalogueChange:
    domain: int
    kind: ChangeKind
    name: str  # the field's or record table's catalogue name
    record_table: str | None  # for a field of a record table, the table's name


def _compare(
    domain: int,
    old: Mapping[str, Field | RecordTable],
    new: Mapping[str, Field | RecordTable],
    record_table: str | None,
) -> list[CatalogueChange]:
    changes = []
    for name, item in new.items():
        if name not in old:
            changes.append(CatalogueChange(domain, ChangeKind.ADDED, name, record_table))
        elif item.required and not old[name].required:
            changes.append(CatalogueChange(domain, ChangeKind.NOW_REQUIRED, name, record_table))
        elif old[name].required and not item.required:
            changes.append(
                CatalogueChange(domain, ChangeKind.NO_LONGER_REQUIRED, name, record_table)
            )
    changes += [
        CatalogueChange(domain, ChangeKind.RETIRED, name, record_table)
        for name in old
        if name not in new
    ]
    return changes


def diff(from_year: int, to_year: int) -> list[CatalogueChange]:
    """What changed on the form from `from_year` to `to_year` (either order), domain by
    domain: section fields, then record tables, then the fields of record tables on both."""
    changes: list[CatalogueChange] = []
    for old, new in zip(domains_for(from_year), domains_for(to_year), strict=True):
        changes += _compare(
            new.number,
            {f.name: f for f in old.fields},
            {f.name: f for f in new.fields},
            None,
        )
        old_tables = {t.name: t for t in old.record_tables}
        new_tables = {t.name: t for t in new.record_tables}
        changes += _compare(new.number, old_tables, new_tables, None)
        for name, table in new_tables.items():
            if name in old_tables:
                changes += _compare(
                    new.number,
                    {f.name: f for f in old_tables[name].fields},
                    {f.name: f for f in table.fields},
                    name,
                )
    return changes
