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
import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Integer, and_, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncConnection
from strawberry.utils.str_converters import to_camel_case

from hub.db import kpi16_counts, rollups
from hub.db.models import (
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
from hub.rules.catalogue import DOMAINS, Domain, Field, Kind, RecordTable
from hub.rules.enums import CertificationState
from hub.rules.permissions import PUBLIC_STATES
from schema import shapes

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


# --- the same documents as real clients send them ---------------------------------------
#
# Apollo Client adds `__typename` to every selection set below the root, Relay and codegen
# clients put an object's fields in named fragments, and dashboards alias the root field. The
# answer is the plain document's once `__typename` is dropped and the root key renamed back
# (`plain_answer`), so the same floor checks it; the hub must answer it as fast as the plain
# one (the planner collects fragments, aliases and `__typename` itself).

ROOT_ALIAS = "result"
NAMED_FRAGMENTS = {"Lao": "LaoFields", "AreaYearStats": "StatsFields"}  # the rest: inline


def real_client(document: str) -> str:
    """`document` (a plain one: no fragments, aliases or directives) dressed as above."""
    from graphql import FieldNode, OperationDefinitionNode, get_named_type, parse, print_ast

    from schema.root import schema

    graphql_schema = schema._schema
    operation = parse(document).definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    fragments: dict[str, str] = {}

    def field_text(node: FieldNode, parent: Any, root: bool = False) -> str:
        name = node.name.value
        text = (f"{ROOT_ALIAS}: " if root else "") + name
        if node.arguments:
            text += "(" + ", ".join(print_ast(a) for a in node.arguments) + ")"
        if node.selection_set is None:
            return text
        child = get_named_type(parent.fields[name].type)
        inner = " ".join(
            field_text(f, child) for f in node.selection_set.selections if isinstance(f, FieldNode)
        )
        if child.name in NAMED_FRAGMENTS:
            fragment = NAMED_FRAGMENTS[child.name]
            fragments.setdefault(fragment, f"fragment {fragment} on {child.name} {{ {inner} }}")
            inner = f"...{fragment}"
        elif len(node.selection_set.selections) > 2:
            inner = f"... on {child.name} {{ {inner} }}"
        return f"{text} {{ __typename {inner} }}"

    (root,) = operation.selection_set.selections
    assert isinstance(root, FieldNode)
    variables = ", ".join(print_ast(v) for v in operation.variable_definitions)
    body = field_text(root, graphql_schema.query_type, root=True)
    name = operation.name.value if operation.name else "Q"
    head = f"query {name}RealClient({variables})" if variables else f"query {name}RealClient"
    return f"{head} {{ {body} }}\n" + "\n".join(fragments.values())


def plain_answer(body: Any, root_name: str) -> Any:
    """A real-client answer as the plain document's: `__typename` dropped, the root renamed."""

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k != "__typename"}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    out = strip(body)
    if isinstance(out.get("data"), dict) and ROOT_ALIAS in out["data"]:
        out["data"] = {root_name: out["data"][ROOT_ALIAS]}
    return out


# --- the floors' building blocks -----------------------------------------------------------
#
# Each floor statement selects exactly the columns its part of the document selects. A
# `Shape` is one flat JSON object over a contiguous run of those columns: it is built with
# `dict(zip(keys, row[a:b]))`, and only the columns GraphQL serialises differently from the
# driver's value (enums → name, dates → ISO 8601) are converted afterwards.


def _name(value: Any) -> Any:
    return value.name if value is not None else None


def _iso(value: Any) -> Any:
    return value.isoformat() if value is not None else None


def _converter(column: Any) -> Callable[[Any], Any] | None:
    try:
        python_type = column.type.python_type
    except NotImplementedError:
        return None
    if issubclass(python_type, enum.Enum):
        return _name
    if issubclass(python_type, dt.date):  # datetime included
        return _iso
    return None


class Select:
    """A statement's select list, grown shape by shape; rows are read back by position."""

    def __init__(self) -> None:
        self.columns: list[Any] = []

    def shape(self, pairs: list[tuple[str, Any]]) -> Shape:
        start = len(self.columns)
        self.columns += [c.label(f"c{start + i}") for i, (_, c) in enumerate(pairs)]
        convert = [
            (key, start + i, f)
            for i, (key, column) in enumerate(pairs)
            if (f := _converter(column)) is not None
        ]
        return Shape([k for k, _ in pairs], start, len(self.columns), convert)

    def column(self, column: Any) -> int:
        self.columns.append(column.label(f"c{len(self.columns)}"))
        return len(self.columns) - 1


