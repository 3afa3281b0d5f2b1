"""Demo villages and LAOs: where each LAO sits, its type, DLA code, profile and contacts.

Allocation (national counts when every province is loaded; a subset scales them):
PAO one per province except Bangkok; city municipalities at the capital district of the 30
provinces with the most subdistricts; town municipalities at the remaining capitals, then the
seats of the largest other districts (195 in all); 300 extra subdistrict municipalities named
after a district with no city/town municipality; every non-Bangkok subdistrict gets one
"primary" LAO named after it (1,947 subdistrict municipalities, the rest SAOs); plus Bangkok
and Pattaya. 76 + 30 + 195 + 2,247 + 5,300 + 1 + 1 = 7,850.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from hub.rules.enums import LaoType
from loaders import demo_names as names

NATIONAL_PROVINCES = 76  # without Bangkok
NATIONAL_SUBDISTRICTS = 7257  # in the shipped geography, without Bangkok's khwaeng
# Primary LAOs nationally: 1,947 subdistrict municipalities + 5,300 SAOs = 7,247; the other
# 10 subdistricts lie wholly inside a city municipality and have no LAO of their own.
NATIONAL_CITY, NATIONAL_TOWN, NATIONAL_EXTRA_SM = 30, 195, 300
NATIONAL_PRIMARY, NATIONAL_PRIMARY_SM = 7247, 1947
BANGKOK = "10"
CHON_BURI, PATTAYA_DISTRICT, PATTAYA_SUBDISTRICTS = "20", "บางละมุง", ("นาเกลือ", "หนองปรือ")
CODES_VALID_FROM = dt.date(2010, 1, 1)

_TYPE_RANK = {
    LaoType.BANGKOK: 0,
    LaoType.PAO: 1,
    LaoType.CITY_MUNICIPALITY: 2,
    LaoType.PATTAYA: 3,
    LaoType.TOWN_MUNICIPALITY: 4,
    LaoType.SUBDISTRICT_MUNICIPALITY: 5,
    LaoType.SAO: 6,
}
_SIZES = {  # (S, M, L) weights
    LaoType.PAO: (0, 0, 1),
    LaoType.CITY_MUNICIPALITY: (0, 0, 1),
    LaoType.BANGKOK: (0, 0, 1),
    LaoType.PATTAYA: (0, 0, 1),
    LaoType.TOWN_MUNICIPALITY: (0, 60, 40),
    LaoType.SUBDISTRICT_MUNICIPALITY: (55, 40, 5),
    LaoType.SAO: (75, 22, 3),
}
_PHONE_AREA = {
    "1": "2",
    "2": "3",
    "3": "4",
    "4": "4",
    "5": "5",
    "6": "5",
    "7": "3",
    "8": "7",
    "9": "7",
}


@dataclass
class Geo:
    """The loaded geography of the selected provinces, as plain rows."""

    provinces: list[Any]  # rows: id, code, name_th, name_en
    districts: list[Any]  # rows: id, code, province_id, name_th
    subdistricts: list[Any]  # rows: id, code, district_id, name_th, postcode, latitude, longitude
    province_by_id: dict[int, Any] = field(default_factory=dict)
    district_by_id: dict[int, Any] = field(default_factory=dict)
    subdistricts_of: dict[int, list[Any]] = field(default_factory=dict)  # district id → rows
    districts_of: dict[int, list[Any]] = field(default_factory=dict)  # province id → rows
    centre: dict[tuple[str, int], tuple[float, float]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.province_by_id = {p.id: p for p in self.provinces}
        self.district_by_id = {d.id: d for d in self.districts}
        self.districts_of = defaultdict(list)
        for d in self.districts:
            self.districts_of[d.province_id].append(d)
        self.subdistricts_of = defaultdict(list)
        for s in self.subdistricts:
            self.subdistricts_of[s.district_id].append(s)
        for key, members in (
            *((("d", d.id), self.subdistricts_of[d.id]) for d in self.districts),
            *(
                (
                    ("p", p.id),
                    [s for d in self.districts_of[p.id] for s in self.subdistricts_of[d.id]],
                )
                for p in self.provinces
            ),
        ):
            located = [(s.latitude, s.longitude) for s in members if s.latitude is not None]
            if located:
                self.centre[key] = (
                    sum(c[0] for c in located) / len(located),
                    sum(c[1] for c in located) / len(located),
                )

    def coordinates(self, sub: Any) -> tuple[float, float]:
        if sub.latitude is not None:
            return sub.latitude, sub.longitude
        district = self.district_by_id[sub.district_id]
        return self.centre.get(("d", district.id)) or self.centre.get(
            ("p", district.province_id), (15.0, 101.0)
        )


@dataclass
class DemoLao:
    """One generated LAO and what later stages need to know about it."""

    type: LaoType
    name_th: str
    province: Any
    district: Any
    subdistrict: Any
    name_en: str | None = None
    id: int = 0
    code: str | None = None
    size: str = "S"
    primary: bool = False  # named after its subdistrict
    upgraded_on: dt.date | None = None  # former SAO upgraded to a subdistrict municipality
    former_code: str | None = None
    villages: list[tuple[int, int, str]] = field(default_factory=list)  # (id, number, name)
    population: int = 0
    n_villages: int = 0
    latitude: float = 0.0
    longitude: float = 0.0


def village_rows(geo: Geo, rng: random.Random) -> tuple[list[dict[str, Any]], dict[int, list]]:
    """5–16 villages per non-Bangkok subdistrict, numbered 1..N; Bangkok has none."""
    rows: list[dict[str, Any]] = []
    by_sub: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
    first, second = names.VILLAGE_FIRST, names.VILLAGE_SECOND
    bangkok = {p.id for p in geo.provinces if p.code == BANGKOK}
    vid = 0
    for d in geo.districts:
        if d.province_id in bangkok:
            continue
        for s in geo.subdistricts_of[d.id]:
            seen: set[str] = set()
            mine = by_sub[s.id]
            for number in range(1, 5 + int(rng.random() * 12) + 1):
                name = "บ้าน" + rng.choice(first) + rng.choice(second)
                while name in seen:
                    name = "บ้าน" + rng.choice(first) + rng.choice(second)
                seen.add(name)
                vid += 1
                rows.append({"id": vid, "subdistrict_id": s.id, "number": number, "name_th": name})
                mine.append((vid, number, name))
    return rows, by_sub


def _capital(province: Any, districts: list[Any]) -> Any:
    for d in districts:
        if d.name_th == "เมือง" + province.name_th:
            return d
    for d in districts:
        if d.name_th == province.name_th:
            return d
    return districts[0]


def _strip_muang(name: str) -> str:
    return name[len("เมือง") :] if name.startswith("เมือง") and len(name) > 5 else name


def allocate_laos(geo: Geo, villages_of: dict[int, list], rng: random.Random) -> list[DemoLao]:
    """Decide every LAO's type, name and seat; ids and codes are assigned in order."""
    laos: list[DemoLao] = []
    non_bkk = [p for p in geo.provinces if p.code != BANGKOK]
    n_sub = {
        p.id: sum(len(geo.subdistricts_of[d.id]) for d in geo.districts_of[p.id]) for p in non_bkk
    }
    total_sub = sum(n_sub.values())
    n_city = round(NATIONAL_CITY * len(non_bkk) / NATIONAL_PROVINCES)
    n_town = round(NATIONAL_TOWN * len(non_bkk) / NATIONAL_PROVINCES)
    n_extra = round(NATIONAL_EXTRA_SM * total_sub / NATIONAL_SUBDISTRICTS)
    n_primary_sm = round(NATIONAL_PRIMARY_SM * total_sub / NATIONAL_SUBDISTRICTS)
    n_primary = round(NATIONAL_PRIMARY * total_sub / NATIONAL_SUBDISTRICTS)

    for p in geo.provinces:
        if p.code == BANGKOK:
            d = geo.districts_of[p.id][0]
            laos.append(
                DemoLao(
                    LaoType.BANGKOK,
                    "กรุงเทพมหานคร",
                    p,
                    d,
                    geo.subdistricts_of[d.id][0],
                    name_en="Bangkok Metropolitan Administration",
                )
            )
    capitals = {p.id: _capital(p, geo.districts_of[p.id]) for p in non_bkk}
    by_size = sorted(non_bkk, key=lambda p: (-n_sub[p.id], p.code))
    city_provinces = {p.id for p in by_size[:n_city]}
    urban_districts: set[int] = set()
    for p in non_bkk:
        cap = capitals[p.id]
        seat = geo.subdistricts_of[cap.id][0]
        laos.append(
            DemoLao(
                LaoType.PAO,
                "องค์การบริหารส่วนจังหวัด" + p.name_th,
                p,
                cap,
                seat,
                name_en=f"{p.name_en} PAO" if p.name_en else None,
            )
        )
        kind = LaoType.CITY_MUNICIPALITY if p.id in city_provinces else LaoType.TOWN_MUNICIPALITY
        laos.append(DemoLao(kind, kind.label_th + _strip_muang(cap.name_th), p, cap, seat))
        urban_districts.add(cap.id)
    urban_seats = [
        geo.subdistricts_of[capitals[p.id].id][0].id for p in by_size if p.id in city_provinces
    ]
    others = sorted(
        (d for p in non_bkk for d in geo.districts_of[p.id] if d.id not in urban_districts),
        key=lambda d: (-len(geo.subdistricts_of[d.id]), d.code),
    )
    for d in others[: max(0, n_town - (len(non_bkk) - n_city))]:
        p = geo.province_by_id[d.province_id]
        laos.append(
            DemoLao(
                LaoType.TOWN_MUNICIPALITY,
                "เทศบาลเมือง" + _strip_muang(d.name_th),
                p,
                d,
                geo.subdistricts_of[d.id][0],
            )
        )
        urban_districts.add(d.id)
        urban_seats.append(geo.subdistricts_of[d.id][0].id)
    for p in geo.provinces:
        if p.code == CHON_BURI:
            for d in geo.districts_of[p.id]:
                if d.name_th == PATTAYA_DISTRICT:
                    subs = geo.subdistricts_of[d.id]
                    seat = next((s for s in subs if s.name_th in PATTAYA_SUBDISTRICTS), subs[0])
                    laos.append(
                        DemoLao(LaoType.PATTAYA, "เมืองพัทยา", p, d, seat, name_en="Pattaya City")
                    )
    rural = sorted(
        (d for p in non_bkk for d in geo.districts_of[p.id] if d.id not in urban_districts),
        key=lambda d: d.code,
    )
    forced_sao: set[int] = set()
    for d in sorted(rng.sample(rural, min(n_extra, len(rural))), key=lambda d: d.code):
        p = geo.province_by_id[d.province_id]
        subs = geo.subdistricts_of[d.id]
        laos.append(
            DemoLao(LaoType.SUBDISTRICT_MUNICIPALITY, "เทศบาลตำบล" + d.name_th, p, d, subs[0])
        )
        forced_sao.update(s.id for s in subs if s.name_th == d.name_th)
    covered = set(urban_seats[: max(0, total_sub - n_primary)])  # inside a municipality
    primaries = [
        s
        for p in non_bkk
        for d in geo.districts_of[p.id]
        for s in geo.subdistricts_of[d.id]
        if s.id not in covered
    ]
    candidates = [s for s in primaries if s.id not in forced_sao]
    sm = {s.id for s in rng.sample(candidates, min(n_primary_sm, len(candidates)))}
    for s in primaries:
        d = geo.district_by_id[s.district_id]
        kind = LaoType.SUBDISTRICT_MUNICIPALITY if s.id in sm else LaoType.SAO
        laos.append(
            DemoLao(
                kind,
                kind.label_th + s.name_th,
                geo.province_by_id[d.province_id],
                d,
                s,
                primary=True,
            )
        )

    laos.sort(key=lambda lao: (lao.province.code, _TYPE_RANK[lao.type], lao.subdistrict.code))
    _assign_codes_and_profiles(geo, laos, villages_of, rng)
    return laos


