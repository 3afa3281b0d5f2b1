"""The planned read path for the root connections over one table: the record tables'
`waterSupplySystems` and `touristSites`, `transferredMissions` — national extracts, a page
at a time — DLA's `missionCatalogue`, and the place searches `subdistricts` and `villages`;
and the whole-table lists `agencies`, `fiscalYears` and `kpi16Rounds` (one statement of the
selected columns in the order `schema.shapes.TABLE_LISTS` declares) and the
rows by key `subdistrict(code:)` and `kpi16Round(fiscalYear:, roundNo:)`
(`schema.shapes.KEYED_ROOTS`: the same statement over the row whose columns equal the
arguments); the lists under their rows (a subdistrict's `villages`) one more statement each
(`Children`).

Why: a page of 500 water-supply systems is ~10,000 fields; the resolvers build a strawberry
object per row and resolve each nested object (a village, a mission, its agency) by
DataLoader. Here a page is one SELECT of exactly the selected columns, joined to the objects
selected, plus one COUNT when `totalCount` is selected, and each node is built by one
function compiled from its getters (`schema.plan_common.compile_object`): the same getters
the planner uses for a section's records (`Compiler.records_plan`) and for an LAO's
transferred missions (`schema.shapes.LAO_MISSION`).

What the resolvers do, done the same way (`schema.root`, `paginate`): rows ordered by id,
the cursor being the id, the COUNT over the same filter.

* Records: the live records (`retired_on` null) of the LAO-years of `fiscalYear` (the
  current open year by default) that the caller may see
  (`hub.db.visibility.visible_lao_years_clause`), narrowed by `provinceCode`,
  `districtCode`, `laoCode`, `id` and, for water-supply systems, `status`. The root is
  guarded by its domain (`DomainData(5)`, `DomainData(8)`, as the root field declares).
* Transferred missions: every record, narrowed by `agencyCode`, `missionCode`, `area`,
  `provinceCode`, `districtCode`, `laoCode` and `status`; guarded by `MissionsData`. Its
  `history` and `helpRequests` (with their messages) are one more statement each for the
  page (`Children`); who acted (`actorName`, personal data) and the help requests are
  decided per record at its LAO, which the page joins for it (`_place`,
  `Children.decide`): null with FORBIDDEN where refused (a refused list's errors before its
  items' fields', as the resolvers report them), each personal read let through noted for
  the read audit.
* The mission catalogue: every mission, narrowed by `area` and `agencyCode`; public.
* Subdistricts and villages: the WHERE clause of the resolver's own search
  (`schema.geography.subdistricts_statement` / `villages_statement`); public. A node's
  places (a village's subdistrict, its district, its province) are joined as `schema.shapes`
  declares them; a subdistrict's `villages` is one more statement for the page (`Children`).
* Help requests (`missionHelpRequests`, and `missionHelpRequest(id:)` as one such node or
  null): the resolver's own rule (`schema.root.mission_help_where`: the requests of the
  LAOs the caller covers, filtered), guarded by `MissionHelp`; with the LAO, mission record
  and mission each names (null when it names none) and its `messages` (`Children`).

The roots the resolvers' own functions compute (`schema.root.COMPUTED_ROOTS`, and with the
caller, `CALLER_ROOTS`: `lpaAssessors`, the caller's own export jobs and webhooks) are answered from the function's objects: their data
fields through their GraphQL types' `serialize`, the fields computed from the object and the
request's moment by the function their resolver calls (`schema.rounds.COMPUTED_FIELDS`), and
the objects they name by id (`schema.shapes.OBJECTS_BY_ID`), read afterwards in one
statement per selection for all of them (`Building`, `ObjectsById`; an LAO with more than
its profile selected, its year or lists, by the LAO compiler as the viewer's LAOs:
`LaosById`, `LaoObjects`), and the fields their
resolvers load per object through a DataLoader (`schema.root.BATCHED_FIELDS`, declared as
`schema.shapes.Batched`: an account's roles and waiting code), loaded afterwards once per
field for all of them by the function that DataLoader batches with (`fill`), and the
fields their resolvers compute by a function over the request's DataLoaders
(`schema.root.LOADED_FIELDS`: a round's `datesFor`, figures, standings and reminders, a final
score's `provisionalAtInspection`, a KPI-16 round's reference list and report boards), called
for all of them at once (`LoadedRead`, `call_loaded`: an error of a nullable one is its null
and its error, in the order the calls complete, as the resolvers'; its own guard decided for
the caller, a refusal null with FORBIDDEN where the permission extension reports it); a field
guarded per LAO inside them (`schema.root.PLACE_GUARDED_FIELDS`: who set a value, an
assessor's name) is decided per object at its LAO (`PlaceRead`), its error at the path the
`Building` follows.

A caller the guard refuses gets null and FORBIDDEN at the root, as from the permission
class, whatever the arguments: the root field's own `guarded(...)` declaration, decided for
the caller by `schema.permissions.identity_decision`. Supported: `totalCount`, `pageInfo { … }`, `edges { cursor
node { … } }` and `__typename` at every level, any of them under several keys (a `node`
under another key is a plan of its own over the page's ids, `ConnectionPlan.more`); a record's scalar fields and `village {
number nameTh }`; a mission record's scalar fields, `mission { … agency { … } }` and
`agency { … }` and `lao { … }` with its places, and its `history` (who acted) and
`helpRequests`, decided at its LAO; a catalogue mission's scalar fields and
`agency { … }`. Anything else raises `Unsupported`
and goes to the resolvers.
"""

from __future__ import annotations

import asyncio
import functools
import operator
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from graphql import (
    FieldNode,
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    is_leaf_type,
    located_error,
)
from graphql.execution.values import get_argument_values
from sqlalchemy import ColumnElement, Integer, bindparam, func, select
from strawberry.types.arguments import convert_arguments
from strawberry.utils.str_converters import to_camel_case, to_snake_case

