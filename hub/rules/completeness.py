"""The completeness rule of the 8 domains, derived from `hub.rules.catalogue` (DOMAIN.md "The 8 domains").

A domain is **complete** for an LAO-year when, under the catalogue of the LAO-year's fiscal
year (`hub.rules.catalogue_years.domains_for`: a field added for a later year is not needed,
one required only from a later year is not needed yet)

* every `required` field of the domain is filled (non-null; a value pulled from another DLA
  system counts as filled like any other once it is there), and
* every record table of the domain (water-supply systems, tourist sites) has at least one
  non-retired row (`retired_on IS NULL`) for that LAO-year, or the section's `<table>_none`
  flag ("none in this area") is true.

A missing section row means every required field and record table of the domain is missing.
`lao_years.complete_domains` stores the result as a bit mask: bit n-1 is set when domain n
is complete, so 255 means all eight (the precondition of LAO certification).

The rule is pure (`missing_fields`, `is_complete`, `missing_by_domain`, `anything_recorded`)
and works on what `LaoYearSections` holds; `hub.db.completeness` reads that from the database
in a fixed number of statements, states "anything recorded" in SQL, and keeps each
LAO-year's completeness history.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hub.rules.catalogue import DOMAINS, Domain
from hub.rules.catalogue_years import domain_for, domains_for

ALL_DOMAINS_MASK = (1 << len(DOMAINS)) - 1  # 255: all eight domains complete

Section = Mapping[str, Any]


def _domain(d: Domain | int, fiscal_year: int | None) -> Domain:
    """The domain as `fiscal_year`'s form has it; a `Domain` given without a year is taken
    as already that year's (`domains_for`)."""
    number = d.number if isinstance(d, Domain) else d
    if fiscal_year is not None:
        return domain_for(number, fiscal_year)
    if isinstance(d, Domain):
        return d
    raise TypeError("a domain given by number needs the fiscal year whose catalogue applies")


# --- the rule -------------------------------------------------------------------------------


def missing_fields(
    domain: Domain | int,
    section: Section | None,
    record_counts: Mapping[str, int],
    fiscal_year: int | None = None,
) -> list[str]:
    """Names of the required fields and record tables of `domain` that are not filled,
    under the catalogue of `fiscal_year` (or `domain` as given: a year's, see `_domain`).

    `section` is the domain's section row (column name → value) or None when the LAO-year
    has no row; `record_counts` maps record-table name → number of non-retired rows (absent
    means none). The order is the catalogue's: fields first, then record tables.
    """
    d = _domain(domain, fiscal_year)
    row: Section = section or {}
    missing = [f.name for f in d.fields if f.required and row.get(f.column) is None]
    missing += [
        t.name
        for t in d.record_tables
        if t.required and record_counts.get(t.name, 0) < 1 and not row.get(t.none_flag, False)
    ]
    return missing


def is_complete(
    domain: Domain | int,
    section: Section | None,
    record_counts: Mapping[str, int],
    fiscal_year: int | None = None,
) -> bool:
    return not missing_fields(domain, section, record_counts, fiscal_year)


def missing_by_domain(
    sections: Mapping[int, Section | None], record_counts: Mapping[str, int], fiscal_year: int
) -> dict[int, list[str]]:
    """Per incomplete domain number, its missing field and record-table names, under the
    catalogue of `fiscal_year`.

    `sections` maps domain number → section row (absent or None: no row). An empty result
    means all 8 domains are complete. This is what LAO certification reports when refused.
    """
    result: dict[int, list[str]] = {}
    for d in domains_for(fiscal_year):
        missing = missing_fields(d, sections.get(d.number), record_counts)
        if missing:
            result[d.number] = missing
    return result


def complete_mask(
    sections: Mapping[int, Section | None], record_counts: Mapping[str, int], fiscal_year: int
) -> int:
    """The `complete_domains` bit mask of one LAO-year of `fiscal_year`."""
    return mask(
        d.number
        for d in domains_for(fiscal_year)
        if is_complete(d, sections.get(d.number), record_counts)
    )


def mask(complete_domain_numbers: Iterable[int]) -> int:
    """Bit mask of complete domains: bit n-1 set for domain n (all eight → 255)."""
    value = 0
    for number in complete_domain_numbers:
        if not 1 <= number <= len(DOMAINS):
            raise KeyError(f"there is no domain {number}; domains are 1 to {len(DOMAINS)}")
        value |= 1 << (number - 1)
    return value


def domains_in(mask: int) -> list[int]:
    """Domain numbers whose bit is set in `mask`, ascending."""
    if not 0 <= mask <= ALL_DOMAINS_MASK:
        raise ValueError(f"{mask} is not a mask of the {len(DOMAINS)} domains")
    return [d.number for d in DOMAINS if mask & (1 << (d.number - 1))]


# --- "anything recorded" (LPA indicator 7, level 0 versus 1) ---------------------------------


def anything_recorded(
    sections: Mapping[int, Section | None], record_counts: Mapping[str, int]
) -> bool:
    """Whether the LAO itself recorded anything for the LAO-year.

    True when any field the LAO enters (required or optional, but not a value pulled from
    another DLA system: those arrive without the LAO doing anything) is non-null, any
    "none in this area" flag is set, or any record table has a non-retired row.
    `hub.db.completeness.recorded_clause` is the same rule in SQL.
    """
    for d in DOMAINS:
        row = sections.get(d.number)
        if row is None:
            continue
        if any(row.get(f.column) is not None for f in d.fields if f.source is None):
            return True
        if any(row.get(t.none_flag, False) for t in d.record_tables):
            return True
    return any(count > 0 for count in record_counts.values())


@dataclass
class LaoYearSections:
    """What the rule needs of one LAO-year: its fiscal year, section rows and live record
    counts."""

    fiscal_year: int
    sections: dict[int, dict[str, Any]] = field(default_factory=dict)
    record_counts: dict[str, int] = field(default_factory=dict)

    @property
    def mask(self) -> int:
        return complete_mask(self.sections, self.record_counts, self.fiscal_year)

    @property
    def missing_by_domain(self) -> dict[int, list[str]]:
        return missing_by_domain(self.sections, self.record_counts, self.fiscal_year)

    @property
    def anything_recorded(self) -> bool:
        return anything_recorded(self.sections, self.record_counts)
