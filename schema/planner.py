"""The planned read path: a `laos` query compiled into a few SQL statements, no resolvers.

Why: resolving a GraphQL result field by field in Python costs ~15 µs a field; a national
extract has ~100,000 fields a page. For the selections it supports, the planner reads the
whole selection set once, at planning time, and turns it into

1. one COUNT for `totalCount` (only when selected),
2. one SELECT for the page: the LAOs joined to their province / district / subdistrict, to
   the LAO-year of the requested fiscal year *filtered by the caller's row rule*
   (`hub.permissions.visible_lao_years_clause`, in the JOIN's ON clause) and to the
   selected domain sections,
3. one SELECT per selected record table (water-supply systems, tourist sites) for all the
   page's LAO-years at once, joined to villages when those are selected,

so the number of statements depends on the selection, never on the number of rows. The
rows are turned into the response by per-field converters compiled with the plan, and the
result goes back to strawberry's HTTP view as a finished `ExecutionResult`, which it only
encodes (orjson). Field rules are decided at planning time from the identity: a section
whose domain the caller may not read (`can_read_domain`) is null with a FORBIDDEN error at
its path, exactly like the resolver's permission class.

The resolvers stay the reference. The planner answers only what it fully supports and
returns None for everything else, and the view then runs the resolvers:

* a single query operation whose only root field is `laos` (no alias, no directive);
* `filter` with `provinceCode`, `districtCode` and/or `nameContains` (not `type`/`state`);
* in the connection: `totalCount`, `pageInfo { ... }`, `edges { cursor node { ... } }`;
* on `Lao`: its scalar fields, `province`, `district`, `subdistrict` (scalar fields), and at
  most one `year(fiscalYear:)` with its scalar fields and the 8 sections' fields and record
  tables (a record's `village { number nameTh }` included);
* no fragments, aliases, directives or `__typename` anywhere.

A document that fails parsing, validation or the query limits, bad variables, an invalid
`first` or `after`: all go to the resolvers, which produce the errors. Validation and the
limits (`schema.limits`) still run first on the planned path. `tests/test_planner.py`
checks both paths return the same data and errors on random selections for every role.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLError,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    Source,
    parse,
    specified_rules,
    validate,
)
from graphql.execution.values import get_argument_values, get_variable_values
from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.sql.util import ClauseAdapter
from strawberry.types import ExecutionResult
from strawberry.utils.str_converters import to_camel_case

from hub import permissions
from hub.catalogue import DOMAINS, Domain, Field, Kind, RecordTable
from hub.completeness import ALL_DOMAINS_MASK
from hub.enums import CertificationState
from hub.models import (
    RECORD_TABLES,
    SECTION_TABLES,
    District,
    Lao,
    LaoYear,
    Province,
    Subdistrict,
    Village,
)
from schema.limits import DEFAULT_LIMITS, QueryLimits, _limits_rule, check_page_size
from schema.pagination import decode_cursor, encode_cursor
from schema.permissions import DomainData

Row = Any
Getter = Callable[[Row], Any]


class Unsupported(Exception):
    """The selection uses something the planner does not compile: use the resolvers."""


# --- converters: what the GraphQL layer makes of a column value ---------------------------


def _iso(value: Any) -> Any:
    return value.isoformat() if value is not None else None


def _name(value: Any) -> Any:
    return value.name if value is not None else None


def _float(value: Any) -> Any:
    return float(value) if value is not None else None


def _int(value: Any) -> Any:
    return int(value) if value is not None else None


def _str(value: Any) -> Any:
    return str(value) if value is not None else None


def _same(value: Any) -> Any:
    return value


_KIND_CONVERTERS: dict[Kind, Callable[[Any], Any]] = {
    Kind.INT: _int,
    Kind.YEAR_BE: _int,
    Kind.DECIMAL: _float,
    Kind.BOOL: _same,
    Kind.TEXT: _same,
    Kind.CHOICE: _same,
    Kind.LATITUDE: _float,
    Kind.LONGITUDE: _float,
    Kind.DATE: _iso,
}

# Lao's scalar fields: GraphQL name → (column, converter).
_LAO_SCALARS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "code": ("code", _same),
    "nameTh": ("name_th", _same),
    "nameEn": ("name_en", _same),
    "type": ("type", _name),
    "size": ("size", _name),
    "addressNumber": ("address_number", _same),
    "addressVillageNumber": ("address_village_number", _int),
    "addressRoad": ("address_road", _same),
    "postcode": ("postcode", _same),
    "latitude": ("latitude", _float),
    "longitude": ("longitude", _float),
    "phone": ("phone", _same),
    "hasWebsite": ("has_website", _same),
}
_PLACES: dict[str, tuple[Any, Any, dict[str, tuple[str, Callable[[Any], Any]]]]] = {
    "province": (
        Province.__table__,
        Lao.province_id,
        {"code": ("code", _same), "nameTh": ("name_th", _same), "nameEn": ("name_en", _same)},
    ),
    "district": (
        District.__table__,
        Lao.district_id,
        {"code": ("code", _same), "nameTh": ("name_th", _same)},
    ),
    "subdistrict": (
        Subdistrict.__table__,
        Lao.subdistrict_id,
        {
            "code": ("code", _same),
            "nameTh": ("name_th", _same),
            "postcode": ("postcode", _same),
            "latitude": ("latitude", _float),
            "longitude": ("longitude", _float),
        },
    ),
}
_YEAR_SCALARS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "fiscalYear": ("fiscal_year", _int),
    "state": ("state", _name),
    "version": ("version", _int),
    "dataReceivedAt": ("data_received_at", _iso),
    "stateLabelTh": ("state", lambda s: CertificationState[s.name].label_th),
    "allDomainsComplete": ("complete_domains", lambda m: m == ALL_DOMAINS_MASK),
}
_SECTIONS: dict[str, Domain] = {to_camel_case(d.key): d for d in DOMAINS}


def _value_fields(fields: tuple[Field, ...]) -> dict[str, tuple[str, Callable[[Any], Any]]]:
    """A section's or record's catalogue fields: GraphQL name → (column, converter)."""
    out: dict[str, tuple[str, Callable[[Any], Any]]] = {}
    for f in fields:
        if f.kind is Kind.VILLAGE:
            continue
        out[to_camel_case(f.name)] = (f.column, _KIND_CONVERTERS[f.kind])
        if f.fetched_at_column:
            out[to_camel_case(f.fetched_at_column)] = (f.fetched_at_column, _iso)
    return out


# --- the plan --------------------------------------------------------------------------------


class Columns:
    """The page statement's select list: each column added once, read back by position."""

    def __init__(self) -> None:
        self.columns: list[Any] = []
        self.index: dict[str, int] = {}

    def add(self, label: str, column: Any) -> int:
        if label not in self.index:
            self.index[label] = len(self.columns)
            self.columns.append(column.label(label))
        return self.index[label]

    def getter(self, label: str, column: Any, convert: Callable[[Any], Any]) -> Getter:
        position = self.add(label, column)
        if convert is _same:
            return operator.itemgetter(position)
        return lambda row: convert(row[position])