@dataclass(frozen=True)
class Shape:
    keys: list[str]
    start: int
    end: int
    convert: list[tuple[str, int, Callable[[Any], Any]]]

    def __call__(self, row: Any) -> dict[str, Any]:
        out = dict(zip(self.keys, row[self.start : self.end], strict=True))
        for key, i, f in self.convert:
            out[key] = f(row[i])
        return out


def cursor(key: int) -> str:
    return base64.urlsafe_b64encode(f"k:{key}".encode()).decode().rstrip("=")


LAO = Lao.__table__


def reads(shape: shapes.Shape, names: str) -> list[tuple[str, Any]]:
    """(GraphQL name, column) for each of `names`: the column `schema.shapes` declares the
    field reads, so the floor selects what the hub reads (its conversions stay the floor's)."""
    fields = shape.by_graphql_name
    return [(name, shape.table.c[fields[name].column]) for name in names.split()]


PROFILE_COLUMNS = reads(shapes.LAO, PROFILE)


def _profile(shape: Shape, row: Any) -> dict[str, Any]:
    out = shape(row)
    if not out["hasWebsite"]:
        out["websiteUrl"] = None  # as Lao.from_row
    return out


def _value_columns(fields: tuple[Field, ...], table: Any) -> list[tuple[str, Any]]:
    """A section's or record's non-village fields, in the document's order."""
    out = []
    for f in fields:
        assert f.kind is not Kind.VILLAGE or table.name in RECORD_TABLES, f.name
        if f.kind is Kind.VILLAGE:
            continue
        out.append((_gql(f.name), table.c[f.column]))
        if f.fetched_at_column:
            out.append((_gql(f.fetched_at_column), table.c[f.fetched_at_column]))
    return out


@dataclass
class SectionShape:
    """Domain `domain`'s section in a statement joined to it: its fields, none-flags and
    updatedAt; its record lists are filled in by `RecordsFloor`."""

    domain: Domain
    present: int
    values: Shape
    flags: Shape
    updated_at: Shape
    lists: list[tuple[str, str]]  # (JSON key, record table) of each record list

    @classmethod
    def add(cls, q: Select, domain: Domain, table: Any) -> SectionShape:
        return cls(
            domain,
            q.column(table.c.lao_year_id),
            q.shape(_value_columns(domain.fields, table)),
            q.shape([(_gql(t.none_flag), table.c[t.none_flag]) for t in domain.record_tables]),
            q.shape([("updatedAt", table.c.updated_at)]),
            [(_gql(t.name), t.name) for t in domain.record_tables],
        )

    def __call__(
        self, row: Any, records: dict[str, dict[int, list[Any]]], lao_year_id: int
    ) -> dict[str, Any] | None:
        if row[self.present] is None:
            return None
        out = self.values(row)
        out.update(self.flags(row))
        for key, name in self.lists:
            out[key] = records[name].get(lao_year_id, [])
        out.update(self.updated_at(row))
        return out


@dataclass(frozen=True)
class RecordsStatement:
    """A record table's live records of some LAO-years (bound as `lao_years`, expanding),
    joined to the villages they point to: only the selected columns, in id order."""

    statement: Any
    parent: int
    parts: list[tuple[str, Any]]

    async def fetch(
        self, conn: AsyncConnection, lao_year_ids: list[int]
    ) -> dict[int, list[dict[str, Any]]]:
        by_year: dict[int, list[dict[str, Any]]] = {}
        if not lao_year_ids:
            return by_year
        own, villages = self.parts[0][1], self.parts[1:]
        for row in (await conn.execute(self.statement, {"lao_years": lao_year_ids})).all():
            out = own(row)
            for key, (present, village) in villages:
                out[key] = village(row) if row[present] is not None else None
            by_year.setdefault(row[self.parent], []).append(out)
        return by_year


