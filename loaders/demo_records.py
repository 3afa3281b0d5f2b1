"""Demo record tables (village water-supply systems, tourist sites) and KPI-16 references.

Each real-world record gets a stable `record_key` and one row per fiscal year it existed in
(systems built in a year appear from the next one). About 95% of the systems are on DLA's
KPI-16 reference list (their `dla_reference_code`, carried in the open year and the year
before, the two years with a KPI-16 round), and each round's list also holds ~3% of systems
no LAO has recorded yet.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from hub.rules.enums import LaoType
from loaders import demo_names as names
from loaders.demo_laos import DemoLao
from loaders.demo_years import OPEN_YEAR_DAYS, Year

_SYSTEM_TYPES = ("GROUNDWATER", "SURFACE", "LARGE_GROUNDWATER", "MOUNTAIN")
_SYSTEM_WEIGHTS = (55, 25, 12, 8)
_SOURCES = {
    "GROUNDWATER": ("WELL",),
    "LARGE_GROUNDWATER": ("WELL",),
    "SURFACE": ("RIVER", "RIVER", "RESERVOIR", "RESERVOIR", "BOUGHT"),
    "MOUNTAIN": ("MOUNTAIN_STREAM",),
}
_QUALITY = ("MEETS_STANDARD", "BELOW_STANDARD", "NOT_TESTED")
_QUALITY_WEIGHTS = (45, 20, 35)
_OWNERS = ("LAO", "VILLAGE", "OTHER")
_OWNER_WEIGHTS = (60, 35, 5)
_SITE_TYPES = tuple(names.SITE_PREFIXES)
_SITE_WEIGHTS = (35, 10, 30, 15, 10)


@dataclass(slots=True)
class WaterSystem:
    lao: DemoLao
    record_key: str
    name: str
    village_id: int
    village_number: int
    latitude: float
    longitude: float
    households: int
    capacity: float
    year_built_be: int
    system_type: str
    water_source: str
    unusable: bool
    quality: str
    owner: str
    transferred_from: str | None
    on_reference_list: bool
    reference_code: str | None = None


@dataclass(slots=True)
class TouristSite:
    lao: DemoLao
    record_key: str
    name: str
    site_type: str
    visitors: int
    latitude: float
    longitude: float


def _key(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"


def _system_count(lao: DemoLao, rng: random.Random) -> int:
    if not lao.villages:
        return 0
    match lao.type:
        case LaoType.SAO | LaoType.SUBDISTRICT_MUNICIPALITY if lao.primary:
            return max(1, round(len(lao.villages) * rng.uniform(0.55, 1.2)))
        case LaoType.SUBDISTRICT_MUNICIPALITY:
            return rng.randint(2, 6)
        case LaoType.TOWN_MUNICIPALITY:
            return rng.randint(0, 6)
        case LaoType.CITY_MUNICIPALITY:
            return rng.randint(0, 3)
        case LaoType.PATTAYA:
            return rng.randint(0, 2)
    return 0


def water_systems(laos: list[DemoLao], current: int, rng: random.Random) -> list[WaterSystem]:
    systems: list[WaterSystem] = []
    rnd = rng.random
    transferred = [a for a, _ in names.WATER_TRANSFERRED_FROM]
    transferred_w = [w for _, w in names.WATER_TRANSFERRED_FROM]
    for lao in laos:
        n = _system_count(lao, rng)
        if not n:
            continue
        pool = rng.sample(lao.villages, len(lao.villages))
        for i in range(n):
            vid, number, vname = pool[i % len(pool)]
            name = f"ประปาหมู่บ้าน {vname} หมู่ {number}"
            if i >= len(pool):
                name += f" แห่งที่ {i // len(pool) + 1}"
            kind = rng.choices(_SYSTEM_TYPES, _SYSTEM_WEIGHTS)[0]
            moved = rnd() < 0.35
            systems.append(
                WaterSystem(
                    lao=lao,
                    record_key=_key(rng),
                    name=name,
                    village_id=vid,
                    village_number=number,
                    latitude=round(lao.latitude + (rnd() - 0.5) * 0.03, 6),
                    longitude=round(lao.longitude + (rnd() - 0.5) * 0.03, 6),
                    households=rng.randint(30, 600),
                    capacity=round(2.5 + rnd() * 27.5, 1),
                    year_built_be=rng.randint(current - 50, current - 1),
                    system_type=kind,
                    water_source=rng.choice(_SOURCES[kind]),
                    unusable=rnd() < 0.12,
                    quality=rng.choices(_QUALITY, _QUALITY_WEIGHTS)[0],
                    owner=rng.choices(_OWNERS, _OWNER_WEIGHTS)[0],
                    transferred_from=rng.choices(transferred, transferred_w)[0] if moved else None,
                    on_reference_list=rnd() < 0.95,
                )
            )
    # Hand the random keys out in sorted order: rows are inserted system by system, so the
    # record_key index then grows at its end instead of splitting pages all over.
    for system, key in zip(systems, sorted(s.record_key for s in systems), strict=True):
        system.record_key = key
    return systems


def water_rows(
    systems: list[WaterSystem],
    years: list[Year],
    ly_updated: list[dt.datetime],
    rng: random.Random,
) -> tuple[list[dict[str, Any]], dict[int, int]]:
    """Rows per (system, year it existed) and the number of systems per lao_year id."""
    rows: list[dict[str, Any]] = []
    per_ly: dict[int, int] = defaultdict(int)
    rnd = rng.random
    n_years = len(years)
    open_k = n_years - 1
    for s in systems:
        base_ly = (s.lao.id - 1) * n_years + 1
        for k, year in enumerate(years):
            if s.year_built_be >= year.year_be:
                continue
            ly = base_ly + k
            per_ly[ly] += 1
            back = open_k - k
            if k == open_k:
                # Checked before the dataset's "today" (OPEN_YEAR_DAYS into the open year):
                # a date in the future is one the hub refuses, in an export read back too.
                checked = (
                    year.starts_on + dt.timedelta(days=int(rnd() * OPEN_YEAR_DAYS))
                    if rnd() < 0.6
                    else None
                )
            else:
                checked = (
                    year.starts_on + dt.timedelta(days=int(rnd() * 360)) if rnd() < 0.4 else None
                )
            unusable = s.unusable and (back == 0 or rnd() < 0.5)
            rows.append(
                {
                    "id": len(rows) + 1,
                    "lao_year_id": ly,
                    "record_key": s.record_key,
                    "name": s.name,
                    "dla_reference_code": s.reference_code if k >= open_k - 1 else None,
                    "village_id": s.village_id,
                    "latitude": s.latitude,
                    "longitude": s.longitude,
                    "households_served": max(1, s.households - back * int(rnd() * 5)),
                    "capacity_m3_per_hour": s.capacity,
                    "year_built_be": s.year_built_be,
                    "system_type": s.system_type,
                    "water_source": s.water_source,
                    "status": "UNUSABLE" if unusable else "USABLE",
                    "water_quality": s.quality,
                    "owner": s.owner,
                    "acquisition": "TRANSFERRED" if s.transferred_from else "BUILT",
                    "transferred_from": s.transferred_from,
                    "last_checked_on": checked,
                    "version": 1,
                    "updated_at": ly_updated[ly - 1],
                }
            )
    return rows, per_ly


def tourist_sites(laos: list[DemoLao], rng: random.Random) -> list[TouristSite]:
    sites: list[TouristSite] = []
    rnd = rng.random
    for lao in laos:
        if rnd() >= 1 / 3:
            continue
        big = lao.type in (LaoType.BANGKOK, LaoType.PATTAYA, LaoType.CITY_MUNICIPALITY)
        for _ in range(rng.randint(1, 3) + (3 if big else 0)):
            kind = rng.choices(_SITE_TYPES, _SITE_WEIGHTS)[0]
            place = rng.choice(lao.villages)[2][4:] if lao.villages else lao.subdistrict.name_th
            sites.append(
                TouristSite(
                    lao=lao,
                    record_key=_key(rng),
                    name=rng.choice(names.SITE_PREFIXES[kind]) + place,
                    site_type=kind,
                    visitors=rng.randint(500, 2_000_000 if big else 150_000),
                    latitude=round(lao.latitude + (rnd() - 0.5) * 0.04, 6),
                    longitude=round(lao.longitude + (rnd() - 0.5) * 0.04, 6),
                )
            )
    return sites


def tourist_rows(
    sites: list[TouristSite],
    years: list[Year],
    ly_updated: list[dt.datetime],
    rng: random.Random,
) -> tuple[list[dict[str, Any]], dict[int, int]]:
    rows: list[dict[str, Any]] = []
    visitors: dict[int, int] = defaultdict(int)  # per lao_year id
    n_years = len(years)
    for s in sites:
        base_ly = (s.lao.id - 1) * n_years + 1
        for k in range(n_years):
            ly = base_ly + k
            count = int(s.visitors * (0.85 + 0.05 * k + rng.random() * 0.1))
            visitors[ly] += count
            rows.append(
                {
                    "id": len(rows) + 1,
                    "lao_year_id": ly,
                    "record_key": s.record_key,
                    "name": s.name,
                    "site_type": s.site_type,
                    "visitors_per_year": count,
                    "latitude": s.latitude,
                    "longitude": s.longitude,
                    "version": 1,
                    "updated_at": ly_updated[ly - 1],
                }
            )
    return rows, visitors


def assign_reference_codes(systems: list[WaterSystem]) -> None:
    """DLA's codes: "W" + province code + a 6-digit sequence within the province."""
    seq: dict[str, int] = defaultdict(int)
    for s in systems:
        if s.on_reference_list:
            p = s.lao.province.code
            seq[p] += 1
            s.reference_code = f"W{p}{seq[p]:06d}"