def _assign_codes_and_profiles(
    geo: Geo, laos: list[DemoLao], villages_of: dict[int, list], rng: random.Random
) -> None:
    seq: dict[tuple[str, str, str], int] = defaultdict(int)

    def next_code(digit: str, province: str, district: str) -> str:
        seq[digit, province, district] += 1
        return f"{digit}{province}{district}{seq[digit, province, district]:02d}"

    primary_sm = [
        lao for lao in laos if lao.primary and lao.type is LaoType.SUBDISTRICT_MUNICIPALITY
    ]
    sm_total = sum(1 for lao in laos if lao.type is LaoType.SUBDISTRICT_MUNICIPALITY)
    upgraded = {
        id(lao) for lao in rng.sample(primary_sm, min(len(primary_sm), round(sm_total * 0.02)))
    }
    province_pop: dict[int, int] = defaultdict(int)
    province_villages: dict[int, int] = defaultdict(int)
    for i, lao in enumerate(laos, start=1):
        lao.id = i
        digit = lao.type.code_digit
        district_part = "01" if lao.type is LaoType.PAO else lao.district.code[-2:]
        if digit is not None:
            lao.code = next_code(digit, lao.province.code, district_part)
        weights = _SIZES[lao.type]
        lao.size = rng.choices("SML", weights)[0]
        lao.villages = villages_of.get(lao.subdistrict.id, [])
        lat, lon = geo.coordinates(lao.subdistrict)
        lao.latitude = round(lat + rng.uniform(-0.01, 0.01), 6)
        lao.longitude = round(lon + rng.uniform(-0.01, 0.01), 6)
        lao.n_villages = len(lao.villages)
        match lao.type:
            case LaoType.SAO:
                lao.population = rng.randint(3000, 12000)
            case LaoType.SUBDISTRICT_MUNICIPALITY:
                lao.population = rng.randint(5000, 20000 if lao.primary else 25000)
            case LaoType.TOWN_MUNICIPALITY:
                lao.population = rng.randint(15000, 60000)
                lao.n_villages = lao.population // 1500
            case LaoType.CITY_MUNICIPALITY:
                lao.population = rng.randint(60000, 250000)
                lao.n_villages = lao.population // 2000
            case LaoType.PATTAYA:
                lao.population = rng.randint(110000, 130000)
                lao.n_villages = 60
            case LaoType.BANGKOK:
                lao.population = rng.randint(5_400_000, 5_600_000)
                lao.n_villages = 2000
        if lao.type is not LaoType.PAO:
            province_pop[lao.province.id] += lao.population
            if lao.primary:
                province_villages[lao.province.id] += len(lao.villages)
    for lao in laos:
        if lao.type is LaoType.PAO:
            lao.population = province_pop[lao.province.id]
            lao.n_villages = province_villages[lao.province.id]
        if id(lao) in upgraded:
            year = rng.randint(2012, 2023)
            lao.upgraded_on = dt.date(year, rng.choice((1, 4, 7, 10)), 1)
            lao.former_code = next_code("6", lao.province.code, lao.district.code[-2:])