@dataclass
class RecordsPlan:
    """One record table under a section: one statement for the whole page."""

    records: RecordTable
    key: str
    fields: list[tuple[str, Getter]]
    columns: Columns
    villages: dict[str, Any]  # village field name → alias joined


@dataclass
class SectionPlan:
    domain: Domain
    key: str
    node: FieldNode
    allowed: bool
    present: Getter  # the section row exists
    fields: list[tuple[str, Getter]]
    records: list[RecordsPlan]


@dataclass
class YearPlan:
    key: str
    fiscal_year: int
    present: Getter
    year_id: Getter
    fields: list[tuple[str, Getter]]
    sections: list[SectionPlan]


@dataclass
class PagePlan:
    """A compiled `laos` selection."""

    root_key: str
    where: list[ColumnElement[bool]]
    size: int
    after: int | None
    columns: Columns
    joins: list[tuple[Any, Any]]
    connection: list[tuple[str, Any]]  # ("totalCount", None), ("pageInfo", [...]), ("edges", ...)
    edge_fields: list[str] = field(default_factory=list)
    node_fields: list[tuple[str, Any]] = field(default_factory=list)
    year: YearPlan | None = None
    lao_id: Getter = operator.itemgetter(0)


def _not_null(position: int) -> Getter:
    return lambda row: row[position] is not None


