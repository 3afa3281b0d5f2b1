"""The changes feed planned (`Query.changes`, `schema.changes`).

The page itself is read by the function the resolver calls (`schema.changes.read_changes`:
the feed's rules — readable, a cursor of ours, fresh — and `hub.db.change_feed.read_page`),
so the items, the cursor and every refusal are the resolver's own. What the planner adds is
the items' values: instead of one object per item whose fields then load through the
request's DataLoaders, each page's values are read by compiled statements over the items'
ids —

* `LAO_PROFILE`'s `lao { … }` through the LAO compiler (`Compiler.compile_listed`: any
  selection `lao(code:)` takes, its guards decided for the caller);
* `MISSION_RECORD`'s `missionRecord { … }` over `schema.shapes.LAO_MISSION` (its objects,
  and its `history` by one more statement: `schema.plan_lists.Children`);
* `WATER_SUPPLY_SYSTEM`'s and `TOURIST_SITE`'s record through the record tables' compiler
  (`Compiler.records_plan`, as their own connections and a section's records are read).

* `LAO_YEAR`'s and `CERTIFICATION`'s `laoYear { … }` through the LAO-year compiler
  (`Compiler.compile_year_values`: what `years { … }` takes, over the items' LAO-year ids,
  its sections' guards decided for the caller).

So every feed is planned: the resolvers answer only a selection the compilers refuse; the fields every item has (`key`,
`removed`, `laoCode`, `fiscalYear`) are planned for every kind, and a value field that is
not the feed's kind is null, as the resolver leaves it.

Contracts: `compile_changes(root, identity, graphql_schema, variables, compile_laos,
compile_records, compile_years)` returns a `ChangesPlan` or raises `Unsupported`;
`run_changes(plan, context, (fetch_laos, lao_node, finish), (fetch_years, year_value,
finish))` returns (the connection, errors) and raises what `read_changes` raises (the planner reports
it at the root's path, as a resolver's failure).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from graphql import FieldNode, GraphQLError
from graphql.execution.values import get_argument_values
from sqlalchemy import bindparam, select

from hub.db.models import RECORD_TABLES
from hub.rules import change_feed as rules
from hub.rules.catalogue import RECORD_TABLE_BY_NAME
from schema.changes import read_changes
from schema.plan_common import Columns, Unsupported, _fields, _key, compile_object
from schema.plan_document import TYPENAME, type_name_of
from schema.plan_lists import Children, shape_getters
from schema.shapes import LAO_MISSION

_YEAR_KINDS = frozenset({rules.Kind.LAO_YEAR, rules.Kind.CERTIFICATION})
# Each value field of `Change`: the feeds whose items it holds (null in any other feed).
_VALUE_FIELDS = {
    "lao": frozenset({rules.Kind.LAO_PROFILE}),
    "laoYear": _YEAR_KINDS,
    "waterSupplySystem": frozenset({rules.Kind.WATER_SUPPLY_SYSTEM}),
    "touristSite": frozenset({rules.Kind.TOURIST_SITE}),
    "missionRecord": frozenset({rules.Kind.MISSION_RECORD}),
}
_ITEM_FIELDS = (TYPENAME, "key", "removed", "laoCode", "fiscalYear")
_PAGE_INFO = ("hasNextPage", "hasPreviousPage", "startCursor", "endCursor")

CompileLaos = Callable[[FieldNode, frozenset[int]], Any]
CompileRecords = Callable[[Any, FieldNode, str], Any]  # `Compiler.records_plan`
CompileYears = Callable[[FieldNode, str], Any]  # `Compiler.compile_year_values`
FetchLaos = Callable[..., Awaitable[tuple[list[tuple[int, str, Any]], Any]]]
LaoNode = Callable[[Any, Any, list[Any], Any], dict[str, Any]]
FinishLaos = Callable[[Any, list[Any]], Awaitable[None]]  # `fill_loaded(first, more)`


@dataclass
class RowValues:
    """A value of one row per item compiled (`missionRecord { … }`, `waterSupplySystem { … }`,
    `touristSite { … }`): one statement over the items' row ids."""

    statement: Any
    build: Callable[[Any], dict[str, Any]]
    id_position: int
    children: Children | None