from hub.db.models import (
    RECORD_TABLES,
    Agency,
    District,
    FiscalYear,
    Lao,
    LaoMission,
    LaoYear,
    Mission,
    MissionHelpRequest,
    Province,
    Subdistrict,
    Village,
)
from hub.db.visibility import visible_lao_years_clause
from hub.rules.catalogue import DOMAINS, RECORD_TABLE_BY_NAME
from hub.rules.enums import MissionArea, MissionStatus
from hub.rules.permissions import LaoPlace
from hub.services.read_audit import PersonalReads
from schema.geography import (
    SubdistrictFilter,
    VillageFilter,
    subdistricts_statement,
    villages_statement,
)
from schema.limits import check_page_size
from schema.loaders import Loaders
from schema.mission_help import MissionHelpFilter
from schema.pagination import decode_cursor
from schema.permissions import (
    PlaceGuard,
    argument_rules,
    identity_decision,
    is_guarded,
    place_guard,
)
from schema.plan_common import (
    Columns,
    Unsupported,
    _alias,
    _fields,
    _key,
    compile_object,
    connection_answer,
    connection_fields,
    forbidden,
    node_root,
    page_ids,
)
from schema.plan_document import TYPENAME, type_name_of
from schema.plan_lists import UNKNOWN_CALLER, Children, Deferred, note_read, shape_getters
from schema.read_audit import audited_fields
from schema.root import (
    BATCHED_FIELDS,
    CALLER_ROOTS,
    COMPUTED_FIELDS,
    COMPUTED_ROOTS,
    LOADED_FIELDS,
    MOMENT_ROOTS,
    PLACE_GUARDED_FIELDS,
    mission_help_where,
)
from schema.shapes import (
    KEYED_ROOTS,
    LAO,
    LAO_MISSION,
    MISSION,
    MISSION_HELP_REQUEST,
    OBJECTS_BY_ID,
    SUBDISTRICT,
    TABLE_LISTS,
    VILLAGE,
    Batched,
    keyed_where,
)

RECORD_ROOTS = {"waterSupplySystems": "water_supply_systems", "touristSites": "tourist_sites"}
MISSIONS_ROOT = "transferredMissions"
CATALOGUE_ROOT = "missionCatalogue"
HELP_ROOT = "missionHelpRequests"
HELP_ONE = "missionHelpRequest"
# Roots over a table whose node is one `schema.shapes` shape: (table, shape, label prefix).
_SHAPED = {
    MISSIONS_ROOT: (LaoMission.__table__, LAO_MISSION, "m"),
    CATALOGUE_ROOT: (Mission.__table__, MISSION, "c"),
    "subdistricts": (Subdistrict.__table__, SUBDISTRICT, "s"),
    "villages": (Village.__table__, VILLAGE, "v"),
    HELP_ROOT: (MissionHelpRequest.__table__, MISSION_HELP_REQUEST, "h"),
}
# The places' searches: the resolvers' own statements (`schema.geography`), whose WHERE
# clause the plan takes, so a filter's rule (a name in any usual spelling) is written once.
_PLACE_FILTERS: dict[str, tuple[Callable[[Any], Any], type]] = {
    "subdistricts": (subdistricts_statement, SubdistrictFilter),
    "villages": (villages_statement, VillageFilter),
}
ROOTS = frozenset({*RECORD_ROOTS, *_SHAPED, HELP_ONE})
_DOMAIN_OF = {t.name: d.number for d in DOMAINS for t in d.record_tables}
# Filter fields only some record tables take (GraphQL name → column).
_EXTRA_FILTERS = {"water_supply_systems": {"status": "status"}}


@dataclass
class ConnectionPlan:
    """A compiled root connection over one table."""

    root_key: str
    allowed: bool
    message: str  # the FORBIDDEN message when not allowed
    table: Any = None
    root_nodes: list[FieldNode] = field(default_factory=list)
    single: bool = True  # the root is nullable: a failure answers it null, not the whole data
    base: Callable[[], Any] | None = None  # the FROM clause the filter is written over
    where: list[ColumnElement[bool]] = field(default_factory=list)
    size: int = 0
    after: int | None = None
    connection: list[tuple[str, str, Any]] = field(default_factory=list)
    edge_type: str = ""
    page_info_type: str = ""
    node_type: str = ""
    columns: Columns = field(default_factory=Columns)
    joins: list[tuple[Any, Any]] = field(default_factory=list)  # outer-joined objects
    fields: list[tuple[str, Any]] = field(default_factory=list)  # the node's getters
    id_position: int = 0
    statement: Any = None
    count: Any = None
    build: Any = None
    children: Children | None = None  # lists under each node
    one: bool = False  # one object by id (`missionHelpRequest`): the node or null
    # The (edges key, node key) this plan's nodes answer at; a `node` under other keys (a
    # dashboard's two views of one page) is a plan of its own over the page's ids (`more`).
    node_keys: tuple[str, str] = ("edges", "node")
    more: list[tuple[tuple[str, str], ConnectionPlan]] = field(default_factory=list)