def _fields(selection_set: SelectionSetNode | None) -> list[FieldNode]:
    if selection_set is None:
        raise Unsupported("a field needs a selection")
    out = []
    seen = set()
    for s in selection_set.selections:
        if not isinstance(s, FieldNode):
            raise Unsupported("fragments")
        if s.alias is not None or s.directives:
            raise Unsupported("aliases and directives")
        if s.name.value in seen:
            raise Unsupported("a field selected twice")
        seen.add(s.name.value)
        out.append(s)
    return out


def _leaf(node: FieldNode) -> str:
    if node.selection_set is not None or node.arguments:
        raise Unsupported(f"{node.name.value} is not a plain leaf")
    return node.name.value


class Compiler:
    def __init__(self, planner: Planner, identity: Any, variables: dict[str, Any]) -> None:
        self.planner = planner
        self.identity = identity
        self.variables = variables
        self.columns = Columns()
        self.joins: list[tuple[Any, Any]] = []

    def compile(self, root: FieldNode) -> PagePlan:
        field_def = self.planner.graphql_schema.query_type.fields["laos"]
        args = get_argument_values(field_def, root, self.variables)
        where = self._filter(args.get("filter"))
        size = check_page_size(args.get("first"))
        after = decode_cursor(args.get("after"))
        self.columns.add("l_id", Lao.id)
        plan = PagePlan(root.name.value, where, size, after, self.columns, self.joins, [])
        for f in _fields(root.selection_set):
            name = f.name.value
            if name == "totalCount":
                plan.connection.append((_leaf(f), None))
            elif name == "pageInfo":
                plan.connection.append((name, [_leaf(x) for x in _fields(f.selection_set)]))
            elif name == "edges":
                plan.connection.append((name, None))
                for e in _fields(f.selection_set):
                    if e.name.value == "cursor":
                        plan.edge_fields.append(_leaf(e))
                    elif e.name.value == "node":
                        plan.edge_fields.append("node")
                        self._node(e, plan)
                    else:
                        raise Unsupported(e.name.value)
            else:
                raise Unsupported(name)
        return plan

    def _filter(self, value: dict[str, Any] | None) -> list[ColumnElement[bool]]:
        where: list[ColumnElement[bool]] = []
        for key, v in (value or {}).items():
            if v is None:
                continue
            if key == "provinceCode":
                where.append(Lao.province_id.in_(select(Province.id).where(Province.code == v)))
            elif key == "districtCode":
                where.append(Lao.district_id.in_(select(District.id).where(District.code == v)))
            elif key == "nameContains":
                if v:
                    where.append(Lao.name_th.contains(v, autoescape=True))
            else:
                raise Unsupported(f"filter {key}")
        return where

    def _node(self, node: FieldNode, plan: PagePlan) -> None:
        c = self.columns
        for f in _fields(node.selection_set):
            name = f.name.value
            if name in _LAO_SCALARS:
                column, convert = _LAO_SCALARS[_leaf(f)]
                plan.node_fields.append(
                    (name, c.getter(f"l_{column}", Lao.__table__.c[column], convert))
                )
            elif name == "websiteUrl":
                has = c.add("l_has_website", Lao.has_website)
                url = c.add("l_website_url", Lao.website_url)
                plan.node_fields.append(
                    (_leaf(f), lambda row, h=has, u=url: row[u] if row[h] else None)
                )
            elif name in _PLACES:
                table, fk, scalars = _PLACES[name]
                alias = table.alias(f"g_{name}")
                if f.arguments:
                    raise Unsupported("arguments")
                self.joins.append((alias, alias.c.id == fk))
                getters = []
                for leaf in _fields(f.selection_set):
                    if leaf.name.value not in scalars:
                        raise Unsupported(f"{name}.{leaf.name.value}")
                    column, convert = scalars[_leaf(leaf)]
                    getters.append(
                        (leaf.name.value, c.getter(f"{name}_{column}", alias.c[column], convert))
                    )
                plan.node_fields.append((name, ("object", getters)))
            elif name == "year":
                if plan.year is not None:
                    raise Unsupported("year twice")
                plan.year = self._year(f)
                plan.node_fields.append((name, ("year", None)))
            else:
                raise Unsupported(f"Lao.{name}")

    def _year(self, node: FieldNode) -> YearPlan:
        c = self.columns
        field_def = self.planner.graphql_schema.get_type("Lao").fields["year"]  # type: ignore[union-attr]
        fiscal_year = get_argument_values(field_def, node, self.variables)["fiscalYear"]
        year = LaoYear.__table__.alias("planned_year")
        # The row rule is written over `lao_years`; point it at this statement's alias.
        visible = ClauseAdapter(year).traverse(permissions.visible_lao_years_clause(self.identity))
        self.joins.append(
            (
                year,
                and_(year.c.lao_id == Lao.id, year.c.fiscal_year == fiscal_year, visible),
                "outer",
            )
        )
        plan = YearPlan(
            "year",
            fiscal_year,
            present=_not_null(c.add("y_id", year.c.id)),
            year_id=operator.itemgetter(c.add("y_id", year.c.id)),
            fields=[],
            sections=[],
        )
        for f in _fields(node.selection_set):
            name = f.name.value
            if name in _YEAR_SCALARS:
                column, convert = _YEAR_SCALARS[_leaf(f)]
                plan.fields.append((name, c.getter(f"y_{column}", year.c[column], convert)))
            elif name in _SECTIONS:
                if f.arguments:
                    raise Unsupported("arguments")
                plan.sections.append(self._section(_SECTIONS[name], f, year))
                plan.fields.append((name, ("section", len(plan.sections) - 1)))
            else:
                raise Unsupported(f"LaoYear.{name}")
        return plan

    def _section(self, domain: Domain, node: FieldNode, year: Any) -> SectionPlan:
        table = SECTION_TABLES[domain.number].alias(f"planned_d{domain.number}")
        allowed = permissions.can_read_domain(self.identity, domain.number)
        # A forbidden section is still compiled (to know the planner supports it), but into
        # columns that are never selected: its domain's table is not even joined.
        c = self.columns if allowed else Columns()
        scalars = _value_fields(domain.fields)
        by_flag = {to_camel_case(t.none_flag): t for t in domain.record_tables}
        by_records = {to_camel_case(t.name): t for t in domain.record_tables}
        plan = SectionPlan(
            domain,
            node.name.value,
            node,
            allowed,
            present=_not_null(c.add(f"d{domain.number}_lao_year_id", table.c.lao_year_id)),
            fields=[],
            records=[],
        )
        prefix = f"d{domain.number}_"
        for f in _fields(node.selection_set):
            name = f.name.value
            if name in scalars:
                column, convert = scalars[_leaf(f)]
            elif name in by_flag:
                column, convert = by_flag[_leaf(f)].none_flag, _same
            elif name == "updatedAt":
                column, convert = "updated_at", _iso
                _leaf(f)
            elif name in by_records:
                if f.arguments:
                    raise Unsupported("arguments")
                plan.records.append(self._records(by_records[name], f))
                plan.fields.append((name, ("records", len(plan.records) - 1)))
                continue
            else:
                raise Unsupported(f"{domain.type_name}.{name}")
            plan.fields.append((name, c.getter(prefix + column, table.c[column], convert)))
        if allowed:
            self.joins.append((table, table.c.lao_year_id == year.c.id, "outer"))
        return plan

    def _records(self, records: RecordTable, node: FieldNode) -> RecordsPlan:
        table = RECORD_TABLES[records.name]
        c = Columns()
        c.add("lao_year_id", table.c.lao_year_id)
        scalars = _value_fields(records.fields)
        scalars["recordKey"] = ("record_key", _str)
        scalars["id"] = ("id", _int)
        scalars["version"] = ("version", _int)
        villages_by_name = {
            to_camel_case(f.name): f for f in records.fields if f.kind is Kind.VILLAGE
        }
        plan = RecordsPlan(records, node.name.value, [], c, {})
        for f in _fields(node.selection_set):
            name = f.name.value
            if name in scalars:
                column, convert = scalars[_leaf(f)]
                plan.fields.append((name, c.getter(column, table.c[column], convert)))
            elif name in villages_by_name:
                v = villages_by_name[name]
                if f.arguments:
                    raise Unsupported("arguments")
                alias = Village.__table__.alias(f"planned_v_{v.name}")
                plan.villages[v.name] = (alias, alias.c.id == table.c[v.column])
                present = c.add(f"{v.name}__id", alias.c.id)
                getters = []
                for leaf in _fields(f.selection_set):
                    if leaf.name.value == "number":
                        getters.append(
                            ("number", c.getter(f"{v.name}__number", alias.c.number, _int))
                        )
                    elif leaf.name.value == "nameTh":
                        getters.append(
                            ("nameTh", c.getter(f"{v.name}__name_th", alias.c.name_th, _same))
                        )
                    else:
                        raise Unsupported(f"Village.{leaf.name.value}")
                    _leaf(leaf)
                plan.fields.append((name, ("village", present, getters)))
            else:
                raise Unsupported(f"{records.type_name}.{name}")
        return plan