@dataclass
class ValuePlan:
    """The feed's value field (`lao`, `laoYear`, `missionRecord`, a record) under one key of
    one `nodes` key: a dashboard may ask it under several, each read on its own."""

    nodes_key: str
    key: str
    lao_node: FieldNode | None = None  # LAO_PROFILE: its selection, compiled per page
    compile_laos: CompileLaos | None = None
    rows: RowValues | None = None  # a mission record's or a record's
    years: Any = None  # LAO_YEAR, CERTIFICATION: the `YearsPlan` of `laoYear`


@dataclass
class ChangesPlan:
    """A compiled `changes(kind:, after:, first:)` root."""

    root_key: str
    kind: rules.Kind
    after: str | None
    first: int | None
    # (field, key, sub): `nodes`' sub is its items' (field, key) pairs, "value" for the
    # kind's value field, "null" for another kind's
    connection: list[tuple[str, str, Any]] = field(default_factory=list)
    values: list[ValuePlan] = field(default_factory=list)
    root_nodes: list[FieldNode] = field(default_factory=list)
    single: bool = False  # `changes` is non-null: a failure answers the whole data null


def compile_changes(
    root: FieldNode,
    identity: Any,
    graphql_schema: Any,
    variables: Any,
    compile_laos: CompileLaos,
    compile_records: CompileRecords,
    compile_years: CompileYears,
) -> ChangesPlan:
    args = get_argument_values(graphql_schema.query_type.fields["changes"], root, variables)
    kind = rules.Kind(str(getattr(args["kind"], "value", args["kind"])))
    plan = ChangesPlan(_key(root), kind, args.get("after"), args.get("first"))
    # `pageInfo` under several keys reads the page's bounds; `nodes` under several keys
    # answers the same page's items, each key with its own selection.
    for f in _fields(root.selection_set, repeatable=("pageInfo", "nodes")):
        name, key = f.name.value, _key(f)
        if name == TYPENAME:
            plan.connection.append((TYPENAME, key, "ChangeConnection"))
        elif name in ("kind", "baseline"):
            plan.connection.append((name, key, None))
        elif name == "pageInfo":
            sub = []
            for p in _fields(f.selection_set):
                if p.name.value not in (*_PAGE_INFO, TYPENAME):
                    raise Unsupported(f"PageInfo.{p.name.value}")
                sub.append((p.name.value, _key(p)))
            plan.connection.append(("pageInfo", key, sub))
        elif name == "nodes":
            compilers = (compile_laos, compile_records, compile_years)
            items = _items(plan, key, f, identity, graphql_schema, compilers)
            plan.connection.append(("nodes", key, items))
        else:
            raise Unsupported(f"ChangeConnection.{name}")
    return plan


def _items(
    plan: ChangesPlan,
    nodes_key: str,
    nodes: FieldNode,
    identity: Any,
    graphql_schema: Any,
    compilers: tuple[CompileLaos, CompileRecords, CompileYears],
) -> list[tuple[str, str]]:
    """The items' fields under `nodes_key`; the value field under each of its keys a
    `ValuePlan` of `plan`'s."""
    compile_laos, compile_records, compile_years = compilers
    items: list[tuple[str, str]] = []
    for f in _fields(nodes.selection_set, any_twice=True):
        name, key = f.name.value, _key(f)
        if name in _ITEM_FIELDS:
            items.append((name, key))
            continue
        if name not in _VALUE_FIELDS:
            raise Unsupported(f"Change.{name}")
        if plan.kind not in _VALUE_FIELDS[name]:
            items.append(("null", key))  # another kind's field: always null
            continue
        value = ValuePlan(nodes_key, key)
        if plan.kind is rules.Kind.LAO_PROFILE:
            value.lao_node, value.compile_laos = f, compile_laos
            compile_laos(f, frozenset())  # refuses now what it cannot plan
        elif plan.kind is rules.Kind.MISSION_RECORD:
            value.rows = _missions(f, identity, graphql_schema)
        elif plan.kind in _YEAR_KINDS:
            value.years = compile_years(f, type_name_of(graphql_schema, "Change", name))
        else:  # a record feed (`rules.RECORD_KINDS`)
            value.rows = _records(plan.kind, f, graphql_schema, name, compile_records)
        plan.values.append(value)
        items.append(("value", key))
    return items


