"""KPI 16: the recording rate of village water-supply systems against DLA's reference list.

DOMAIN.md "KPI 16": for each round DLA sends every province its list of village water-supply
systems (`kpi16_references`); the rate is the share of those systems recorded in INFO.

Matching rule. A reference system of a round is

* **recorded** when a non-retired water-supply system row (`retired_on IS NULL`) of an
  LAO-year of the round's fiscal year carries the same `dla_reference_code`;
* **checked** when, in addition, such a row's `last_checked_on` is on or after the day the
  round opened.

Several rows carrying one code count once. Breakdowns: the nation, per province (the
reference's `province_id`) and per district (the district of the reference's LAO;
references with no LAO count for their province and the nation only). The rate is
recorded / reference systems, and the target is met when rate × 100 ≥ the round's
`target_percent`. The matching and the breakdowns run in SQL (`hub.db.kpi16.coverage`);
the rate and the target are decided here.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Coverage:
    reference_systems: int
    recorded: int
    checked: int
    rate: float | None  # recorded / reference_systems, 0..1; None without references
    target_percent: float
    met: bool | None  # None without references

    @classmethod
    def of(
        cls, reference_systems: int, recorded: int, checked: int, target_percent: float
    ) -> Coverage:
        return cls(
            reference_systems=reference_systems,
            recorded=recorded,
            checked=checked,
            rate=recording_rate(recorded, reference_systems),
            target_percent=target_percent,
            met=target_met(recorded, reference_systems, target_percent),
        )


def recording_rate(recorded: int, reference: int) -> float | None:
    """recorded / reference (0..1), None when there is no reference system."""
    if reference <= 0:
        return None
    return recorded / reference


def target_met(recorded: int, reference: int, target_percent: float) -> bool | None:
    """Whether recorded / reference reaches `target_percent` (exact decimal comparison)."""
    if reference <= 0:
        return None
    return Decimal(recorded) * 100 >= Decimal(str(target_percent)) * reference