def _slug(lao: DemoLao) -> str:
    english = (lao.province.name_en or "").lower().replace(" ", "")
    match lao.type:
        case LaoType.BANGKOK:
            return "bangkok"
        case LaoType.PATTAYA:
            return "pattaya"
        case LaoType.PAO:
            return f"{english}pao"
        case LaoType.CITY_MUNICIPALITY:
            return f"{english}city"
        case LaoType.SAO:
            return f"sao{lao.code}"
    return f"tessaban{lao.code}"


def lao_rows(laos: list[DemoLao], rng: random.Random, created: dt.datetime) -> dict[str, list]:
    """Rows of laos, lao_codes, lao_type_periods and lao_contacts."""
    out: dict[str, list[dict[str, Any]]] = {
        "laos": [],
        "lao_codes": [],
        "lao_type_periods": [],
        "lao_contacts": [],
    }
    rnd = rng.random
    roads = names.ROADS
    for lao in laos:
        area = "2" if lao.province.code == BANGKOK else _PHONE_AREA[lao.province.code[0]]
        has_site = lao.type in (LaoType.BANGKOK, LaoType.PAO) or rnd() < 0.85
        out["laos"].append(
            {
                "id": lao.id,
                "code": lao.code,
                "type": lao.type.name,
                "name_th": lao.name_th,
                "name_en": lao.name_en,
                "size": lao.size,
                "province_id": lao.province.id,
                "district_id": lao.district.id,
                "subdistrict_id": lao.subdistrict.id,
                "address_number": str(rng.randint(1, 399))
                if rnd() < 0.8
                else f"{rng.randint(1, 199)}/{rng.randint(1, 9)}",
                "address_village_number": rng.choice(lao.villages)[1] if lao.villages else None,
                "address_road": "ถนน" + rng.choice(roads) if rnd() < 0.3 else None,
                "postcode": lao.subdistrict.postcode,
                "latitude": lao.latitude,
                "longitude": lao.longitude,
                "phone": f"0-{area}{rng.randint(100, 999)}-{rng.randint(1000, 9999)}",
                "has_website": has_site,
                "website_url": f"https://www.{_slug(lao)}.go.th" if has_site else None,
                "created_at": created,
            }
        )
        if lao.code is not None:
            start = lao.upgraded_on or CODES_VALID_FROM
            if lao.former_code:
                out["lao_codes"].append(
                    {
                        "lao_id": lao.id,
                        "code": lao.former_code,
                        "valid_from": CODES_VALID_FROM,
                        "valid_to": start,
                    }
                )
            out["lao_codes"].append(
                {"lao_id": lao.id, "code": lao.code, "valid_from": start, "valid_to": None}
            )
        if lao.upgraded_on:
            out["lao_type_periods"].append(
                {
                    "lao_id": lao.id,
                    "type": LaoType.SAO.name,
                    "valid_from": CODES_VALID_FROM,
                    "valid_to": lao.upgraded_on,
                }
            )
        out["lao_type_periods"].append(
            {
                "lao_id": lao.id,
                "type": lao.type.name,
                "valid_from": lao.upgraded_on or CODES_VALID_FROM,
                "valid_to": None,
            }
        )
        short = "อบต." if lao.type is LaoType.SAO else ""
        contacts = [("RECORDER", 1), ("INFO_ADMINISTRATOR", 1)]
        if rnd() < 0.7:
            contacts.insert(1, ("RECORDER", 2))
        for kind, slot in contacts:
            if rnd() < 0.5:
                person = "นาย" + rng.choice(names.MALE_GIVEN)
            else:
                person = rng.choice(("นาง", "นางสาว")) + rng.choice(names.FEMALE_GIVEN)
            if kind == "RECORDER":
                position = rng.choice(names.RECORDER_POSITIONS)
            else:
                position = rng.choice(names.ADMIN_POSITIONS)
                if position in ("ปลัด", "รองปลัด") and short:
                    position += " " + short
            out["lao_contacts"].append(
                {
                    "lao_id": lao.id,
                    "kind": kind,
                    "slot": slot,
                    "name": f"{person} {rng.choice(names.SURNAMES)}",
                    "position": position,
                    "phone": f"0{rng.choice('689')}{rng.randint(0, 9)}-{rng.randint(100, 999)}-"
                    f"{rng.randint(1000, 9999)}",
                    "email": None,
                    "updated_at": created,
                }
            )
    for table in ("lao_codes", "lao_type_periods", "lao_contacts"):
        for i, row in enumerate(out[table], start=1):
            row["id"] = i
    return out