def _missions(node: FieldNode, identity: Any, graphql_schema: Any) -> RowValues:
    table = LAO_MISSION.table
    columns = Columns()
    joins: list[tuple[Any, Any]] = []
    children = Children(identity)
    item_type = type_name_of(graphql_schema, "Change", "missionRecord")
    fields = shape_getters(
        LAO_MISSION,
        table,
        node,
        columns,
        joins,
        "m",
        graphql_schema,
        item_type,
        children=children,
        identity=identity,
    )
    id_position = columns.add("m_id", table.c.id)
    joined: Any = table
    for alias, on in joins:
        joined = joined.outerjoin(alias, on)
    statement = (
        select(*columns.columns)
        .select_from(joined)
        .where(table.c.id.in_(bindparam("ids", expanding=True)))
    )
    return RowValues(statement, compile_object(fields), id_position, children.seal(columns))


def _records(
    kind: rules.Kind,
    node: FieldNode,
    graphql_schema: Any,
    name: str,
    compile_records: CompileRecords,
) -> RowValues:
    records = RECORD_TABLE_BY_NAME[rules.RECORD_KINDS[kind]]
    rp = compile_records(records, node, type_name_of(graphql_schema, "Change", name))
    table = RECORD_TABLES[records.name]
    id_position = rp.columns.add("id", table.c.id)
    joined: Any = table
    for alias, on in rp.villages.values():
        joined = joined.outerjoin(alias, on)
    statement = (
        select(*rp.columns.columns)
        .select_from(joined)
        .where(table.c.id.in_(bindparam("ids", expanding=True)))
    )
    return RowValues(statement, compile_object(rp.fields), id_position, None)


