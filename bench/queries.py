"""The four benchmark queries: each a GraphQL document and its raw-SQL floor.

The floor fetches the same rows with the same driver (SQLAlchemy Core over aiosqlite or
asyncpg, exactly as the hub connects) and builds, in plain Python, the very JSON the hub
must answer — `{"data": ...}` — encoded with orjson. Nothing GraphQL runs in the floor;
its statements are the fewest reasonable ones (joins rather than one query per row).
The bench checks the hub's response against the floor's JSON before timing anything.

All four run as a caller who sees certified LAO-years only (an agency client with every
domain scope and `missions`, or the public when no token can be had): both apply the same
row filter, `lao_years.state IN (LAO_CERTIFIED, PROVINCE_CERTIFIED)`, and the floor applies
it too.
"""

from __future__ import annotations

import base64
import datetime as dt
import enum
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncConnection
from strawberry.utils.str_converters import to_camel_case

from hub import kpi16, rollups
from hub.catalogue import DOMAINS, Domain, Field, Kind, RecordTable
from hub.enums import CertificationState
from hub.models import (
    RECORD_TABLES,
    SECTION_TABLES,
    CertificationEvent,
    District,
    FiscalYear,
    Kpi16Round,
    Lao,
    LaoCode,
    LaoMission,
    LaoTypePeriod,
    LaoYear,
    Mission,
    Province,
    Subdistrict,
    Village,
)
from hub.permissions import PUBLIC_STATES

PAGE = 1000  # Q3's page size: the hub's maximum
PROVINCE_PAGE = (
    200  # Q2's: the largest page whose estimated cost (~239 a LAO) fits the 50,000 limit
)
AS_OF = "2026-03-31T00:00:00+00:00"  # Q4's LPA date: fixed, so the answer does not move


# --- selections, built from the catalogue --------------------------------------------------

PROFILE = (
    "code nameTh nameEn type size addressNumber addressVillageNumber addressRoad postcode "
    "latitude longitude phone hasWebsite websiteUrl"
)
RECORD_SCALARS = ("recordKey", "id", "version")


def _gql(name: str) -> str:
    return to_camel_case(name)


def _value_selection(fields: tuple[Field, ...]) -> list[str]:
    out = []
    for f in fields:
        if f.kind is Kind.VILLAGE:
            out.append(f"{_gql(f.name)} {{ number nameTh }}")
            continue
        out.append(_gql(f.name))
        if f.fetched_at_column:
            out.append(_gql(f.fetched_at_column))
    return out


def records_selection(records: RecordTable) -> str:
    inner = [RECORD_SCALARS[0], *_value_selection(records.fields), *RECORD_SCALARS[1:]]
    return f"{_gql(records.name)} {{ {' '.join(inner)} }}"


def section_selection(domain: Domain) -> str:
    inner = _value_selection(domain.fields)
    for records in domain.record_tables:
        inner.append(_gql(records.none_flag))
        inner.append(records_selection(records))
    inner.append("updatedAt")
    return f"{_gql(domain.key)} {{ {' '.join(inner)} }}"


Q1 = f"""
query Q1($code: String!, $year: Int!) {{
  lao(code: $code) {{
    {PROFILE}
    province {{ code nameTh nameEn }}
    district {{ code nameTh }}
    subdistrict {{ code nameTh postcode }}
    codeHistory {{ code validFrom validTo }}
    typeHistory {{ type validFrom validTo }}
    transferredMissions {{
      receivedOn status budgetBaht staffTransferred version mission {{ code nameTh area }}
    }}
    year(fiscalYear: $year) {{
      fiscalYear state version dataReceivedAt
      certificationHistory {{ at fromState toState actorRole reason }}
      {" ".join(section_selection(d) for d in DOMAINS)}
    }}
  }}
}}
"""