def compile_root(compiler: Any, root: FieldNode) -> ConnectionPlan:
    """The plan of `root` (a field of `ROOTS`), from the page planner's `compiler` (its
    schema, variables, identity and record-field getters)."""
    schema = compiler.planner.graphql_schema
    name = root.name.value
    args = get_argument_values(schema.query_type.fields[name], root, compiler.variables)
    # The root's own `guarded(...)` declaration, decided for the caller.
    decision = identity_decision(schema, "Query", name, compiler.identity)
    if decision is None:
        raise Unsupported(f"{name}: guarded by the object")
    plan = ConnectionPlan(_key(root), decision.allowed, decision.message)
    if name == MISSIONS_ROOT:
        plan.table = LaoMission.__table__
        plan.base = lambda: LaoMission.__table__
        plan.where = _missions_where(args.get("filter") or {})
    elif name == CATALOGUE_ROOT:
        plan.table = Mission.__table__
        plan.base = lambda: Mission.__table__
        plan.where = _catalogue_where(args.get("filter") or {})
    elif name in (HELP_ROOT, HELP_ONE):  # the resolver's rows: the LAOs the caller covers
        help_table = plan.table = MissionHelpRequest.__table__
        plan.base = lambda: help_table.join(Lao, Lao.id == help_table.c.lao_id)
        given = python_arguments(compiler.planner.schema, "Query", name, root, compiler.variables)
        plan.where = mission_help_where(
            compiler.identity, given.get("filter") or MissionHelpFilter()
        )
    elif name in _PLACE_FILTERS:
        table = plan.table = _SHAPED[name][0]
        plan.base = lambda: table
        plan.where = _place_where(name, args.get("filter") or {})
        plan.single = False  # the connection is non-null: a failure nulls the whole data
    else:
        table_name = RECORD_ROOTS[name]
        plan.table = RECORD_TABLES[table_name]
        plan.base = lambda: _records_base(table_name)
        plan.where = _records_where(table_name, compiler.identity, args.get("filter") or {})
    plan.root_nodes = compiler.normalised.nodes_of(root)
    node: FieldNode | None
    if name == HELP_ONE:  # one request by id, among those the caller may read: the object
        plan.where = [*plan.where, plan.table.c.id == args["id"]]
        plan.one, plan.size = True, 1
        plan.node_type = compiler._type("Query", name)
        node = root
    else:
        plan.size = check_page_size(args.get("first"))
        plan.after = decode_cursor(args.get("after"))
        connection = compiler._type("Query", name)
        plan.page_info_type = compiler._type(connection, "pageInfo")
        plan.edge_type = compiler._type(connection, "edges")
        plan.node_type = compiler._type(plan.edge_type, "node")
        nodes = connection_fields(root.selection_set, connection, plan)
        node = nodes[0][2] if nodes else None
        if nodes:
            plan.node_keys = (nodes[0][0], nodes[0][1])
        for edges_key, node_key, other in nodes[1:]:
            sub = compile_root(compiler, node_root(root, edges_key, other))
            sub.where, sub.after, sub.root_nodes = [page_ids(sub.table.c.id)], None, plan.root_nodes
            plan.more.append(((edges_key, node_key), sub))
    shaped = HELP_ROOT if name == HELP_ONE else name  # one request: a page's node
    if node is not None and shaped in _SHAPED:
        table, shape, prefix = _SHAPED[shaped]
        # A mission record's history says who acted, guarded per LAO: decided per record
        # from its LAO, which the page then reads (`_place`).
        children = Children(
            compiler.identity, placed=name == MISSIONS_ROOT, nodes_of=compiler.normalised.nodes_of
        )
        plan.fields = shape_getters(
            shape,
            table,
            node,
            plan.columns,
            plan.joins,
            prefix,
            schema,
            plan.node_type,
            children=children,
            identity=compiler.identity,
        )
    elif node is not None:
        records = compiler.records_plan(
            RECORD_TABLE_BY_NAME[RECORD_ROOTS[name]], node, plan.node_type
        )
        plan.columns, plan.fields = records.columns, records.fields
        plan.joins = list(records.villages.values())
    plan.id_position = plan.columns.add("id", plan.table.c.id)
    if node is not None and shaped in _SHAPED:
        if children.guarded:
            children.place = _place(plan)
        plan.children = children.seal(plan.columns)
    return plan


def _place(plan: ConnectionPlan) -> Callable[[Any], LaoPlace]:
    """The LAO of each row of `plan` (a table with `lao_id`), joined and read with the page."""
    lao = _alias(Lao.__table__, "place")
    plan.joins.append((lao, lao.c.id == plan.table.c.lao_id))
    at = [
        plan.columns.add(f"place_{c}", lao.c[c])
        for c in ("id", "type", "district_id", "province_id")
    ]
    return lambda row: LaoPlace(*(row[i] for i in at))


def _records_base(name: str) -> Any:
    table = RECORD_TABLES[name]
    return table.join(LaoYear, LaoYear.id == table.c.lao_year_id).join(
        Lao, Lao.id == LaoYear.lao_id
    )


def _in_area(f: dict[str, Any]) -> list[ColumnElement[bool]]:
    """`provinceCode`, `districtCode` and `laoCode`, over `laos`."""
    where: list[ColumnElement[bool]] = []
    if (v := f.get("provinceCode")) is not None:
        where.append(Lao.province_id.in_(select(Province.id).where(Province.code == v)))
    if (v := f.get("districtCode")) is not None:
        where.append(Lao.district_id.in_(select(District.id).where(District.code == v)))
    if (v := f.get("laoCode")) is not None:
        where.append(Lao.code == v)
    return where


_AREA_KEYS = frozenset({"provinceCode", "districtCode", "laoCode"})


def _records_where(name: str, identity: Any, f: dict[str, Any]) -> list[ColumnElement[bool]]:
    table = RECORD_TABLES[name]
    year: Any = f.get("fiscalYear") or (
        select(func.max(FiscalYear.year_be)).where(FiscalYear.closed_at.is_(None)).scalar_subquery()
    )
    where = [
        LaoYear.fiscal_year == year,
        table.c.retired_on.is_(None),
        visible_lao_years_clause(identity),
        *_in_area(f),
    ]
    extra = _EXTRA_FILTERS.get(name, {})
    for key, v in f.items():
        if v is None or key == "fiscalYear" or key in _AREA_KEYS:
            continue
        if key == "id":
            where.append(table.c.id == v)
        elif key in extra:
            where.append(table.c[extra[key]] == v)
        else:
            raise Unsupported(f"filter {key}")
    return where


def _missions_where(f: dict[str, Any]) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if area := _in_area(f):  # the statement has no `laos` to correlate with
        where.append(LaoMission.lao_id.in_(select(Lao.id).where(*area)))
    for key, v in f.items():
        if v is None or key in _AREA_KEYS:
            continue
        if key == "agencyCode":
            where.append(LaoMission.agency_id.in_(select(Agency.id).where(Agency.code == v)))
        elif key == "missionCode":
            where.append(LaoMission.mission_id.in_(select(Mission.id).where(Mission.code == v)))
        elif key == "area":
            mission_area = MissionArea[str(getattr(v, "value", v))]
            where.append(
                LaoMission.mission_id.in_(select(Mission.id).where(Mission.area == mission_area))
            )
        elif key == "status":
            where.append(LaoMission.status == MissionStatus[str(getattr(v, "value", v))])
        else:
            raise Unsupported(f"filter {key}")
    return where


def _catalogue_where(f: dict[str, Any]) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    for key, v in f.items():
        if v is None:
            continue
        if key == "area":
            where.append(Mission.area == MissionArea[str(getattr(v, "value", v))])
        elif key == "agencyCode":
            where.append(Mission.agency_id.in_(select(Agency.id).where(Agency.code == v)))
        else:
            raise Unsupported(f"filter {key}")
    return where


def _place_where(name: str, f: dict[str, Any]) -> list[ColumnElement[bool]]:
    """The WHERE clause of the resolver's search for `name` with the filter `f`."""
    statement_of, filter_type = _PLACE_FILTERS[name]
    given = {to_snake_case(key): value for key, value in f.items()}
    where = statement_of(filter_type(**given)).whereclause
    return [where] if where is not None else []


def _inline(value: int) -> Any:
    # Rendered into the SQL text, not bound: see `schema.planner._inline`.
    return bindparam(None, int(value), type_=Integer, literal_execute=True)


