"""Demo values of the 8 domain sections, one row per LAO-year per domain.

Each LAO gets base values scaled by its type and population; every year drifts them a little,
so last year's data looks like this year's. A domain marked incomplete leaves one or two
required fields empty (or, for a domain with a record table and no records, leaves its
"none in this area" flag unset). Values pulled from other systems are always filled, with
their fetch time. The completeness rule this data satisfies: every required field non-null,
and each record table has a non-retired row for the LAO-year or its `<table>_none` flag set.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from hub.rules.catalogue import DOMAINS, Domain, Field, Kind
from hub.rules.catalogue_years import domains_for
from hub.rules.enums import LaoType
from loaders.demo_laos import DemoLao
from loaders.demo_years import LaoYearInfo, Year

_URBAN = (
    LaoType.CITY_MUNICIPALITY,
    LaoType.TOWN_MUNICIPALITY,
    LaoType.PATTAYA,
    LaoType.BANGKOK,
)
_RURAL_DISPOSAL = (("OPEN_DUMP", "TRANSFER", "SANITARY_LANDFILL", "COMPOSTING", "INCINERATION",
                    "NONE"), (30, 35, 15, 10, 3, 7))  # fmt: skip
_URBAN_DISPOSAL = (("SANITARY_LANDFILL", "TRANSFER", "INCINERATION", "COMPOSTING"),
                   (50, 30, 15, 5))  # fmt: skip


def _by_type(lao: DemoLao, rng: random.Random, table: dict[LaoType, tuple[int, int]]) -> int:
    low, high = table[lao.type]
    return rng.randint(low, high)


_SCHOOLS = {
    LaoType.SAO: (0, 1),
    LaoType.SUBDISTRICT_MUNICIPALITY: (0, 2),
    LaoType.TOWN_MUNICIPALITY: (2, 8),
    LaoType.CITY_MUNICIPALITY: (6, 30),
    LaoType.PATTAYA: (10, 11),
    LaoType.PAO: (10, 60),
    LaoType.BANGKOK: (430, 440),
}
_FIRE_TRUCKS = {
    LaoType.SAO: (0, 2),
    LaoType.SUBDISTRICT_MUNICIPALITY: (1, 3),
    LaoType.TOWN_MUNICIPALITY: (2, 6),
    LaoType.CITY_MUNICIPALITY: (5, 20),
    LaoType.PATTAYA: (10, 14),
    LaoType.PAO: (0, 4),
    LaoType.BANGKOK: (280, 320),
}
_STAFF = {
    LaoType.SAO: (20, 60),
    LaoType.SUBDISTRICT_MUNICIPALITY: (40, 120),
    LaoType.TOWN_MUNICIPALITY: (150, 400),
    LaoType.CITY_MUNICIPALITY: (500, 2500),
    LaoType.PATTAYA: (1100, 1300),
    LaoType.PAO: (150, 900),
    LaoType.BANGKOK: (78000, 82000),
}
_COUNCIL = {
    LaoType.SUBDISTRICT_MUNICIPALITY: (12, 12),
    LaoType.TOWN_MUNICIPALITY: (18, 18),
    LaoType.CITY_MUNICIPALITY: (24, 24),
    LaoType.PATTAYA: (24, 24),
    LaoType.PAO: (24, 48),
    LaoType.BANGKOK: (50, 50),
}


def base_values(lao: DemoLao, rng: random.Random) -> dict[str, Any]:
    """Every section column's value for this LAO in the open year (before drift)."""
    u, ri, rnd = rng.uniform, rng.randint, rng.random
    pop = max(lao.population, 100)
    hh = int(pop / u(2.6, 3.2))
    nv = max(1, lao.n_villages)
    urban = lao.type in _URBAN
    methods, weights = _URBAN_DISPOSAL if urban else _RURAL_DISPOSAL
    schools = _by_type(lao, rng, _SCHOOLS)
    students = schools * ri(150, 900)
    cdc = ri(0, 3) if lao.type is LaoType.PAO else max(1, nv // 4 + ri(-1, 1))
    received = ri(20, 2000) if urban else ri(0, 60)
    male = int(pop * u(0.48, 0.5))
    return {
        # 1 public health and environment
        "health_service_units": pop // 20000 + ri(1, 4) if urban else max(1, nv // 4 + ri(0, 2)),
        "village_health_volunteers": pop // 150 if urban else nv * ri(8, 14),
        "solid_waste_tonnes_per_day": round(pop * u(0.6, 1.4) / 1000, 2),
        "households_with_waste_collection": int(hh * (u(0.9, 1.0) if urban else u(0.3, 0.95))),
        "waste_disposal_method": rng.choices(methods, weights)[0],
        "has_wastewater_treatment": rnd() < (0.8 if urban else 0.15),
        # 2 innovation and education
        "child_development_centres": cdc,
        "children_enrolled": cdc * ri(25, 60),
        "lao_schools": schools,
        "students": students,
        "teachers": students // ri(15, 25),
        "libraries": ri(0, 3) + (schools > 0),
        "e_services": ri(10, 60) if urban else ri(1, 15),
        # 3 public disasters
        "fire_trucks": _by_type(lao, rng, _FIRE_TRUCKS),
        "water_trucks": ri(1, 3) if not urban else ri(2, 10),
        "rescue_vehicles": ri(0, 3) if not urban else ri(2, 12),
        "civil_defence_volunteers": int(pop * u(0.01, 0.03)),
        "flood_prone_villages": ri(0, nv // 2),
        "drought_prone_villages": ri(0, nv * 2 // 3),
        "incidents_last_year": ri(0, 30) if not urban else ri(10, 400),
        "has_disaster_plan": rnd() < 0.97,
        # 4 infrastructure
        "road_km_asphalt": round(nv * u(0.5, 4), 2),
        "road_km_concrete": round(nv * u(1, 5), 2),
        "road_km_laterite": round(nv * u(0, 4) * (0.1 if urban else 1), 2),
        "road_km_earth": round(nv * u(0, 3) * (0.05 if urban else 1), 2),
        "bridges": ri(0, nv),
        "street_lights": int(hh * u(0.05, 0.25)),
        "households_with_electricity": int(hh * u(0.97, 1.0)),
        # 5 water management
        "water_sources": nv * ri(1, 4),
        "irrigated_area_rai": round(nv * u(0, 3000) * (0.05 if urban else 1), 2),
        "households_with_tap_water": int(hh * u(0.6, 0.98)),
        # 6 governance
        "council_members": _by_type(lao, rng, _COUNCIL) if lao.type in _COUNCIL else max(6, nv),
        "staff": _by_type(lao, rng, _STAFF),
        "complaints_received": received,
        "complaints_resolved": int(received * u(0.7, 1.0)),
        # 7 social, religion and culture
        "population_male": male,
        "population_female": pop - male,
        "households": hh,
        "elderly_allowance_recipients": int(pop * u(0.14, 0.22)),
        "disability_allowance_recipients": int(pop * u(0.02, 0.04)),
        "places_of_worship": max(1, int(nv * u(0.5, 1.5))),
        "cultural_events": ri(3, 15),
        # 8 economy and tourist sites
        "markets": pop // 10000 + ri(0, 3) if urban else ri(0, 3),
        "otop_products": ri(0, 20),
        "community_enterprises": ri(0, 30),
    }


def _fallback(f: Field, rng: random.Random) -> Any:
    """A value for a catalogue field this generator does not know by name."""
    match f.kind:
        case Kind.INT | Kind.YEAR_BE:
            return rng.randint(int(f.minimum or 0), int(min(f.maximum or 100, 100)))
        case Kind.DECIMAL:
            return round(rng.uniform(f.minimum or 0, min(f.maximum or 100, 100)), 2)
        case Kind.BOOL:
            return rng.random() < 0.5
        case Kind.CHOICE:
            return rng.choice(f.choice_codes)
        case Kind.TEXT:
            return "-"
        case Kind.DATE:
            return dt.date(2020, 1, 1)
    return None


class _DomainPlan:
    """Per-domain column lists, prepared once so the row loop stays tight."""

    def __init__(self, domain: Domain, every_year: Domain | None = None) -> None:
        """`domain` as one fiscal year's form has it (`domains_for`); the columns of the
        fields of `every_year` that year does not ask stay empty."""
        self.domain = domain
        asked = {f.column for f in domain.fields}
        self.absent = [f.column for f in (every_year or domain).fields if f.column not in asked]
        self.bit = 1 << (domain.number - 1)
        self.drift = [
            (f.column, f.kind is Kind.INT, f.maximum if f.maximum is not None else 1e18)
            for f in domain.fields
            if f.kind in (Kind.INT, Kind.DECIMAL)
        ]
        self.fixed = [f.column for f in domain.fields if f.kind not in (Kind.INT, Kind.DECIMAL)]
        self.fetched = [f.fetched_at_column for f in domain.fields if f.source]
        self.nullable = [f.column for f in domain.fields if f.required and not f.source]
        self.optional = [f.column for f in domain.fields if not f.required]
        self.none_flags = [t.none_flag for t in domain.record_tables]
        self.records = [t.name for t in domain.record_tables]
        self.fields = domain.fields


PLANS = [_DomainPlan(d) for d in DOMAINS]


def _plans_of(year_be: int) -> list[_DomainPlan]:
    """The domains as the year's form has them: its fields, its requirements."""
    return [_DomainPlan(d, every) for d, every in zip(domains_for(year_be), DOMAINS, strict=True)]


def section_rows(
    infos: list[LaoYearInfo],
    years: list[Year],
    record_counts: dict[str, dict[int, int]],
    tourist_visitors: dict[int, int],
    rng: random.Random,
) -> tuple[dict[int, list[dict[str, Any]]], dict[int, int]]:
    """Rows per domain number, and the actual complete-domain mask per lao_year id."""
    rows: dict[int, list[dict[str, Any]]] = {p.domain.number: [] for p in PLANS}
    masks: dict[int, int] = {}
    year_plans = [_plans_of(y.year_be) for y in years]
    years_be = [y.year_be for y in years]
    rnd = rng.random
    open_k = len(years) - 1
    fetched = [dt.datetime.combine(y.starts_on, dt.time(19, 0), dt.UTC) for y in years]
    bases: dict[int, dict[str, Any]] = {}
    growth: dict[int, float] = {}
    for info in infos:
        lao = info.lao
        base = bases.get(lao.id)
        if base is None:
            base = bases[lao.id] = base_values(lao, rng)
            for plan in PLANS:
                for f in plan.fields:
                    if not any(f.in_year(year) for year in years_be):
                        continue  # a field no demo year asks draws nothing
                    if f.column not in base:
                        base[f.column] = _fallback(f, rng)
                    elif f.kind in (Kind.INT, Kind.DECIMAL) and f.maximum is not None:
                        base[f.column] = min(base[f.column], f.maximum)
            growth[lao.id] = -0.005 + rnd() * 0.025
        factor = 1 + growth[lao.id] * (info.k - open_k) + (rnd() - 0.5) * 0.01
        ly = info.id
        actual = 0
        for plan in year_plans[info.k]:
            row: dict[str, Any] = {
                "lao_year_id": ly,
                "updated_at": info.updated_at,
                "updated_by_user_id": None,
            }
            for column, is_int, maximum in plan.drift:
                v = base[column] * factor
                row[column] = min(int(v + 0.5) if is_int else round(v, 2), maximum)
            for column in plan.fixed:
                row[column] = base[column]
            for column in plan.absent:
                row[column] = None
            for column in plan.fetched:
                row[column] = fetched[info.k]
            has_records = all(record_counts[t].get(ly, 0) > 0 for t in plan.records)
            for flag, table in zip(plan.none_flags, plan.records, strict=True):
                row[flag] = record_counts[table].get(ly, 0) == 0 and info.mask & plan.bit > 0
            if "tourists_per_year" in row:
                visitors = tourist_visitors.get(ly)
                row["tourists_per_year"] = visitors if visitors else None
            if (
                not info.mask & plan.bit
                and plan.nullable
                and (has_records or not plan.records or rnd() < 0.5)
            ):
                for column in rng.sample(plan.nullable, min(len(plan.nullable), 1 + (rnd() < 0.4))):
                    row[column] = None
            complete = all(row[c] is not None for c in plan.nullable) and all(
                record_counts[t].get(ly, 0) > 0 or row[t + "_none"] for t in plan.records
            )
            if complete:
                actual |= plan.bit
            rows[plan.domain.number].append(row)
        if "complaints_resolved" in base and 6 in rows:
            d6 = rows[6][-1]
            if d6["complaints_resolved"] is not None and d6["complaints_received"] is not None:
                d6["complaints_resolved"] = min(
                    d6["complaints_resolved"], d6["complaints_received"]
                )
        masks[ly] = actual
    return rows, masks