def kpi16_rows(
    systems: list[WaterSystem],
    year: Year,
    rng: random.Random,
    *,
    round_id: int = 1,
    opened: dt.date | None = None,
    first_reference_id: int = 1,
    extra_digit: str = "9",
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Round 1 of `year` (opened two days into it unless `opened` says) with DLA's list: the
    coded systems that existed that year, and ~3% no LAO recorded (codes "W" + province +
    `extra_digit` + a sequence). Districts report by 6 March, provinces by 20 March (seed 003)."""
    ce = year.year_be - 543
    opened = opened or year.starts_on + dt.timedelta(days=2)
    round_row = {
        "id": round_id,
        "fiscal_year": year.year_be,
        "round_no": 1,
        "opened_on": opened,
        "district_report_deadline": dt.date(ce, 3, 6),
        "province_report_deadline": dt.date(ce, 3, 20),
        "target_percent": 80.0,
    }
    imported = dt.datetime.combine(opened, dt.time(3, 0), dt.UTC)
    refs: list[dict[str, Any]] = []
    extra_seq: dict[str, int] = defaultdict(int)
    for s in systems:
        if s.year_built_be >= year.year_be:
            continue  # built later: on no list of this year
        if s.reference_code:
            refs.append(
                {
                    "id": first_reference_id + len(refs),
                    "round_id": round_id,
                    "reference_code": s.reference_code,
                    "province_id": s.lao.province.id,
                    "lao_id": s.lao.id,
                    "village_id": s.village_id,
                    "name": s.name,
                    "latitude": s.latitude,
                    "longitude": s.longitude,
                    "imported_at": imported,
                }
            )
        if rng.random() < 0.03:  # on DLA's list, not yet recorded by the LAO
            vid, number, vname = rng.choice(s.lao.villages)
            p = s.lao.province.code
            extra_seq[p] += 1
            refs.append(
                {
                    "id": first_reference_id + len(refs),
                    "round_id": round_id,
                    "reference_code": f"W{p}{extra_digit}{extra_seq[p]:05d}",
                    "province_id": s.lao.province.id,
                    "lao_id": s.lao.id,
                    "village_id": vid,
                    "name": f"ประปาหมู่บ้าน {vname} หมู่ {number} (ระบบเดิม)",
                    "latitude": round(s.latitude + 0.003, 6),
                    "longitude": round(s.longitude - 0.003, 6),
                    "imported_at": imported,
                }
            )
    return round_row, refs