Q2 = f"""
query Q2($province: String!, $year: Int!, $after: String) {{
  laos(filter: {{provinceCode: $province}}, first: {PROVINCE_PAGE}, after: $after) {{
    totalCount
    pageInfo {{ hasNextPage endCursor }}
    edges {{
      cursor
      node {{
        {PROFILE}
        district {{ code nameTh }}
        year(fiscalYear: $year) {{ fiscalYear state {section_selection(DOMAINS[4])} }}
      }}
    }}
  }}
}}
"""

Q3 = f"""
query Q3($after: String, $year: Int!) {{
  laos(first: {PAGE}, after: $after) {{
    totalCount
    pageInfo {{ hasNextPage endCursor }}
    edges {{
      node {{
        code nameTh type
        province {{ code nameTh }}
        year(fiscalYear: $year) {{ state {section_selection(DOMAINS[0])} }}
      }}
    }}
  }}
}}
"""

Q4 = """
query Q4($year: Int!, $asOf: DateTime!) {
  provinces {
    code nameTh
    stats(fiscalYear: $year, asOf: $asOf) {
      fiscalYear
      certification { draft laoCertified provinceCertified total }
      lpaDistribution { score count }
      kpi16 { roundNo referenceSystems recorded checked rate targetPercent met }
    }
  }
}
"""


# --- value conversion, as the GraphQL layer serialises each type ----------------------------