def _statements(plan: ConnectionPlan) -> None:
    assert plan.base is not None
    joined = plan.base()
    for alias, on in plan.joins:
        joined = joined.outerjoin(alias, on)
    page = select(*plan.columns.columns).select_from(joined).where(*plan.where)
    if plan.after is not None:
        page = page.where(plan.table.c.id > _inline(plan.after))
    plan.statement = page.order_by(plan.table.c.id).limit(_inline(plan.size + 1))
    plan.count = select(func.count()).select_from(plan.base()).where(*plan.where)
    plan.build = compile_object(plan.fields)


def refusal(plan: ConnectionPlan | ComputedListPlan) -> GraphQLError | None:
    """The FORBIDDEN error of a root the caller may not read (its guard refuses at once,
    before anything is read), else None."""
    if plan.allowed:
        return None
    return forbidden(plan.message, plan.root_nodes, [plan.root_key])


async def run(
    plan: ConnectionPlan, engine: Any, reads: PersonalReads | None = None
) -> tuple[Any, list[GraphQLError]]:
    """The root field's value (a connection, or None when forbidden) and its errors; the
    personal data it answers noted in `reads`."""
    if (refused := refusal(plan)) is not None:
        return None, [refused]
    total, rows = await _page(plan, engine)
    if plan.one:
        return (plan.build(rows[0]) if rows else None), []
    at = operator.itemgetter(plan.id_position)
    # A `node` under other keys: its own plan's rows for the page's ids, matched by id (a
    # row gone in between answers null there).
    more: dict[tuple[str, str], tuple[ConnectionPlan, dict[Any, Any]]] = {}
    if plan.more and plan.size > 0 and rows:  # an empty page has no node to answer
        ids = [at(row) for row in rows[: plan.size]]
        for keys, sub in plan.more:
            _, sub_rows = await _page(sub, engine, {"page_ids": ids})
            more[keys] = (sub, {row[sub.id_position]: row for row in sub_rows})
    early: list[GraphQLError] = []  # refused lists, then their items' refused fields
    last: list[GraphQLError] = []

    def node(i: int, row: Any, edges_key: str, node_key: str) -> Any:
        path = [plan.root_key, edges_key, i, node_key]
        if (edges_key, node_key) == plan.node_keys:
            return _built(plan, row, path, early, last, reads)
        sub, by_id = more[edges_key, node_key]
        sub_row = by_id.get(at(row))
        return None if sub_row is None else _built(sub, sub_row, path, early, last, reads)

    out = connection_answer(plan, rows, total, at, node)
    return out, [*early, *last]


async def _page(
    plan: ConnectionPlan, engine: Any, params: dict[str, Any] | None = None
) -> tuple[int | None, list[Any]]:
    """The COUNT when selected and the page's rows (one more than the page, to tell whether
    there is a next), with the lists under each node (`Children`)."""
    if plan.statement is None:  # built once per plan (plans are cached and never change)
        _statements(plan)
    wants_total = any(name == "totalCount" for name, _, _ in plan.connection)
    async with engine.connect() as conn:
        total = (await conn.execute(plan.count)).scalar_one() if wants_total else None
        rows: list[Any] = list((await conn.execute(plan.statement, params or {})).all())
        if plan.children is not None:
            # The row past the page only says there is a next page: nothing under it is read.
            page = await plan.children.extend(conn, rows[: plan.size])
            rows = [*page, *rows[plan.size :]]
    return total, rows


def _built(
    plan: ConnectionPlan,
    row: Any,
    path: list[Any],
    early: list[GraphQLError],
    last: list[GraphQLError],
    reads: PersonalReads | None,
) -> Any:
    """One node from its row, its lists decided per LAO where guarded (errors at `path`)."""
    children = plan.children
    if children is not None and children.guarded:
        return children.decide(row, plan.build(row), path, early, last, reads)
    return plan.build(row)


# --- plain lists over one table ---------------------------------------------------------------

# Roots that list a whole small table in an order (no arguments, no paging) and roots that
# answer one row by its key, declared in `schema.shapes` (`TABLE_LISTS`, `KEYED_ROOTS`),
# which the resolvers read too.
TABLE_ROOTS = frozenset({*TABLE_LISTS, *KEYED_ROOTS})


@dataclass
class TableListPlan:
    """A compiled list root (`TABLE_LISTS`) or keyed root (`KEYED_ROOTS`, `one`): one
    statement, the selected columns, and one more per list under its rows (`children`)."""

    root_key: str
    statement: Any
    build: Any
    root_nodes: list[FieldNode] = field(default_factory=list)
    one: bool = False  # a keyed root: the row or null
    deferred: bool = False  # it holds loaded fields (`Deferred`), filled in by `run_list`
    children: Children | None = None  # lists under each row (a subdistrict's villages)

    @property
    def single(self) -> bool:
        """A keyed root is nullable (a failure answers it null); a list root is non-null (a
        failure answers the whole data null)."""
        return self.one


def compile_list_root(compiler: Any, root: FieldNode) -> TableListPlan:
    """The plan of `root` (a field of `TABLE_LISTS` or `KEYED_ROOTS`): its item's selection
    on the shape, over every row in the list's order or over the row of the given key."""
    schema = compiler.planner.graphql_schema
    name = root.name.value
    if name in KEYED_ROOTS:
        shape, _ = KEYED_ROOTS[name]
        args = get_argument_values(schema.query_type.fields[name], root, compiler.variables)
        where = keyed_where(name, {to_snake_case(k): v for k, v in args.items()})
        order: tuple[Any, ...] = ()
    elif root.arguments:
        raise Unsupported(f"{name} takes no arguments")
    else:
        shape, order = TABLE_LISTS[name]
        where = []
    columns = Columns()
    joins: list[tuple[Any, Any]] = []
    item_type = type_name_of(schema, "Query", root.name.value)
    found: list[LoadedRead] = []
    # The lists under each row (a subdistrict's villages): one more statement each.
    children = Children(compiler.identity, nodes_of=compiler.normalised.nodes_of)
    fields = shape_getters(
        shape,
        shape.table,
        root,
        columns,
        joins,
        "a",
        schema,
        item_type,
        children=children,
        loaded=_noting(loaded_on_rows(compiler), found),
        identity=compiler.identity,
    )
    # A selection of `__typename` alone reads a column too: the key.
    columns.add("key", next(iter(shape.table.primary_key.columns)))
    joined = shape.table
    for alias, on in joins:
        joined = joined.outerjoin(alias, on)
    statement = select(*columns.columns).select_from(joined).where(*where).order_by(*order)
    plan = TableListPlan(_key(root), statement, compile_object(fields))
    plan.root_nodes = compiler.normalised.nodes_of(root)
    plan.one = name in KEYED_ROOTS
    plan.deferred = bool(found)
    plan.children = children.seal(columns)  # after the last column: its rows follow them
    return plan