# --- running a plan --------------------------------------------------------------------------


def _object(getters: list[tuple[str, Any]], row: Row) -> dict[str, Any]:
    return {key: get(row) for key, get in getters}


async def _run(plan: PagePlan, engine: Any) -> tuple[dict[str, Any], list[GraphQLError], Any]:
    """The connection as a dict, and errors (their paths relative to the root field)."""
    base = Lao.__table__
    joined: Any = base
    for join in plan.joins:
        table, on = join[0], join[1]
        joined = joined.outerjoin(table, on) if len(join) > 2 else joined.join(table, on)
    statement: Select[Any] = select(*plan.columns.columns).select_from(joined).where(*plan.where)
    if plan.after is not None:
        statement = statement.where(Lao.id > plan.after)
    statement = statement.order_by(Lao.id).limit(plan.size + 1)
    wants_total = any(key == "totalCount" for key, _ in plan.connection)
    records_rows: dict[int, list[dict[int, list[Row]]]] = {}
    async with engine.connect() as conn:
        total = (
            (
                await conn.execute(select(func.count()).select_from(Lao).where(*plan.where))
            ).scalar_one()
            if wants_total
            else None
        )
        rows = (await conn.execute(statement)).all()
        page = rows[: plan.size]
        year = plan.year
        if year is not None:
            year_ids = [year.year_id(r) for r in page if year.present(r)]
            for s_index, section in enumerate(year.sections):
                if not section.allowed:
                    continue
                for r_index, rp in enumerate(section.records):
                    table = RECORD_TABLES[rp.records.name]
                    joined_records: Any = table
                    for alias, on in rp.villages.values():
                        joined_records = joined_records.outerjoin(alias, on)
                    by_year: dict[int, list[Row]] = {}
                    if year_ids:
                        result = await conn.execute(
                            select(*rp.columns.columns)
                            .select_from(joined_records)
                            .where(table.c.lao_year_id.in_(year_ids), table.c.retired_on.is_(None))
                            .order_by(table.c.id)
                        )
                        for r in result.all():
                            by_year.setdefault(r[0], []).append(r)
                    records_rows.setdefault(s_index, []).append(by_year)
                    assert len(records_rows[s_index]) == r_index + 1
    errors: list[GraphQLError] = []
    edges = []
    for i, row in enumerate(page):
        edge: dict[str, Any] = {}
        for key in plan.edge_fields:
            if key == "cursor":
                edge[key] = encode_cursor(plan.lao_id(row))
            else:
                edge[key] = _node(plan, row, i, records_rows, errors)
        edges.append(edge)
    out: dict[str, Any] = {}
    for key, sub in plan.connection:
        if key == "totalCount":
            out[key] = total
        elif key == "pageInfo":
            info = {
                "hasNextPage": len(rows) > plan.size,
                "hasPreviousPage": plan.after is not None,
                "startCursor": encode_cursor(plan.lao_id(page[0])) if page else None,
                "endCursor": encode_cursor(plan.lao_id(page[-1])) if page else None,
            }
            out[key] = {k: info[k] for k in sub}
        else:
            out[key] = edges
    return out, errors, None