@functools.cache
def records_statement(name: str) -> RecordsStatement:
    records = next(t for d in DOMAINS for t in d.record_tables if t.name == name)
    table = RECORD_TABLES[name]
    q = Select()
    parent = q.column(table.c.lao_year_id)
    # The record's own columns in one shape (JSON key order does not matter to equality),
    # then one nested shape per village it points to.
    own = [("recordKey", table.c.record_key), *_value_columns(records.fields, table)]
    parts: list[tuple[str, Any]] = [
        ("", q.shape([*own, ("id", table.c.id), ("version", table.c.version)]))
    ]
    joined: Any = table
    for f in records.fields:
        if f.kind is Kind.VILLAGE:
            v = Village.__table__.alias(f"v_{f.name}")
            joined = joined.outerjoin(v, v.c.id == table.c[f.column])
            village = q.shape([("number", v.c.number), ("nameTh", v.c.name_th)])
            parts.append((_gql(f.name), (q.column(v.c.id), village)))
    statement = (
        select(*q.columns)
        .select_from(joined)
        .where(
            table.c.lao_year_id.in_(bindparam("lao_years", expanding=True)),
            table.c.retired_on.is_(None),
        )
        .order_by(table.c.id)
    )
    return RecordsStatement(statement, parent, parts)


VISIBLE = LaoYear.state.in_(PUBLIC_STATES)
# `lao_years` of the bound `year` the bench's caller sees, as a LEFT JOIN's ON clause (the
# row rule in the ON clause: the cheapest form on both backends).
VISIBLE_YEAR = and_(
    LaoYear.lao_id == Lao.id,
    LaoYear.fiscal_year == bindparam("year", type_=Integer, literal_execute=True),
    VISIBLE,
)


@dataclass(frozen=True)
class ListStatement:
    statement: Any
    shape: Shape

    async def fetch(self, conn: AsyncConnection, **params: Any) -> list[dict[str, Any]]:
        return [self.shape(r) for r in (await conn.execute(self.statement, params)).all()]


def _list(pairs: list[tuple[str, Any]], *where: Any, order_by: list[Any]) -> ListStatement:
    q = Select()
    shape = q.shape(pairs)
    return ListStatement(select(*q.columns).where(*where).order_by(*order_by), shape)


# --- the floors -----------------------------------------------------------------------------
#
# Every statement is built once (`functools.cache`) with bound parameters, so a floor run
# pays for execution and encoding only, not for building SQLAlchemy expressions.


@dataclass(frozen=True)
class Q1Plan:
    statement: Any
    lao_id: int
    year_id: int
    profile: Shape
    province: Shape
    district: Shape
    subdistrict: Shape
    year: Shape
    sections: list[SectionShape]
    codes: ListStatement
    types: ListStatement
    missions: Any
    mission_row: Shape
    mission: Shape
    events: ListStatement


@functools.cache
def q1_plan() -> Q1Plan:
    q = Select()
    lao_id = q.column(LAO.c.id)
    profile = q.shape(PROFILE_COLUMNS)
    province = q.shape(reads(shapes.PROVINCE, "code nameTh nameEn"))
    district = q.shape(reads(shapes.DISTRICT, "code nameTh"))
    subdistrict = q.shape(reads(shapes.SUBDISTRICT, "code nameTh postcode"))
    year_id = q.column(LaoYear.id)
    year = q.shape(reads(shapes.LAO_YEAR, "fiscalYear state version dataReceivedAt"))
    joined: Any = (
        LAO.join(Province, Province.id == Lao.province_id)
        .join(District, District.id == Lao.district_id)
        .join(Subdistrict, Subdistrict.id == Lao.subdistrict_id)
        .outerjoin(LaoYear, VISIBLE_YEAR)
    )
    sections = []
    for d in DOMAINS:
        table = SECTION_TABLES[d.number]
        joined = joined.outerjoin(table, table.c.lao_year_id == LaoYear.id)
        sections.append(SectionShape.add(q, d, table))
    statement = select(*q.columns).select_from(joined).where(Lao.code == bindparam("code"))
    m = Select()
    mission_row = m.shape(
        reads(shapes.LAO_MISSION, "receivedOn status budgetBaht staffTransferred version")
    )
    mission = m.shape(reads(shapes.MISSION, "code nameTh area"))
    missions = (
        select(*m.columns)
        .join_from(LaoMission, Mission, Mission.id == LaoMission.mission_id)
        .where(LaoMission.lao_id == bindparam("lao"))
        .order_by(LaoMission.id)
    )
    return Q1Plan(
        statement,
        lao_id,
        year_id,
        profile,
        province,
        district,
        subdistrict,
        year,
        sections,
        _list(
            reads(shapes.CODE_PERIOD, "code validFrom validTo"),
            LaoCode.lao_id == bindparam("lao"),
            order_by=[LaoCode.valid_from],
        ),
        _list(
            reads(shapes.TYPE_PERIOD, "type validFrom validTo"),
            LaoTypePeriod.lao_id == bindparam("lao"),
            order_by=[LaoTypePeriod.valid_from],
        ),
        missions,
        mission_row,
        mission,
        _list(
            [
                *reads(shapes.CERTIFICATION_EVENT, "at fromState toState actorRole reason"),
            ],
            CertificationEvent.lao_year_id == bindparam("lao_year"),
            order_by=[CertificationEvent.at, CertificationEvent.id],
        ),
    )