def _noting(read: Callable[[FieldNode, str], Any], found: list[Any]) -> Any:
    """`read`, noting in `found` each read it gives."""

    def noted(node: FieldNode, type_name: str) -> Any:
        result = read(node, type_name)
        if result is not None:
            found.append(result)
        return result

    return noted


async def run_list(
    plan: TableListPlan, engine: Any, context: Any = None
) -> tuple[Any, list[GraphQLError]]:
    """The rows' answer, the loaded fields among them (`Deferred`) filled in through the
    request's DataLoaders (`context.loaders`)."""
    async with engine.connect() as conn:
        rows: list[Any] = list((await conn.execute(plan.statement)).all())
        if plan.children is not None:
            rows = await plan.children.extend(conn, rows)
        if plan.one:
            answer: Any = plan.build(rows[0]) if rows else None
        else:
            answer = [plan.build(row) for row in rows]
        if not plan.deferred:
            return answer, []
        building = Building(
            context.now, context.identity, path=[plan.root_key], reads=context.personal_reads
        )
        building.loaders = context.loaders
        _take_deferred(answer, [plan.root_key], building)
        await fill(building, conn)
    return answer, building.errors


def _take_deferred(value: Any, path: list[Any], building: Building) -> None:
    """Moves every `Deferred` of an answer to `building.loaded`, its place null till filled."""
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, Deferred):
                value[key] = None
                building.loaded.append((item.read, item.value, value, key, (*path, key)))
            elif isinstance(item, (dict, list)):
                _take_deferred(item, [*path, key], building)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _take_deferred(item, [*path, i], building)


def loaded_on_rows(compiler: Any) -> Callable[[FieldNode, str], LoadedRead | None]:
    """The `LoadedRead` of a field of `schema.root.LOADED_FIELDS` selected on a shape's rows
    (`schema.plan_lists.shape_getters`), None for any other field."""

    def read(node: FieldNode, type_name: str) -> LoadedRead | None:
        function = LOADED_FIELDS.get((type_name, node.name.value))
        if function is None:
            return None
        compiling = _compiling(compiler)
        schema, variables = compiler.planner.schema, compiler.variables
        return loaded_read(schema, type_name, node, variables, function, compiling)

    return read


# --- roots the resolvers' functions compute ---------------------------------------------------


@dataclass
class ComputedListPlan:
    """A compiled `COMPUTED_ROOTS` root (`schema.root`): the function its resolver calls, its
    arguments (Python names), and how to answer each object it returns."""

    root_key: str
    fetch: Callable[..., Awaitable[Any]]
    arguments: dict[str, Any]
    build: Callable[[Any, Any], Any]  # (the function's value, a `Building`) → its answer
    root_nodes: list[FieldNode] = field(default_factory=list)
    single: bool = False  # a nullable root: a failure answers it null, not the whole data
    allowed: bool = True  # the root's own `guarded(...)` declaration, decided for the caller
    message: str = ""
    identity: Any = None  # the caller (a plan is per caller): batched fields may decide by it
    # The root's guards that depend on its arguments (`personalDataReads`: the LAO of
    # `laoCode`), decided when the plan runs, as the permission extension decides them.
    argument_rules: tuple[Any, ...] = ()
    with_now: bool = False  # `MOMENT_ROOTS`: the function also takes the request's moment


def compile_computed_root(compiler: Any, root: FieldNode) -> ComputedListPlan:
    """The plan of a `COMPUTED_ROOTS` root: the resolver's function with the same arguments,
    and its objects' fields read as GraphQL would (`_object_builder`)."""
    schema = compiler.planner.graphql_schema
    name = root.name.value
    field_def = schema.query_type.fields[name]
    arguments = get_argument_values(field_def, root, compiler.variables)
    strawberry_schema = compiler.planner.schema
    compiling = _compiling(compiler)
    build = value_builder(strawberry_schema, field_def.type, root, compiler.variables, compiling)
    # As strawberry hands them to the resolver: Python names, input objects as their classes.
    resolver_field = strawberry_schema.get_field_for_type(name, "Query")
    if resolver_field is None:
        raise Unsupported(name)
    fetch = COMPUTED_ROOTS[name]
    if name in CALLER_ROOTS:  # its rows depend on the caller (a plan is per caller)
        fetch = functools.partial(fetch, identity=compiler.identity)
    plan = ComputedListPlan(
        _key(root),
        fetch,
        convert_arguments(
            arguments,
            resolver_field.arguments,
            scalar_registry=strawberry_schema.schema_converter.scalar_registry,
            config=strawberry_schema.config,
        ),
        build,
        single=not isinstance(field_def.type, GraphQLNonNull),
    )
    plan.root_nodes = compiler.normalised.nodes_of(root)
    plan.identity, plan.with_now = compiler.identity, name in MOMENT_ROOTS
    # The root's own guard (`missionRollup`: MissionsData), decided for the caller.
    decision = identity_decision(schema, "Query", name, compiler.identity)
    if decision is None:
        rules = argument_rules(schema, "Query", name, compiler.identity)
        if rules is None:
            raise Unsupported(f"{name}: guarded by the object")
        plan.argument_rules = rules
    else:
        plan.allowed, plan.message = decision.allowed, decision.message
    return plan


@dataclass
class Building:
    """What building a computed root's answer needs besides the values: the request's moment
    (computed fields read it), the caller (batched fields may decide by it), and what is
    still to read: the objects named by id (`pending`: the lookup, the answer to fill, its
    key, the id, the path to it) and the batched fields (`batched`: the field, the answer
    to fill, its key, the object's key), which `run_computed` reads and fills in."""

    now: Any
    identity: Any = None
    pending: list[tuple[ObjectsById | LaosById, dict[str, Any], str, Any, tuple[Any, ...]]] = field(
        default_factory=list
    )
    batched: list[tuple[BatchedRead, dict[str, Any], str, Any, tuple[Any, ...]]] = field(
        default_factory=list
    )
    # Where the answer being built is (response keys and list indices from the root), the
    # errors of its fields guarded per LAO, and the request's reads of personal data.
    path: list[Any] = field(default_factory=list)
    errors: list[GraphQLError] = field(default_factory=list)
    reads: PersonalReads | None = None
    # The loaded fields still to call (`LoadedRead`: the read, the object, the answer to
    # fill, its key, the path to it), and the DataLoaders they load through (the request's,
    # else `fill` makes some for the caller).
    loaded: list[tuple[LoadedRead, Any, dict[str, Any], str, tuple[Any, ...]]] = field(
        default_factory=list
    )
    loaders: Any = None