def _node(
    plan: PagePlan,
    row: Row,
    i: int,
    records_rows: dict[int, list[dict[int, list[Row]]]],
    errors: list[GraphQLError],
) -> dict[str, Any]:
    node: dict[str, Any] = {}
    for key, get in plan.node_fields:
        if not isinstance(get, tuple):
            node[key] = get(row)
        elif get[0] == "object":
            node[key] = _object(get[1], row)
        else:
            node[key] = _year(plan, row, i, records_rows, errors)
    return node


def _year(
    plan: PagePlan,
    row: Row,
    i: int,
    records_rows: dict[int, list[dict[int, list[Row]]]],
    errors: list[GraphQLError],
) -> dict[str, Any] | None:
    year = plan.year
    assert year is not None
    if not year.present(row):
        return None
    out: dict[str, Any] = {}
    lao_year_id = year.year_id(row)
    for key, get in year.fields:
        if not isinstance(get, tuple):
            out[key] = get(row)
            continue
        section = year.sections[get[1]]
        if not section.allowed:
            out[key] = None
            errors.append(
                GraphQLError(
                    DomainData(section.domain.number).message,
                    nodes=[section.node],
                    path=[plan.root_key, "edges", i, "node", year.key, key],
                    extensions={"code": "FORBIDDEN"},
                )
            )
            continue
        if not section.present(row):
            out[key] = None
            continue
        value: dict[str, Any] = {}
        for skey, sget in section.fields:
            if not isinstance(sget, tuple):
                value[skey] = sget(row)
                continue
            rp = section.records[sget[1]]
            records = records_rows[get[1]][sget[1]].get(lao_year_id, [])
            value[skey] = [_record(rp, r) for r in records]
        out[key] = value
    return out