async def run_changes(
    plan: ChangesPlan,
    context: Any,
    laos: tuple[FetchLaos, LaoNode, FinishLaos],
    years: tuple[Callable[..., Awaitable[Any]], Callable[..., Any], Callable[..., Awaitable[None]]],
) -> tuple[Any, list[GraphQLError]]:
    """The page (read by the resolver's own function) and its items' values: every value
    plan's rows read first, then the values built in the document's order (`nodes` key by
    key, item by item, value key by value key), as the resolvers complete them, so the
    errors met building them come in the resolvers' order; then the loaded fields of all."""
    fetch_laos, lao_node, finish_laos = laos
    fetch_years, year_value, finish_years = years
    page, baseline = await read_changes(context, plan.kind, plan.after, plan.first)
    # (position on the page, row id) of each item with a value (a tombstone has none)
    at = [(i, item.row.id) for i, item in enumerate(page.items) if item.row is not None]
    ids = [row_id for _, row_id in at]
    builders: dict[tuple[str, str], Callable[[int, int, list[Any]], Any]] = {}
    lao_fetches: list[Any] = []  # each LAO value's `Fetched`, its errors in the first one's
    year_datas: list[Any] = []
    late: list[GraphQLError] = []  # the LAO-years' forbidden sections, then refused fields
    last: list[GraphQLError] = []
    for value in plan.values if ids else ():
        keys = (value.nodes_key, value.key)
        if value.lao_node is not None and value.compile_laos is not None:
            laos_plan = value.compile_laos(value.lao_node, frozenset(ids))
            first = lao_fetches[0] if lao_fetches else None
            found, fetched = await fetch_laos(laos_plan, context.engine, errors_to=first)
            lao_fetches.append(fetched)
            rows = {lao_id: row for lao_id, _, row in found}
            builders[keys] = _lao_builder(rows, laos_plan, fetched, lao_node)
        elif value.years is not None:
            by_year, data = await fetch_years(value.years, context.engine, ids)
            year_datas.append(data)
            builders[keys] = _year_builder(by_year, value.years, data, late, last, year_value)
        elif value.rows is not None:
            mv = value.rows
            async with context.engine.connect() as conn:
                result = list((await conn.execute(mv.statement, {"ids": ids})).all())
                if mv.children is not None:
                    result = await mv.children.extend(conn, result)
            builders[keys] = _row_builder({r[mv.id_position]: r for r in result}, mv)
    out: dict[str, Any] = {}
    for name, key, sub in plan.connection:
        if name == TYPENAME:
            out[key] = sub
        elif name == "kind":
            out[key] = plan.kind.value
        elif name == "baseline":
            out[key] = baseline
        elif name == "pageInfo":
            info = {
                "hasNextPage": page.has_more,
                "hasPreviousPage": plan.after is not None,
                "startCursor": plan.after,
                "endCursor": rules.encode(page.position),
                TYPENAME: "PageInfo",
            }
            out[key] = {k: info[n] for n, k in sub}
        else:
            out[key] = [
                _item(plan, key, sub, i, item, builders) for i, item in enumerate(page.items)
            ]
    errors: list[GraphQLError] = []
    if lao_fetches:
        await finish_laos(lao_fetches[0], lao_fetches[1:])  # what the nodes still hold to load
        errors += lao_fetches[0].errors
    if year_datas:
        await finish_years(year_datas, last)  # the LAO-years' loaded fields
        errors += late + last
    return out, errors


def _lao_builder(
    rows: dict[int, Any], laos_plan: Any, fetched: Any, lao_node: LaoNode
) -> Callable[[int, int, list[Any]], Any]:
    def build(i: int, row_id: int, path: list[Any]) -> Any:
        row = rows.get(row_id)
        return None if row is None else lao_node(laos_plan, row, path, fetched)

    return build


def _row_builder(by_id: dict[Any, Any], mv: RowValues) -> Callable[[int, int, list[Any]], Any]:
    def build(i: int, row_id: int, path: list[Any]) -> Any:
        row = by_id.get(row_id)
        return None if row is None else mv.build(row)

    return build


def _year_builder(
    by_year: dict[int, Any],
    years: Any,
    data: Any,
    late: list[GraphQLError],
    last: list[GraphQLError],
    year_value: Callable[..., Any],
) -> Callable[[int, int, list[Any]], Any]:
    def build(i: int, row_id: int, path: list[Any]) -> Any:
        year_row = by_year.get(row_id)
        return None if year_row is None else year_value(years, year_row, path, data, late, last)

    return build


def _item(
    plan: ChangesPlan,
    nodes_key: str,
    fields: list[tuple[str, str]],
    i: int,
    item: Any,
    builders: dict[tuple[str, str], Callable[[int, int, list[Any]], Any]],
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, key in fields:
        if name == TYPENAME:
            out[key] = "Change"
        elif name == "key":
            out[key] = str(item.key)
        elif name == "removed":
            out[key] = item.removed
        elif name == "laoCode":
            out[key] = item.lao_code
        elif name == "fiscalYear":
            out[key] = item.fiscal_year
        elif name == "value" and item.row is not None and (nodes_key, key) in builders:
            out[key] = builders[nodes_key, key](i, item.row.id, [plan.root_key, nodes_key, i, key])
        else:
            out[key] = None
    return out