@dataclass(frozen=True)
class PlaceRead:
    """A field guarded per LAO (`_object_builder`): its guard bound to the caller, the
    attribute its resolver returns, what an allowed read records and the document's nodes."""

    guard: PlaceGuard
    attribute: str
    audited: tuple[str, ...]
    nodes: list[FieldNode]

    def decide(self, value: Any, b: Building) -> Any:
        place = value.lao_place
        refused = self.guard.refusal(place)
        if refused is not None:
            b.errors.append(forbidden(refused, self.nodes, list(b.path)))
            return None
        if self.guard.audited:
            note_read(b.reads, place.lao_id, self.audited)
        return getattr(value, self.attribute)


@dataclass
class BatchedRead:
    """A batched field (`schema.shapes.Batched`) with its arguments and its answer's builder."""

    field: Batched
    arguments: dict[str, Any]
    build: Callable[[Any, Building], Any]


@dataclass(frozen=True)
class LoadedRead:
    """A field its resolver computes by a function over the request's DataLoaders
    (`schema.root.LOADED_FIELDS`: a round's dates for a province, a final score's
    provisional score at inspection, an LAO-year's LPA scores): the function, the field's
    arguments as the resolver gets them, its answer's builder, the document's nodes (an
    error's locations) and whether its type is nullable. The planned path calls the function
    for every object of an answer at once, so the loaders batch the calls (`fill`)."""

    function: Callable[..., Awaitable[Any]]
    arguments: dict[str, Any]
    build: Callable[[Any, Building], Any]
    nodes: list[FieldNode]
    nullable: bool
    # The field's own `guarded(...)` declaration refused the caller (its message): the
    # field is null with FORBIDDEN, reported when its call would have been made.
    refused: str | None = None


def loaded_read(
    strawberry_schema: Any,
    type_name: str,
    node: FieldNode,
    variables: Any,
    function: Callable[..., Awaitable[Any]],
    compiling: Compiling | None = None,
) -> LoadedRead:
    """The `LoadedRead` of `type_name`'s field `node` computed by `function`, under the
    field's own guard (`KPI-16 reports`: the offices and DLA) decided for the caller as its
    permission extension decides it: refused, the read answers null with FORBIDDEN (a
    non-null field so refused, or one guarded by the object, goes to the resolvers)."""
    name = node.name.value
    graphql_schema = strawberry_schema._schema
    field_type = graphql_schema.get_type(type_name).fields[name].type
    nullable = not isinstance(field_type, GraphQLNonNull)
    refused: str | None = None
    if is_guarded(graphql_schema, type_name, name):
        if compiling is None:
            raise Unsupported(f"{type_name}.{name}: guarded")
        decision = identity_decision(graphql_schema, type_name, name, compiling.identity)
        if decision is None or not (decision.allowed or nullable):
            raise Unsupported(f"{type_name}.{name}: guarded by the object")
        if not decision.allowed:
            refused = decision.message
    return LoadedRead(
        function,
        python_arguments(strawberry_schema, type_name, name, node, variables),
        value_builder(strawberry_schema, field_type, node, variables, compiling),
        compiling.nodes_of(node) if compiling is not None else [node],
        nullable,
        refused,
    )


@dataclass
class ObjectsById:
    """Objects named by id (`schema.shapes.OBJECTS_BY_ID`) with one selection: one statement
    for every id the answer holds, its rows built into the objects' answers."""

    statement: Any
    build: Callable[[Any], dict[str, Any]]
    id_position: int

    async def fetch(self, conn: Any, ids: set[Any]) -> dict[Any, dict[str, Any]]:
        rows = (await conn.execute(self.statement, {"ids": sorted(ids)})).all()
        return {row[self.id_position]: self.build(row) for row in rows}


def _objects_by_id(
    graphql_schema: Any, shape: Any, node: FieldNode, type_name: str, identity: Any
) -> ObjectsById:
    """The objects of `shape` selected by `node`, read by id (the places they reach joined),
    their fields decided for the caller for `identity` (`UNKNOWN_CALLER`: refused)."""
    columns = Columns()
    joins: list[tuple[Any, Any]] = []
    fields = shape_getters(
        shape, shape.table, node, columns, joins, "o", graphql_schema, type_name, identity=identity
    )
    id_position = columns.add("o_id", shape.table.c.id)
    joined = shape.table
    for alias, on in joins:
        joined = joined.outerjoin(alias, on)
    statement = (
        select(*columns.columns)
        .select_from(joined)
        .where(shape.table.c.id.in_(bindparam("ids", expanding=True)))
    )
    return ObjectsById(statement, compile_object(fields), id_position)


@dataclass(frozen=True)
class LaoObjects:
    """How the LAOs a row names by id are answered when their selection reaches beyond
    `schema.shapes.LAO` (a year with its sections, lists, personal data): as the viewer's
    LAOs are, by the LAO compiler (`schema.planner`): its plan for those ids (`compile`),
    their rows and what their nodes read (`fetch(plan, engine, reads)`), each LAO's answer
    at a path (`node(plan, row, path, fetched)`) and their LAO-years' loaded fields
    (`finish(fetched, context)`)."""

    compile: Callable[[FieldNode, frozenset[int]], Any]
    fetch: Callable[..., Awaitable[Any]]
    node: Callable[..., Any]
    finish: Callable[..., Awaitable[None]]


@dataclass(frozen=True)
class Compiling:
    """What compiling fields guarded per LAO needs: the caller (a plan is per caller) and
    the document's nodes behind a collected field (the locations of their errors); and
    for LAOs named by id with more than their shape selected, the LAO compiler (`laos`)."""

    identity: Any
    nodes_of: Callable[[FieldNode], list[FieldNode]]
    laos: LaoObjects | None = None


def _compiling(compiler: Any) -> Compiling:
    """The `Compiling` of a root compiled by `compiler` (`schema.planner.Compiler`)."""
    laos = compiler.lao_objects() if hasattr(compiler, "lao_objects") else None
    return Compiling(compiler.identity, compiler.normalised.nodes_of, laos)


