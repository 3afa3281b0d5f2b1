"""The planned read path for the record tables' own connections: `waterSupplySystems` and
`touristSites`, a national extract of records a page at a time.

Why: a page of 500 water-supply systems is ~10,000 fields; the resolvers build a strawberry
object per record and resolve each field and each village by DataLoader. Here a page is one
SELECT of exactly the selected columns (the record table joined to its LAO-year and LAO for
the row rule, and to the villages selected), plus one COUNT when `totalCount` is selected,
and each record is built by the function `schema.plan_common.compile_object` compiled from
the same field getters the planner uses for a section's records (`Compiler.records_plan`).

What the resolver does, done the same way (`schema.root._records_statement`, `paginate`):
the live records (`retired_on` null) of the LAO-years of `fiscalYear` (the current open
year by default) that the caller may see (`hub.db.visibility.visible_lao_years_clause`),
narrowed by `provinceCode`, `districtCode`, `laoCode`, `id` and, for water-supply systems,
`status`; ordered by record id, the cursor being the id. The root is guarded by its domain
(`DomainData(5)`, `DomainData(8)`): a caller who may not read it gets null and FORBIDDEN at
the root, as from the permission class, whatever the arguments.

Supported: `totalCount`, `pageInfo { … }`, `edges { cursor node { … } }` and `__typename`
at every level, the node's scalar fields and its `village { number nameTh }`. Anything else
raises `Unsupported` and goes to the resolvers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graphql import FieldNode, GraphQLError
from graphql.execution.values import get_argument_values
from sqlalchemy import ColumnElement, Integer, bindparam, func, select

from hub.db.models import RECORD_TABLES, District, FiscalYear, Lao, LaoYear, Province
from hub.db.visibility import visible_lao_years_clause
from hub.rules import permissions
from hub.rules.catalogue import DOMAINS, RECORD_TABLE_BY_NAME
from schema.limits import check_page_size
from schema.pagination import decode_cursor, encode_cursor
from schema.permissions import DomainData
from schema.plan_common import Row, Unsupported, _fields, _key, _leaf, compile_object
from schema.plan_document import TYPENAME

# GraphQL root field → record table.
ROOTS = {"waterSupplySystems": "water_supply_systems", "touristSites": "tourist_sites"}
_DOMAIN_OF = {t.name: d.number for d in DOMAINS for t in d.record_tables}
# The filter fields every record root takes, and the ones only some take (column name).
_EXTRA_FILTERS = {"water_supply_systems": {"status": "status"}}


@dataclass
class RecordsPagePlan:
    """A compiled `waterSupplySystems` / `touristSites` query."""

    root_key: str
    allowed: bool
    message: str  # the FORBIDDEN message when not allowed
    root_nodes: list[FieldNode] = field(default_factory=list)
    single: bool = True  # the root is nullable: a failure answers it null, not the whole data
    where: list[ColumnElement[bool]] = field(default_factory=list)
    size: int = 0
    after: int | None = None
    connection: list[tuple[str, str, Any]] = field(default_factory=list)
    edge_fields: list[tuple[str, str]] = field(default_factory=list)
    edge_type: str = ""
    page_info_type: str = ""
    records: Any = None  # the node's `RecordsPlan` (fields, columns, villages)
    id_position: int = 0
    statement: Any = None
    count: Any = None
    build: Any = None


def compile_records_root(compiler: Any, root: FieldNode) -> RecordsPagePlan:
    """The plan of `root` (a field of `ROOTS`), from the page planner's `compiler` (its
    schema, variables, identity and record-field getters)."""
    name = ROOTS[root.name.value]
    schema = compiler.planner.graphql_schema
    table = RECORD_TABLES[name]
    domain = _DOMAIN_OF[name]
    allowed = permissions.can_read_domain(compiler.identity, domain)
    plan = RecordsPagePlan(_key(root), allowed, DomainData(domain).message or "")
    plan.root_nodes = compiler.normalised.nodes_of(root)
    args = get_argument_values(schema.query_type.fields[root.name.value], root, compiler.variables)
    plan.where = _where(name, compiler.identity, args.get("filter") or {})
    plan.size = check_page_size(args.get("first"))
    plan.after = decode_cursor(args.get("after"))
    connection = compiler._type("Query", root.name.value)
    plan.page_info_type = compiler._type(connection, "pageInfo")
    plan.edge_type = compiler._type(connection, "edges")
    node: FieldNode | None = None
    for f in _fields(root.selection_set):
        key = _key(f)
        if f.name.value == TYPENAME:
            plan.connection.append((TYPENAME, key, connection))
        elif f.name.value == "totalCount":
            plan.connection.append((_leaf(f), key, None))
        elif f.name.value == "pageInfo":
            plan.connection.append(
                ("pageInfo", key, [(_leaf(x), _key(x)) for x in _fields(f.selection_set)])
            )
        elif f.name.value == "edges":
            plan.connection.append(("edges", key, None))
            for e in _fields(f.selection_set):
                if e.name.value in ("cursor", TYPENAME):
                    plan.edge_fields.append((_leaf(e), _key(e)))
                elif e.name.value == "node" and node is None:
                    plan.edge_fields.append(("node", _key(e)))
                    node = e
                else:
                    raise Unsupported(f"edges.{e.name.value}")
        else:
            raise Unsupported(f.name.value)
    node_type = compiler._type(plan.edge_type, "node")
    records = RECORD_TABLE_BY_NAME[name]
    if node is not None:
        plan.records = compiler.records_plan(records, node, node_type)
    else:  # no node selected: the page's ids are still read, for the cursors
        plan.records = compiler.records_plan(records, FieldNode(selection_set=None), node_type)
    plan.id_position = plan.records.columns.add("id", table.c.id)
    return plan


def _where(name: str, identity: Any, f: dict[str, Any]) -> list[ColumnElement[bool]]:
    table = RECORD_TABLES[name]
    year: Any = f.get("fiscalYear") or (
        select(func.max(FiscalYear.year_be)).where(FiscalYear.closed_at.is_(None)).scalar_subquery()
    )
    where = [
        LaoYear.fiscal_year == year,
        table.c.retired_on.is_(None),
        visible_lao_years_clause(identity),
    ]
    extra = _EXTRA_FILTERS.get(name, {})
    for key, v in f.items():
        if v is None or key == "fiscalYear":
            continue
        if key == "provinceCode":
            where.append(Lao.province_id.in_(select(Province.id).where(Province.code == v)))
        elif key == "districtCode":
            where.append(Lao.district_id.in_(select(District.id).where(District.code == v)))
        elif key == "laoCode":
            where.append(Lao.code == v)
        elif key == "id":
            where.append(table.c.id == v)
        elif key in extra:
            where.append(table.c[extra[key]] == v)
        else:
            raise Unsupported(f"filter {key}")
    return where


def _joined(name: str) -> Any:
    table = RECORD_TABLES[name]
    return table.join(LaoYear, LaoYear.id == table.c.lao_year_id).join(
        Lao, Lao.id == LaoYear.lao_id
    )


def _inline(value: int) -> Any:
    # Rendered into the SQL text, not bound: see `schema.planner._inline`.
    return bindparam(None, int(value), type_=Integer, literal_execute=True)


def _statements(plan: RecordsPagePlan) -> None:
    rp = plan.records
    name = rp.records.name
    table = RECORD_TABLES[name]
    joined = _joined(name)
    for alias, on in rp.villages.values():
        joined = joined.outerjoin(alias, on)
    page = select(*rp.columns.columns).select_from(joined).where(*plan.where)
    if plan.after is not None:
        page = page.where(table.c.id > _inline(plan.after))
    plan.statement = page.order_by(table.c.id).limit(_inline(plan.size + 1))
    plan.count = select(func.count()).select_from(_joined(name)).where(*plan.where)
    plan.build = compile_object(rp.fields)


async def run(plan: RecordsPagePlan, engine: Any) -> tuple[Any, list[GraphQLError]]:
    """The root field's value (a connection, or None when forbidden) and its errors."""
    if not plan.allowed:
        error = GraphQLError(
            plan.message,
            nodes=plan.root_nodes,
            path=[plan.root_key],
            extensions={"code": "FORBIDDEN"},
        )
        return None, [error]
    if plan.statement is None:  # built once per plan (plans are cached and never change)
        _statements(plan)
    wants_total = any(name == "totalCount" for name, _, _ in plan.connection)
    async with engine.connect() as conn:
        total = (await conn.execute(plan.count)).scalar_one() if wants_total else None
        rows = (await conn.execute(plan.statement)).all()
    page: list[Row] = rows[: plan.size]
    at = plan.id_position
    edges = []
    for row in page:
        edge: dict[str, Any] = {}
        for name, key in plan.edge_fields:
            if name == "cursor":
                edge[key] = encode_cursor(row[at])
            elif name == TYPENAME:
                edge[key] = plan.edge_type
            else:
                edge[key] = plan.build(row)
        edges.append(edge)
    out: dict[str, Any] = {}
    for name, key, sub in plan.connection:
        if name == "totalCount":
            out[key] = total
        elif name == TYPENAME:
            out[key] = sub
        elif name == "pageInfo":
            info = {
                "hasNextPage": len(rows) > plan.size,
                "hasPreviousPage": plan.after is not None,
                "startCursor": encode_cursor(page[0][at]) if page else None,
                "endCursor": encode_cursor(page[-1][at]) if page else None,
                TYPENAME: plan.page_info_type,
            }
            out[key] = {k: info[n] for n, k in sub}
        else:
            out[key] = edges
    return out, []