def _record(rp: RecordsPlan, r: Row) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, get in rp.fields:
        if not isinstance(get, tuple):
            out[key] = get(r)
        else:
            _, present, getters = get
            out[key] = _object(getters, r) if r[present] is not None else None
    return out


# --- the entry point -------------------------------------------------------------------------


class Planner:
    """Answers the `laos` queries it fully supports (see the module docstring); None otherwise."""

    def __init__(self, schema: Any, limits: QueryLimits = DEFAULT_LIMITS) -> None:
        self.schema = schema
        self.graphql_schema = schema._schema
        self.limits = limits
        self._documents: dict[str, DocumentNode | None] = {}

    def _document(self, query: str) -> DocumentNode | None:
        if query in self._documents:
            return self._documents[query]
        try:
            document: DocumentNode | None = parse(Source(query), max_tokens=self.limits.max_tokens)
        except GraphQLError:
            document = None
        if len(self._documents) > 256:
            self._documents.clear()
        self._documents[query] = document
        return document

    def operation(self, request_data: Any) -> tuple[DocumentNode, OperationDefinitionNode] | None:
        query = getattr(request_data, "query", None)
        if not isinstance(query, str) or getattr(request_data, "extensions", None):
            return None
        if getattr(request_data, "protocol", "http") != "http":
            return None
        document = self._document(query)
        if document is None or len(document.definitions) != 1:
            return None
        operation = document.definitions[0]
        if not isinstance(operation, OperationDefinitionNode):
            return None
        if operation.operation is not OperationType.QUERY or operation.directives:
            return None
        name = getattr(request_data, "operation_name", None)
        if name is not None and (operation.name is None or operation.name.value != name):
            return None
        selections = operation.selection_set.selections
        if len(selections) != 1 or not isinstance(selections[0], FieldNode):
            return None
        root = selections[0]
        if root.name.value != "laos" or root.alias is not None or root.directives:
            return None
        return document, operation

    async def execute(self, request_data: Any, context: Any) -> ExecutionResult | None:
        found = self.operation(request_data)
        if found is None:
            return None
        document, operation = found
        raw_variables = getattr(request_data, "variables", None) or {}
        if not isinstance(raw_variables, dict):
            return None
        coerced = get_variable_values(
            self.graphql_schema, operation.variable_definitions or (), raw_variables
        )
        if isinstance(coerced, list):
            return None  # the resolver path reports bad variables
        rules = (*specified_rules, _limits_rule(self.limits, dict(raw_variables)))
        if validate(self.graphql_schema, document, rules):
            return None  # and validation or limit errors
        try:
            plan = Compiler(self, context.identity, coerced).compile(
                operation.selection_set.selections[0]
            )  # type: ignore[arg-type]
        except (Unsupported, GraphQLError):
            return None
        connection, errors, _ = await _run(plan, context.engine)
        return ExecutionResult(data={plan.root_key: connection}, errors=errors or None)