async def floor_q1(conn: AsyncConnection, code: str, year: int) -> dict[str, Any]:
    """7 statements: the LAO with its places, its visible LAO-year and the 8 sections (one
    joined row); code history; type history; missions with their catalogue entries;
    certification events; one per record table."""
    p = q1_plan()
    row = (await conn.execute(p.statement, {"code": code, "year": year})).one()
    lao = row[p.lao_id]
    missions = (await conn.execute(p.missions, {"lao": lao})).all()
    result: dict[str, Any] = {
        **_profile(p.profile, row),
        "province": p.province(row),
        "district": p.district(row),
        "subdistrict": p.subdistrict(row),
        "codeHistory": await p.codes.fetch(conn, lao=lao),
        "typeHistory": await p.types.fetch(conn, lao=lao),
        "transferredMissions": [{**p.mission_row(r), "mission": p.mission(r)} for r in missions],
        "year": None,
    }
    the_year = row[p.year_id]
    if the_year is not None:
        records = {
            t.name: await records_statement(t.name).fetch(conn, [the_year])
            for d in DOMAINS
            for t in d.record_tables
        }
        result["year"] = {
            **p.year(row),
            "certificationHistory": await p.events.fetch(conn, lao_year=the_year),
            **{_gql(s.domain.key): s(row, records, the_year) for s in p.sections},
        }
    return {"data": {"lao": result}}


@dataclass(frozen=True)
class PagePlan:
    """COUNT and one keyset page of LAOs (`after` bound, 0 for the first page) joined to the
    visible LAO-year of the bound `year` and its section of one domain."""

    count: Any
    statement: Any
    lao_id: int
    year_id: int
    section: SectionShape
    shapes: dict[str, Shape]


def _page_plan(
    domain: Domain,
    shapes: Callable[[Select], dict[str, Shape]],
    where: list[Any],
    joins: list[tuple[Any, Any]],
    first: int,
) -> PagePlan:
    section = SECTION_TABLES[domain.number]
    q = Select()
    lao_id = q.column(LAO.c.id)
    year_id = q.column(LaoYear.id)
    named = shapes(q)
    section_shape = SectionShape.add(q, domain, section)
    joined: Any = LAO
    for table, on in joins:
        joined = joined.join(table, on)
    joined = joined.outerjoin(LaoYear, VISIBLE_YEAR).outerjoin(
        section, section.c.lao_year_id == LaoYear.id
    )
    # The keyset bound and the LIMIT are rendered into the SQL text: bound, PostgreSQL
    # switches to a generic plan after five runs of the same text and loses the LIMIT's
    # fast start (~7x slower a page). The hub's planner does the same.
    statement = (
        select(*q.columns)
        .select_from(joined)
        .where(*where, Lao.id > bindparam("after", type_=Integer, literal_execute=True))
        .order_by(Lao.id)
        .limit(bindparam("limit", first + 1, type_=Integer, literal_execute=True))
    )
    count = select(func.count()).select_from(Lao).where(*where)
    return PagePlan(count, statement, lao_id, year_id, section_shape, named)


def _connection(
    total: int,
    rows: list[Any],
    first: int,
    lao_id: int,
    node: Callable[[Any], dict[str, Any]],
    cursors: bool,
) -> dict[str, Any]:
    page = rows[:first]
    if cursors:
        edges = [{"cursor": cursor(r[lao_id]), "node": node(r)} for r in page]
    else:
        edges = [{"node": node(r)} for r in page]
    return {
        "totalCount": total,
        "pageInfo": {
            "hasNextPage": len(rows) > first,
            "endCursor": cursor(page[-1][lao_id]) if page else None,
        },
        "edges": edges,
    }


def _after_key(after: str | None) -> int:
    if not after:
        return 0  # ids start at 1
    return int(base64.urlsafe_b64decode(after + "=" * (-len(after) % 4)).decode()[2:])