@dataclass(frozen=True)
class LaosById:
    """LAOs named by id whose selection `node` reaches beyond their shape, answered through
    the LAO compiler (`LaoObjects`) for every id the answer holds at once (`_fill_laos`)."""

    node: FieldNode
    objects: LaoObjects


def value_builder(
    strawberry_schema: Any,
    graphql_type: Any,
    node: FieldNode,
    variables: Any,
    compiling: Compiling | None = None,
) -> Any:
    """(value, building) → its answer, for a field of `graphql_type` selected by `node`: a
    leaf through its type's own `serialize` (what graphql-core's execution calls), a list
    item by item, an object by `_object_builder`; None stays None. `building`: a
    `Building`, whose `path` follows the answer being built (for the errors of fields
    guarded per LAO, which only `compiling` allows)."""
    inner = graphql_type.of_type if isinstance(graphql_type, GraphQLNonNull) else graphql_type
    if isinstance(inner, GraphQLList):
        item = value_builder(strawberry_schema, inner.of_type, node, variables, compiling)

        def items(value: Any, b: Building) -> Any:
            if value is None:
                return None
            out = []
            for i, v in enumerate(value):
                b.path.append(i)
                out.append(item(v, b))
                b.path.pop()
            return out

        return items
    if is_leaf_type(inner):
        if node.selection_set is not None:
            raise Unsupported(f"{node.name.value} is a leaf")
        serialize = inner.serialize
        return lambda value, b: None if value is None else serialize(value)
    build = _object_builder(strawberry_schema, inner.name, node, variables, compiling)
    return lambda value, b: None if value is None else build(value, b)


def _object_builder(
    strawberry_schema: Any,
    type_name: str,
    node: FieldNode,
    variables: Any,
    compiling: Compiling | None = None,
) -> Any:
    """(object, building) → its answer: each selected field read off the object by its
    Python name, which only fields holding data (no resolver of their own) allow; computed
    by the function its resolver calls (`schema.rounds.COMPUTED_FIELDS`: from the object,
    the request's moment and the field's arguments); or an object its resolver loads by an
    id the object holds (`schema.shapes.OBJECTS_BY_ID`), read afterwards for every row at
    once; or, with `compiling`, a field guarded per LAO (`schema.root.PLACE_GUARDED_FIELDS`:
    who set a value, an assessor's name), decided at the object's LAO (`lao_place`) as its
    permission class decides: null with FORBIDDEN where refused, else the attribute its
    resolver returns, the read noted for the read audit. Anything else is refused."""
    definition = strawberry_schema.get_type_by_name(type_name)
    if definition is None or not hasattr(definition, "fields"):
        raise Unsupported(type_name)
    by_name = {
        f.graphql_name or to_camel_case(f.python_name): f
        for f in definition.fields
        if f.base_resolver is None
    }
    graphql_schema = strawberry_schema._schema
    graphql_fields = graphql_schema.get_type(type_name).fields
    parts: list[tuple[str, Any, Any]] = []
    for f in _fields(node.selection_set, any_twice=True):
        name = f.name.value
        if name == TYPENAME:
            parts.append((_key(f), None, type_name))
        elif name in by_name and not f.arguments:
            build = value_builder(
                strawberry_schema, graphql_fields[name].type, f, variables, compiling
            )
            parts.append((_key(f), operator.attrgetter(by_name[name].python_name), build))
        elif (type_name, name) in COMPUTED_FIELDS:
            compute = COMPUTED_FIELDS[(type_name, name)]
            field_def = graphql_fields[name]
            arguments = python_arguments(strawberry_schema, type_name, name, f, variables)
            build = value_builder(strawberry_schema, field_def.type, f, variables, compiling)
            parts.append((_key(f), (compute, arguments), build))
        elif (
            (type_name, name) in PLACE_GUARDED_FIELDS
            and compiling is not None
            and not f.arguments
            and f.selection_set is None
        ):
            guard = place_guard(graphql_schema, type_name, name, compiling.identity)
            if guard is None:
                raise Unsupported(f"{type_name}.{name}: not guarded per LAO")
            read_place = PlaceRead(
                guard,
                PLACE_GUARDED_FIELDS[(type_name, name)],
                tuple(audited_fields(type_name, name, [])),
                compiling.nodes_of(f),
            )
            parts.append((_key(f), read_place, None))
        elif (type_name, name) in LOADED_FIELDS:
            function = LOADED_FIELDS[(type_name, name)]
            read_loaded = loaded_read(
                strawberry_schema, type_name, f, variables, function, compiling
            )
            parts.append((_key(f), read_loaded, None))
        elif (type_name, name) in BATCHED_FIELDS:
            arguments = python_arguments(strawberry_schema, type_name, name, f, variables)
            build = value_builder(
                strawberry_schema, graphql_fields[name].type, f, variables, compiling
            )
            parts.append(
                (_key(f), BatchedRead(BATCHED_FIELDS[(type_name, name)], arguments, build), None)
            )
        elif (type_name, name) in OBJECTS_BY_ID and not f.arguments:
            attribute, shape = OBJECTS_BY_ID[(type_name, name)]
            target = type_name_of(graphql_schema, type_name, name)
            lookup: ObjectsById | LaosById
            try:
                caller = compiling.identity if compiling is not None else UNKNOWN_CALLER
                lookup = _objects_by_id(graphql_schema, shape, f, target, caller)
            except Unsupported:
                # An LAO with more than its shape (its year, lists): the LAO compiler's.
                if shape is not LAO or compiling is None or compiling.laos is None:
                    raise
                compiling.laos.compile(f, frozenset())  # refuses now what it cannot plan
                lookup = LaosById(f, compiling.laos)
            parts.append((_key(f), operator.attrgetter(attribute), lookup))
        else:
            raise Unsupported(f"{type_name}.{name}")

    def answer(value: Any, b: Building) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, read, build in parts:
            if read is None:
                out[key] = build
                continue
            b.path.append(key)
            if isinstance(read, PlaceRead):
                out[key] = read.decide(value, b)
            elif isinstance(read, LoadedRead):
                out[key] = None  # filled in once every object's is computed
                b.loaded.append((read, value, out, key, tuple(b.path)))
            elif isinstance(read, BatchedRead):
                out[key] = None  # filled in once every object's data is loaded
                object_key = getattr(value, read.field.key)
                b.batched.append((read, out, key, object_key, tuple(b.path)))
            elif isinstance(read, tuple):
                compute, arguments = read
                out[key] = build(compute(value, b.now, **arguments), b)
            elif isinstance(build, (ObjectsById, LaosById)):
                out[key] = None  # filled in once every object named is read
                if (object_id := read(value)) is not None:
                    b.pending.append((build, out, key, object_id, tuple(b.path)))
            else:
                out[key] = build(read(value), b)
            b.path.pop()
        return out

    return answer