def _json_value(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def cursor(key: int) -> str:
    return base64.urlsafe_b64encode(f"k:{key}".encode()).decode().rstrip("=")


def _profile(r: Any) -> dict[str, Any]:
    return {
        "code": r.code,
        "nameTh": r.name_th,
        "nameEn": r.name_en,
        "type": r.type.name,
        "size": r.size.name,
        "addressNumber": r.address_number,
        "addressVillageNumber": r.address_village_number,
        "addressRoad": r.address_road,
        "postcode": r.postcode,
        "latitude": r.latitude,
        "longitude": r.longitude,
        "phone": r.phone,
        "hasWebsite": r.has_website,
        "websiteUrl": r.website_url if r.has_website else None,
    }


def _values(fields: tuple[Field, ...], m: Any, villages: dict[int, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in fields:
        if f.kind is Kind.VILLAGE:
            village = villages.get(m[f.column]) if m[f.column] is not None else None
            out[_gql(f.name)] = (
                {"number": village.number, "nameTh": village.name_th} if village else None
            )
            continue
        out[_gql(f.name)] = _json_value(m[f.name])
        if f.fetched_at_column:
            out[_gql(f.fetched_at_column)] = _json_value(m[f.fetched_at_column])
    return out


def _record(records: RecordTable, m: Any, villages: dict[int, Any]) -> dict[str, Any]:
    return {
        "recordKey": m["record_key"],
        **_values(records.fields, m, villages),
        "id": m["id"],
        "version": m["version"],
    }


def _section(
    domain: Domain, m: Any, records: dict[str, list[Any]], villages: dict[int, Any]
) -> Any:
    if m is None:
        return None
    out = _values(domain.fields, m, villages)
    for t in domain.record_tables:
        out[_gql(t.none_flag)] = m[t.none_flag]
        out[_gql(t.name)] = [_record(t, r, villages) for r in records.get(t.name, [])]
    out["updatedAt"] = _json_value(m["updated_at"])
    return out


VISIBLE = LaoYear.state.in_(PUBLIC_STATES)


def _section_columns(domain: Domain) -> list[Any]:
    table = SECTION_TABLES[domain.number]
    return [c.label(f"s{domain.number}_{c.name}") for c in table.c]


def _section_mapping(domain: Domain, row: Any) -> dict[str, Any] | None:
    prefix = f"s{domain.number}_"
    m = {k[len(prefix) :]: v for k, v in row._mapping.items() if k.startswith(prefix)}
    return m if m["lao_year_id"] is not None else None


async def _records(
    conn: AsyncConnection, records: RecordTable, lao_year_ids: list[int]
) -> tuple[dict[int, list[Any]], dict[int, Any]]:
    """Live records of the LAO-years, by LAO-year, and the villages they point to."""
    table = RECORD_TABLES[records.name]
    village_fields = [f for f in records.fields if f.kind is Kind.VILLAGE]
    by_year: dict[int, list[Any]] = {}
    villages: dict[int, Any] = {}
    if not lao_year_ids:
        return by_year, villages
    columns: list[Any] = [*table.c]
    joined: Any = table
    for f in village_fields:
        v = Village.__table__.alias(f"v_{f.name}")
        columns += [v.c.number.label(f"{f.name}__number"), v.c.name_th.label(f"{f.name}__name_th")]
        joined = joined.outerjoin(v, v.c.id == table.c[f.column])
    statement = select(*columns).select_from(joined)
    statement = statement.where(
        table.c.lao_year_id.in_(lao_year_ids), table.c.retired_on.is_(None)
    ).order_by(table.c.id)
    for row in (await conn.execute(statement)).mappings():
        by_year.setdefault(row["lao_year_id"], []).append(row)
        for f in village_fields:
            if row[f.column] is not None:
                villages[row[f.column]] = _Village(
                    row[f"{f.name}__number"], row[f"{f.name}__name_th"]
                )
    return by_year, villages


@dataclass(frozen=True)
class _Village:
    number: int
    name_th: str


# --- the floors -----------------------------------------------------------------------------


async def floor_q1(conn: AsyncConnection, code: str, year: int) -> dict[str, Any]:
    lao = (
        await conn.execute(
            select(
                *Lao.__table__.c,
                Province.code.label("p_code"),
                Province.name_th.label("p_name_th"),
                Province.name_en.label("p_name_en"),
                District.code.label("d_code"),
                District.name_th.label("d_name_th"),
                Subdistrict.code.label("s_code"),
                Subdistrict.name_th.label("s_name_th"),
                Subdistrict.postcode.label("s_postcode"),
            )
            .join(Province, Province.id == Lao.province_id)
            .join(District, District.id == Lao.district_id)
            .join(Subdistrict, Subdistrict.id == Lao.subdistrict_id)
            .where(Lao.code == code)
        )
    ).one()
    codes = (
        await conn.execute(
            select(LaoCode.code, LaoCode.valid_from, LaoCode.valid_to)
            .where(LaoCode.lao_id == lao.id)
            .order_by(LaoCode.valid_from)
        )
    ).all()
    types = (
        await conn.execute(
            select(LaoTypePeriod.type, LaoTypePeriod.valid_from, LaoTypePeriod.valid_to)
            .where(LaoTypePeriod.lao_id == lao.id)
            .order_by(LaoTypePeriod.valid_from)
        )
    ).all()
    missions = (
        await conn.execute(
            select(
                LaoMission.received_on,
                LaoMission.status,
                LaoMission.budget_baht,
                LaoMission.staff_transferred,
                LaoMission.version,
                Mission.code,
                Mission.name_th,
                Mission.area,
            )
            .join(Mission, Mission.id == LaoMission.mission_id)
            .where(LaoMission.lao_id == lao.id)
            .order_by(LaoMission.id)
        )
    ).all()
    statement = select(*LaoYear.__table__.c, *(c for d in DOMAINS for c in _section_columns(d)))
    joined = LaoYear.__table__.join(Lao, Lao.id == LaoYear.lao_id)
    for d in DOMAINS:
        table = SECTION_TABLES[d.number]
        joined = joined.outerjoin(table, table.c.lao_year_id == LaoYear.id)
    year_row = (
        await conn.execute(
            statement.select_from(joined).where(
                LaoYear.lao_id == lao.id, LaoYear.fiscal_year == year, VISIBLE
            )
        )
    ).first()
    result: dict[str, Any] = {
        **_profile(lao),
        "province": {"code": lao.p_code, "nameTh": lao.p_name_th, "nameEn": lao.p_name_en},
        "district": {"code": lao.d_code, "nameTh": lao.d_name_th},
        "subdistrict": {"code": lao.s_code, "nameTh": lao.s_name_th, "postcode": lao.s_postcode},
        "codeHistory": [
            {
                "code": c.code,
                "validFrom": _json_value(c.valid_from),
                "validTo": _json_value(c.valid_to),
            }
            for c in codes
        ],
        "typeHistory": [
            {
                "type": t.type.name,
                "validFrom": _json_value(t.valid_from),
                "validTo": _json_value(t.valid_to),
            }
            for t in types
        ],
        "transferredMissions": [
            {
                "receivedOn": _json_value(m.received_on),
                "status": m.status.name,
                "budgetBaht": m.budget_baht,
                "staffTransferred": m.staff_transferred,
                "version": m.version,
                "mission": {"code": m.code, "nameTh": m.name_th, "area": m.area.name},
            }
            for m in missions
        ],
        "year": None,
    }
    if year_row is not None:
        events = (
            await conn.execute(
                select(*CertificationEvent.__table__.c)
                .where(CertificationEvent.lao_year_id == year_row.id)
                .order_by(CertificationEvent.at, CertificationEvent.id)
            )
        ).all()
        records: dict[str, list[Any]] = {}
        villages: dict[int, Any] = {}
        for d in DOMAINS:
            for t in d.record_tables:
                by_year, found = await _records(conn, t, [year_row.id])
                records[t.name] = by_year.get(year_row.id, [])
                villages.update(found)
        result["year"] = {
            "fiscalYear": year_row.fiscal_year,
            "state": year_row.state.name,
            "version": year_row.version,
            "dataReceivedAt": _json_value(year_row.data_received_at),
            "certificationHistory": [
                {
                    "at": _json_value(e.at),
                    "fromState": e.from_state.name,
                    "toState": e.to_state.name,
                    "actorRole": e.actor_role.name if e.actor_role else None,
                    "reason": e.reason,
                }
                for e in events
            ],
            **{
                _gql(d.key): _section(d, _section_mapping(d, year_row), records, villages)
                for d in DOMAINS
            },
        }
    return {"data": {"lao": result}}


async def _laos_page(
    conn: AsyncConnection,
    year: int,
    domain: Domain,
    *,
    where: list[Any],
    extra: list[Any],
    joins: list[tuple[Any, Any]],
    after: int | None,
    first: int,
) -> tuple[int, list[Any]]:
    """One keyset page of LAOs with the visible LAO-year of `year` and its section."""
    section = SECTION_TABLES[domain.number]
    total = (await conn.execute(select(func.count()).select_from(Lao).where(*where))).scalar_one()
    visible_year = (
        select(LaoYear.id, LaoYear.lao_id, LaoYear.state, LaoYear.fiscal_year)
        .where(LaoYear.fiscal_year == year, VISIBLE)
        .subquery("y")
    )
    joined = Lao.__table__
    for table, on in joins:
        joined = joined.join(table, on)
    joined = joined.outerjoin(visible_year, visible_year.c.lao_id == Lao.id).outerjoin(
        section, section.c.lao_year_id == visible_year.c.id
    )
    statement = (
        select(
            *Lao.__table__.c,
            *extra,
            visible_year.c.id.label("y_id"),
            visible_year.c.state.label("y_state"),
            visible_year.c.fiscal_year.label("y_fiscal_year"),
            *_section_columns(domain),
        )
        .select_from(joined)
        .where(*where)
        .order_by(Lao.id)
        .limit(first + 1)
    )
    if after is not None:
        statement = statement.where(Lao.id > after)
    return total, list((await conn.execute(statement)).all())


def _connection(
    total: int, rows: list[Any], first: int, node: Callable[[Any], dict[str, Any]], cursors: bool
) -> dict[str, Any]:
    page = rows[:first]
    edges = []
    for r in page:
        edge: dict[str, Any] = {"cursor": cursor(r.id)} if cursors else {}
        edge["node"] = node(r)
        edges.append(edge)
    return {
        "totalCount": total,
        "pageInfo": {
            "hasNextPage": len(rows) > first,
            "endCursor": cursor(page[-1].id) if page else None,
        },
        "edges": edges,
    }


def _after_key(after: str | None) -> int | None:
    if not after:
        return None
    return int(base64.urlsafe_b64decode(after + "=" * (-len(after) % 4)).decode()[2:])


async def floor_q2(
    conn: AsyncConnection, province: str, year: int, after: str | None
) -> dict[str, Any]:
    domain = DOMAINS[4]
    first = PROVINCE_PAGE
    total, rows = await _laos_page(
        conn,
        year,
        domain,
        where=[
            Lao.province_id
            == select(Province.id).where(Province.code == province).scalar_subquery()
        ],
        extra=[District.code.label("d_code"), District.name_th.label("d_name_th")],
        joins=[(District.__table__, District.id == Lao.district_id)],
        after=_after_key(after),
        first=first,
    )
    year_ids = [r.y_id for r in rows[:first] if r.y_id is not None]
    records: dict[str, dict[int, list[Any]]] = {}
    villages: dict[int, Any] = {}
    for t in domain.record_tables:
        records[t.name], found = await _records(conn, t, year_ids)
        villages.update(found)

    def node(r: Any) -> dict[str, Any]:
        year_value = None
        if r.y_id is not None:
            own = {t.name: records[t.name].get(r.y_id, []) for t in domain.record_tables}
            year_value = {
                "fiscalYear": r.y_fiscal_year,
                "state": r.y_state.name,
                _gql(domain.key): _section(domain, _section_mapping(domain, r), own, villages),
            }
        return {
            **_profile(r),
            "district": {"code": r.d_code, "nameTh": r.d_name_th},
            "year": year_value,
        }

    return {"data": {"laos": _connection(total, rows, first, node, cursors=True)}}


async def floor_q3_page(conn: AsyncConnection, after: str | None, year: int) -> dict[str, Any]:
    domain = DOMAINS[0]
    after_key = _after_key(after)
    total, rows = await _laos_page(
        conn,
        year,
        domain,
        where=[],
        extra=[Province.code.label("p_code"), Province.name_th.label("p_name_th")],
        joins=[(Province.__table__, Province.id == Lao.province_id)],
        after=after_key,
        first=PAGE,
    )

    def node(r: Any) -> dict[str, Any]:
        return {
            "code": r.code,
            "nameTh": r.name_th,
            "type": r.type.name,
            "province": {"code": r.p_code, "nameTh": r.p_name_th},
            "year": {
                "state": r.y_state.name,
                _gql(domain.key): _section(domain, _section_mapping(domain, r), {}, {}),
            }
            if r.y_id is not None
            else None,
        }

    return {"data": {"laos": _connection(total, rows, PAGE, node, cursors=False)}}


async def floor_q4(conn: AsyncConnection, year: int, as_of: str) -> dict[str, Any]:
    """The hub's three grouped roll-up statements (hub.rollups, hub.kpi16) are the floor."""
    when = dt.datetime.fromisoformat(as_of)
    provinces = (
        await conn.execute(
            select(Province.id, Province.code, Province.name_th).order_by(Province.code)
        )
    ).all()
    progress = await rollups.certification_progress(conn, year, by="province")
    scores = await rollups.lpa_distribution(conn, year, when, by="province")
    round_row = (
        await conn.execute(
            select(Kpi16Round.id, Kpi16Round.round_no)
            .where(Kpi16Round.fiscal_year == year)
            .order_by(Kpi16Round.round_no.desc())
            .limit(1)
        )
    ).first()
    coverage = await kpi16.coverage(conn, round_row.id, by="province") if round_row else {}
    out = []
    for p in provinces:
        counts = progress.get(p.id)
        distribution = scores.get(p.id, {})
        cov = coverage.get(p.id)
        out.append(
            {
                "code": p.code,
                "nameTh": p.name_th,
                "stats": {
                    "fiscalYear": year,
                    "certification": {
                        "draft": counts[CertificationState.DRAFT] if counts else 0,
                        "laoCertified": counts[CertificationState.LAO_CERTIFIED] if counts else 0,
                        "provinceCertified": counts[CertificationState.PROVINCE_CERTIFIED]
                        if counts
                        else 0,
                        "total": sum(counts.values()) if counts else 0,
                    },
                    "lpaDistribution": [
                        {"score": s, "count": distribution.get(s, 0)} for s in (5, 3, 1, 0)
                    ],
                    "kpi16": {
                        "roundNo": round_row.round_no,
                        "referenceSystems": cov.reference_systems,
                        "recorded": cov.recorded,
                        "checked": cov.checked,
                        "rate": cov.rate,
                        "targetPercent": cov.target_percent,
                        "met": cov.met,
                    }
                    if cov is not None and round_row is not None and counts
                    else None,
                },
            }
        )
    return {"data": {"provinces": out}}


# --- the scenarios --------------------------------------------------------------------------


@dataclass
class Scenario:
    """One benchmark operation: a GraphQL request (or, for Q3, a chain of them) and its floor."""

    name: str
    title: str
    document: str
    variables: dict[str, Any]
    floor: Callable[[AsyncConnection, dict[str, Any]], Awaitable[dict[str, Any]]]
    paged: bool = False  # follow pageInfo.endCursor with `after` until hasNextPage is false
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Targets:
    closed_year: int
    open_year: int
    lao_code: str
    province_code: str
    province_laos: int


async def pick_targets(conn: AsyncConnection) -> Targets:
    """The deepest certified LAO and the largest province, found in the data (deterministic)."""
    closed_year = (
        await conn.execute(
            select(func.max(FiscalYear.year_be)).where(FiscalYear.closed_at.is_not(None))
        )
    ).scalar_one()
    open_year = (
        await conn.execute(
            select(func.max(FiscalYear.year_be)).where(FiscalYear.closed_at.is_(None))
        )
    ).scalar_one()
    water = RECORD_TABLES["water_supply_systems"]
    n_water = func.count(water.c.id)
    lao_code = (
        await conn.execute(
            select(Lao.code)
            .join(LaoYear, and_(LaoYear.lao_id == Lao.id, LaoYear.fiscal_year == closed_year))
            .join(water, water.c.lao_year_id == LaoYear.id)
            .where(VISIBLE, Lao.code.is_not(None), water.c.retired_on.is_(None))
            .group_by(Lao.id, Lao.code)
            .order_by(n_water.desc(), Lao.id)
            .limit(1)
        )
    ).scalar_one()
    province_code, n = (
        await conn.execute(
            select(Province.code, func.count(Lao.id))
            .join(Lao, Lao.province_id == Province.id)
            .group_by(Province.id, Province.code)
            .order_by(func.count(Lao.id).desc(), Province.code)
            .limit(1)
        )
    ).one()
    return Targets(closed_year, open_year, lao_code, province_code, n)


def scenarios(t: Targets) -> list[Scenario]:
    return [
        Scenario(
            "Q1",
            f"one LAO, deep ({t.lao_code}: profile, 8 sections, water systems, missions, history)",
            Q1,
            {"code": t.lao_code, "year": t.closed_year},
            lambda conn, v: floor_q1(conn, v["code"], v["year"]),
        ),
        Scenario(
            "Q2",
            f"province {t.province_code} ({t.province_laos} LAOs: profile, domain 5, water systems; "
            f"{PROVINCE_PAGE} a page, to the end)",
            Q2,
            {"province": t.province_code, "year": t.closed_year, "after": None},
            lambda conn, v: floor_q2(conn, v["province"], v["year"], v["after"]),
            paged=True,
        ),
        Scenario(
            "Q3",
            f"national extract (all LAOs with domain 1, {PAGE} a page, to the end)",
            Q3,
            {"after": None, "year": t.closed_year},
            lambda conn, v: floor_q3_page(conn, v["after"], v["year"]),
            paged=True,
        ),
        Scenario(
            "Q4",
            "roll-ups: every province's certification progress, LPA distribution, KPI-16",
            Q4,
            {"year": t.open_year, "asOf": AS_OF},
            lambda conn, v: floor_q4(conn, v["year"], v["asOf"]),
        ),
    ]