@functools.cache
def q2_plan() -> PagePlan:
    return _page_plan(
        DOMAINS[4],
        lambda q: {
            "profile": q.shape(PROFILE_COLUMNS),
            "district": q.shape(reads(shapes.DISTRICT, "code nameTh")),
            "year": q.shape(reads(shapes.LAO_YEAR, "fiscalYear state")),
        },
        [Lao.province_id.in_(select(Province.id).where(Province.code == bindparam("province")))],
        [(District.__table__, District.id == Lao.district_id)],
        PROVINCE_PAGE,
    )


async def floor_q2(
    conn: AsyncConnection, province: str, year: int, after: str | None
) -> dict[str, Any]:
    """3 statements a page: COUNT, the page (profile, district, year, domain 5), water systems."""
    p = q2_plan()
    domain = DOMAINS[4]
    params = {"province": province, "year": year, "after": _after_key(after)}
    total = (await conn.execute(p.count, params)).scalar_one()
    rows = (await conn.execute(p.statement, params)).all()
    year_ids = [r[p.year_id] for r in rows[:PROVINCE_PAGE] if r[p.year_id] is not None]
    records = {
        t.name: await records_statement(t.name).fetch(conn, year_ids) for t in domain.record_tables
    }
    key = _gql(domain.key)
    profile, district, year_shape = p.shapes["profile"], p.shapes["district"], p.shapes["year"]

    def node(r: Any) -> dict[str, Any]:
        y = r[p.year_id]
        return {
            **_profile(profile, r),
            "district": district(r),
            "year": {**year_shape(r), key: p.section(r, records, y)} if y is not None else None,
        }

    connection = _connection(total, rows, PROVINCE_PAGE, p.lao_id, node, cursors=True)
    return {"data": {"laos": connection}}


@functools.cache
def q3_plan() -> PagePlan:
    return _page_plan(
        DOMAINS[0],
        lambda q: {
            "lao": q.shape(reads(shapes.LAO, "code nameTh type")),
            "province": q.shape(reads(shapes.PROVINCE, "code nameTh")),
            "state": q.shape(reads(shapes.LAO_YEAR, "state")),
        },
        [],
        [(Province.__table__, Province.id == Lao.province_id)],
        PAGE,
    )


async def floor_q3_page(conn: AsyncConnection, after: str | None, year: int) -> dict[str, Any]:
    """2 statements a page: COUNT, the page (code, name, type, province, domain 1)."""
    p = q3_plan()
    params = {"year": year, "after": _after_key(after)}
    total = (await conn.execute(p.count, params)).scalar_one()
    rows = (await conn.execute(p.statement, params)).all()
    key = _gql(DOMAINS[0].key)
    lao, province, state = p.shapes["lao"], p.shapes["province"], p.shapes["state"]
    no_records: dict[str, dict[int, list[Any]]] = {}

    def node(r: Any) -> dict[str, Any]:
        y = r[p.year_id]
        return {
            **lao(r),
            "province": province(r),
            "year": {**state(r), key: p.section(r, no_records, y)} if y is not None else None,
        }

    return {"data": {"laos": _connection(total, rows, PAGE, p.lao_id, node, cursors=False)}}


async def floor_q4(conn: AsyncConnection, year: int, as_of: str) -> dict[str, Any]:
    """The hub's roll-up statements (hub.db.rollups, hub.db.kpi16_counts) are the floor."""
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
    coverage = await kpi16_counts.coverage(conn, round_row.id, by="province") if round_row else {}
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
    # A real-client variant: the plain scenario it dresses (`real_client`) and its root field.
    plain: str | None = None
    root_name: str | None = None

    def comparable(self, body: Any) -> Any:
        """The hub's answer as the floor writes it."""
        return plain_answer(body, self.root_name) if self.plain and self.root_name else body


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
    """Q1–Q4, then each again as real clients send it (Q1r–Q4r)."""
    plain = _plain_scenarios(t)
    dressed = [
        Scenario(
            f"{s.name}r",
            f"{s.name} as Apollo / Relay send it: `__typename` everywhere, named and inline "
            "fragments, the root aliased",
            real_client(s.document),
            s.variables,
            s.floor,
            paged=s.paged,
            plain=s.name,
            root_name=_root_name(s.document),
        )
        for s in plain
    ]
    return plain + dressed


def _root_name(document: str) -> str:
    from graphql import FieldNode, OperationDefinitionNode, parse

    operation = parse(document).definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    root = operation.selection_set.selections[0]
    assert isinstance(root, FieldNode)
    return root.name.value


def _plain_scenarios(t: Targets) -> list[Scenario]:
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