def python_arguments(
    strawberry_schema: Any, type_name: str, field_name: str, node: FieldNode, variables: Any
) -> dict[str, Any]:
    """A field's arguments as strawberry hands them to its resolver (Python names)."""
    graphql_field = strawberry_schema._schema.get_type(type_name).fields[field_name]
    arguments = get_argument_values(graphql_field, node, variables)
    resolver_field = strawberry_schema.get_field_for_type(field_name, type_name)
    if resolver_field is None:
        raise Unsupported(f"{type_name}.{field_name}")
    return dict(
        convert_arguments(
            arguments,
            resolver_field.arguments,
            scalar_registry=strawberry_schema.schema_converter.scalar_registry,
            config=strawberry_schema.config,
        )
    )


class _Refused(Exception):
    """A loaded field its guard refused the caller (`LoadedRead.refused`)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


async def call_loaded(building: Building) -> None:
    """Calls the loaded fields' functions `building` holds, all at once (a task each, as
    graphql-core runs the resolvers, so the DataLoaders batch them), and builds each answer
    as its call completes, in that order, as the resolvers complete them: a field's error
    (null, the error at its path) and the errors its answer's fields meet come in the same
    order as theirs. A non-null field's failure fails the plan (the root's error): nothing
    in the answer may stand for its null parent."""
    loaded, building.loaded = building.loaded, []
    loaders, now = building.loaders, building.now
    done: list[tuple[int, Any, Exception | None]] = []

    async def call(index: int, read: LoadedRead, value: Any) -> None:
        if read.refused is not None:  # as the permission extension raises: before any await
            done.append((index, None, _Refused(read.refused)))
            return
        try:
            result = await read.function(value, loaders, now, **read.arguments)
        except Exception as exc:
            if not read.nullable:
                raise
            done.append((index, None, exc))
        else:
            done.append((index, result, None))

    await asyncio.gather(*(call(i, one[0], one[1]) for i, one in enumerate(loaded)))
    for index, result, failure in done:
        read, _, out, key, path = loaded[index]
        building.path = list(path)
        if isinstance(failure, _Refused):
            out[key] = None
            building.errors.append(forbidden(failure.message, read.nodes, list(path)))
        elif failure is not None:
            out[key] = None
            building.errors.append(located_error(failure, read.nodes, list(path)))
        else:
            out[key] = read.build(result, building)


async def run_computed(
    plan: ComputedListPlan,
    engine: Any,
    now: Any,
    reads: PersonalReads | None = None,
    loaders: Any = None,
) -> tuple[Any, list[GraphQLError]]:
    if (refused := refusal(plan)) is not None:
        return None, [refused]
    for rule in plan.argument_rules:
        if not await rule.allows_for(engine, plan.identity, **plan.arguments):
            return None, [forbidden(rule.message, plan.root_nodes, [plan.root_key])]
    building = Building(now, plan.identity, path=[plan.root_key], reads=reads, loaders=loaders)
    arguments = {**plan.arguments, "now": now} if plan.with_now else plan.arguments
    answer = plan.build(await plan.fetch(engine, **arguments), building)
    if building.pending or building.batched or building.loaded:
        async with engine.connect() as conn:
            await fill(building, conn)
    return answer, building.errors


async def fill(building: Building, conn: Any) -> None:
    """Reads what `building` still holds to read and fills the answers in: the objects named
    by id, one statement per selection, the batched fields, one load per field for every
    object, and the loaded fields, every call at once (`call_loaded`); rounds again for what
    those answers name in turn (a role's LAO, a round's figures' provinces)."""
    while building.pending or building.batched or building.loaded:
        if building.loaded:
            if building.loaders is None:
                building.loaders = Loaders(conn.engine, building.identity)
            await call_loaded(building)
        pending, building.pending = building.pending, []
        batched, building.batched = building.batched, []
        wanted: dict[int, tuple[Any, list[tuple[dict[str, Any], str, Any, Any]]]] = {}
        for lookup, out, key, object_id, path in pending:
            wanted.setdefault(id(lookup), (lookup, []))[1].append((out, key, object_id, path))
        for lookup, places in wanted.values():
            if isinstance(lookup, LaosById):
                await _fill_laos(lookup, places, building, conn)
                continue
            found = await lookup.fetch(conn, {object_id for _, _, object_id, _ in places})
            for out, key, object_id, _ in places:
                out[key] = found.get(object_id)
        loads: dict[int, tuple[Batched, list[Any]]] = {}
        for read, out, key, object_key, path in batched:
            loads.setdefault(id(read.field.load), (read.field, []))[1].append(
                (read, out, key, object_key, path)
            )
        for declared, places_ in loads.values():
            data = await declared.load(conn, sorted({p[3] for p in places_ if p[3] is not None}))
            for read, out, key, object_key, path in places_:
                building.path = list(path)  # where the value goes (its errors' paths)
                value = read.field.compute(
                    data.get(object_key, read.field.missing),
                    building.now,
                    building.identity,
                    **read.arguments,
                )
                out[key] = read.build(value, building)


async def _fill_laos(
    lookup: LaosById,
    places: list[tuple[dict[str, Any], str, Any, Any]],
    building: Building,
    conn: Any,
) -> None:
    """The LAOs `places` name, answered by the LAO compiler's plan for all of them (one
    read, as the viewer's LAOs), each at its path; their errors after the answer's others,
    as the resolvers report them once the LAOs they load are in."""
    objects = lookup.objects
    plan = objects.compile(lookup.node, frozenset(object_id for _, _, object_id, _ in places))
    found, fetched = await objects.fetch(plan, conn.engine, building.reads)
    rows = {lao_id: row for lao_id, _, row in found}
    for out, key, object_id, path in places:
        row = rows.get(object_id)
        out[key] = None if row is None else objects.node(plan, row, list(path), fetched)
    if building.loaders is None:
        building.loaders = Loaders(conn.engine, building.identity)
    context = SimpleNamespace(
        now=building.now,
        identity=building.identity,
        loaders=building.loaders,
        read_engine=conn.engine,
    )
    await objects.finish(fetched, context)  # their LAO-years' loaded fields
    building.errors += fetched.errors
