"""Shared pieces of the planned read path (`schema.planner`, `schema.plan_lists`).

Contracts: a converter turns one column value into what strawberry would serialise for the
field (None stays None); `Columns` is a statement's select list, each labelled column added
once and read back by position; `_fields` returns a selection set's fields once `schema.plan_document` has collected them
(no fragments or directives left; aliases kept, read with `_key`) and raises `Unsupported`
on an object field selected twice where its caller cannot answer that; `join_once` joins an
object asked under several keys once; `compile_object` compiles (key, getter) pairs, where a
getter is a callable over the row or ("object", pairs) for a nested object, once per plan
into one function that builds the object from a row (`Col` and `Const` getters inline);
`nested_rows` is, on PostgreSQL, a list's statement as one value of its parent's row and
`NestedRows` reads that value back as the rows the statement would have returned.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Collection
from typing import Any

from graphql import FieldNode, GraphQLError, NameNode, SelectionSetNode
from sqlalchemy import Float, Numeric, bindparam, func, select
from sqlalchemy.dialects.postgresql import aggregate_order_by

from hub.rules.catalogue import Kind
from schema.pagination import encode_cursor

Row = Any
Getter = Callable[[Row], Any]


class Unsupported(Exception):
    """The selection uses something the planner does not compile: use the resolvers."""


# --- converters: what the GraphQL layer makes of a column value ---------------------------


def _iso(value: Any) -> Any:
    # Timestamps come back aware (hub.db.models.base.UtcDateTime); a naive one is UTC, as there.
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
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
        return Col(self.add(label, column), None if convert is _same else convert)


class Col:
    """A getter of one select-list column, converted: `row[position]`, which `compile_object`
    writes inline instead of calling."""

    __slots__ = ("convert", "position")

    def __init__(self, position: int, convert: Callable[[Any], Any] | None = None) -> None:
        self.position, self.convert = position, convert

    def __call__(self, row: Row) -> Any:
        value = row[self.position]
        return value if self.convert is None else self.convert(value)


class Const:
    """A getter that answers `value` whatever the row (`__typename`)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __call__(self, row: Row) -> Any:
        return self.value


def compile_object(
    pairs: list[tuple[str, Any]], *, placeholders: bool = False
) -> Callable[[Row], dict[str, Any]]:
    """One function that builds, from a row, the object the (key, getter) pairs describe.

    Why: building objects from rows was a third to a half of a page's CPU, most of it the
    overhead of looping over the pairs (a call and an isinstance per field). The function is one dict display
    compiled from the pairs: `row[3]` for a column, `c0(row[4])` for a converted one, a name
    for a constant, a nested display for ("object", pairs), and for ("object", present, pairs)
    (a record's village) the nested display or None when `row[present]` is None. Any other
    getter is called. With `placeholders`, any other tuple slot (a section's record lists)
    is None, for the caller to fill in its place (the dict keeps the document's key order).
    Keys are GraphQL names (`repr` quotes them); values are never written into the source.
    """
    namespace: dict[str, Any] = {}

    def bind(value: Any) -> str:
        name = f"v{len(namespace)}"
        namespace[name] = value
        return name

    def display(items: list[tuple[str, Any]]) -> str:
        parts = []
        for key, get in items:
            parts.append(f"{key!r}: {expression(get)}")
        return "{" + ", ".join(parts) + "}"

    def expression(get: Any) -> str:
        if isinstance(get, Col):
            item = f"row[{int(get.position)}]"
            return item if get.convert is None else f"{bind(get.convert)}({item})"
        if isinstance(get, Const):
            return bind(get.value)
        if isinstance(get, tuple):
            if len(get) == 2 and isinstance(get[1], list):
                return display(get[1])
            if len(get) == 3 and isinstance(get[1], int) and isinstance(get[2], list):
                return f"({display(get[2])} if row[{int(get[1])}] is not None else None)"
            if placeholders:
                return "None"
            raise TypeError(f"no object slot: {get!r}")
        return f"{bind(get)}(row)"

    source = f"def build(row):\n    return {display(pairs)}\n"
    exec(compile(source, "<planned object>", "exec"), namespace)
    built: Callable[[Row], dict[str, Any]] = namespace["build"]
    return built


@functools.cache
def _alias(table: Any, name: str) -> Any:
    """`table.alias(name)`, made once: an alias builds its column collection on first use,
    which costs more than running a small plan; SQLAlchemy aliases are immutable."""
    return table.alias(name)


def join_once(joins: list[Any], alias: Any, on: Any, *how: str) -> None:
    """`(alias, on, *how)` appended to a statement's `joins` unless `alias` is joined there
    already: an object asked again under another key (`a: province { code } b: province {
    nameTh }`) reads the same row, its columns shared by name (`Columns`). Aliases are made
    once per name (`_alias`), so the same name is the same object."""
    if not any(join[0] is alias for join in joins):
        joins.append((alias, on, *how))


def _not_null(position: int) -> Getter:
    return lambda row: row[position] is not None


def _fields(
    selection_set: SelectionSetNode | None,
    repeatable: Collection[str] = (),
    any_twice: bool = False,
) -> list[FieldNode]:
    """A selection set's fields, as `schema.plan_document` leaves them: plain fields, merged
    by response key, no fragments or directives. A field of an object type (or with
    arguments) selected again under another key raises `Unsupported`, unless it is in
    `repeatable` or `any_twice` is set: the caller then answers each key on its own (its own
    statement or plan, or a join made once, `join_once`). Only the callers that do say so;
    a changes feed's `nodes` under two keys still goes to the resolvers."""
    if selection_set is None:
        raise Unsupported("a field needs a selection")
    out = []
    seen_objects = set()
    for s in selection_set.selections:
        if not isinstance(s, FieldNode) or s.directives:
            raise Unsupported("fragments and directives must be collected first")
        if s.selection_set is not None or s.arguments:
            if s.name.value in seen_objects and not any_twice and s.name.value not in repeatable:
                raise Unsupported("an object field selected twice")
            seen_objects.add(s.name.value)
        out.append(s)
    return out


def connection_answer(
    plan: Any,
    rows: list[Any],
    total: int | None,
    cursor_of: Callable[[Any], int],
    node_of: Callable[[int, Any, str, str], Any],
) -> dict[str, Any]:
    """A page of a connection root as GraphQL answers it, from its rows (one more than the
    page when there is a next) and the COUNT: `plan` holds the selection (`connection`,
    each `edges` entry with its own edge fields, `edge_type`, `page_info_type`) and the
    page (`size`, `after`); `cursor_of(row)` is the id a cursor encodes, `node_of(i, row,
    edges_key, node_key)` the i-th node under those keys. The nodes are built in the
    document's order, `edges` key by key and edge by edge, as the resolvers complete them
    (so the errors met building them come in the resolvers' order)."""
    page = rows[: plan.size]
    out: dict[str, Any] = {}
    for name, key, sub in plan.connection:
        if name == "totalCount":
            out[key] = total
        elif name == "__typename":
            out[key] = sub
        elif name == "pageInfo":
            info = {
                "hasNextPage": len(rows) > plan.size,
                "hasPreviousPage": plan.after is not None,
                "startCursor": encode_cursor(cursor_of(page[0])) if page else None,
                "endCursor": encode_cursor(cursor_of(page[-1])) if page else None,
                "__typename": plan.page_info_type,
            }
            out[key] = {k: info[n] for n, k in sub}
        else:
            edges = []
            for i, row in enumerate(page):
                edge: dict[str, Any] = {}
                for field_name, field_key in sub:
                    if field_name == "cursor":
                        edge[field_key] = encode_cursor(cursor_of(row))
                    elif field_name == "__typename":
                        edge[field_key] = plan.edge_type
                    else:
                        edge[field_key] = node_of(i, row, key, field_key)
                edges.append(edge)
            out[key] = edges
    return out


def connection_fields(
    selection_set: SelectionSetNode | None, connection: str, plan: Any
) -> list[tuple[str, str, FieldNode]]:
    """A connection's selection read into `plan.connection`: `totalCount`, `pageInfo` and
    `__typename`, and each `edges` key with its own edge fields (`cursor`, `__typename`,
    `node`), any of them under several keys (a dashboard's two views of one page). Returns
    the `node` fields, each with the keys it answers at: (edges key, node key, node)."""
    nodes: list[tuple[str, str, FieldNode]] = []
    for f in _fields(selection_set, repeatable=("pageInfo", "edges")):
        name, key = f.name.value, _key(f)
        if name == "__typename":
            plan.connection.append((name, key, connection))
        elif name == "totalCount":
            plan.connection.append((_leaf(f), key, None))
        elif name == "pageInfo":
            plan.connection.append(
                (name, key, [(_leaf(x), _key(x)) for x in _fields(f.selection_set)])
            )
        elif name == "edges":
            edge_fields: list[tuple[str, str]] = []
            for e in _fields(f.selection_set, repeatable=("node",)):
                if e.name.value in ("cursor", "__typename"):
                    edge_fields.append((_leaf(e), _key(e)))
                elif e.name.value == "node":
                    edge_fields.append(("node", _key(e)))
                    nodes.append((key, _key(e), e))
                else:
                    raise Unsupported(f"edges.{e.name.value}")
            plan.connection.append((name, key, edge_fields))
        else:
            raise Unsupported(name)
    return nodes


def node_root(root: FieldNode, edges_key: str, node: FieldNode) -> FieldNode:
    """`root` with only `edges { node }` under the given keys selected (the same arguments):
    what a `node` under another key is compiled from, a plan of its own (`page_ids`)."""
    edges = FieldNode(
        name=NameNode(value="edges"),
        alias=NameNode(value=edges_key),
        arguments=(),
        directives=(),
        selection_set=SelectionSetNode(selections=(node,)),
    )
    return FieldNode(
        name=root.name,
        alias=root.alias,
        arguments=root.arguments,
        directives=(),
        selection_set=SelectionSetNode(selections=(edges,)),
    )


def page_ids(id_column: Any) -> Any:
    """The WHERE clause of a `node_root` plan: the rows of the page its first plan read,
    whose ids the run passes as `page_ids` (so both read the same page, whatever was
    written in between)."""
    return id_column.in_(bindparam("page_ids", expanding=True))


def forbidden(message: str, nodes: list[FieldNode], path: list[Any]) -> GraphQLError:
    """A guard's refusal at `path`, as the resolvers' permission class reports it (code
    FORBIDDEN, `schema.permissions.FORBIDDEN`)."""
    return GraphQLError(message, nodes=nodes, path=path, extensions={"code": "FORBIDDEN"})


def _key(node: FieldNode) -> str:
    """The field's key in the answer: its alias, else its name."""
    return node.alias.value if node.alias is not None else node.name.value


def _const(value: Any) -> Getter:
    """A getter that answers `value` whatever the row (`__typename`)."""
    return Const(value)


def _leaf(node: FieldNode) -> str:
    if node.selection_set is not None or node.arguments:
        raise Unsupported(f"{node.name.value} is not a plain leaf")
    return node.name.value


# --- a list inside its parent's row (PostgreSQL) ----------------------------------------------


def nested_rows(
    columns: list[Any], from_: Any, where: list[Any], order_by: list[Any], parent: Any
) -> Any:
    """PostgreSQL: the rows `SELECT columns FROM from_ WHERE where ORDER BY order_by` returns,
    as one value of the enclosing statement's row — an array of anonymous records, NULL when
    there are none — correlated to `parent` (the enclosing statement's table or alias that
    `where` refers to; only it: any other table the list reads is its own).

    Why: one LAO's answer (`lao(code:)`) was one statement for the LAO and one per list and
    record table: seven round trips for a deep profile, each paying the driver's and
    SQLAlchemy's per-statement work, where the rows themselves take microseconds. asyncpg
    decodes records and arrays of them natively (binary, with each field's own codec), so
    the values come back as they would as columns (`NestedRows` adds SQLAlchemy's part).
    """
    item = func.row(*(getattr(c, "element", c) for c in columns))
    return (
        select(func.array_agg(aggregate_order_by(item, *order_by)))
        .select_from(from_)
        .where(*where)
        .correlate(parent)
        .scalar_subquery()
    )


# The type PostgreSQL reports for a column of each numeric type the hub's DDL creates: what
# SQLAlchemy's asyncpg dialect picks a numeric result processor by (float8, numeric).
_REPORTED_NUMERIC_TYPES = ((Float, 701), (Numeric, 1700))


class NestedRows:
    """Reads a `nested_rows` value back as the list of rows its statement would return.

    The driver decodes a record's fields as it decodes columns; what SQLAlchemy adds for a
    column is its type's result processor (an Enum's stored name to the member, the hub's
    `UtcDateTime`, a float-valued `Numeric`), applied here per field, so every getter
    compiled for the list's statement reads these rows unchanged.
    """

    def __init__(self, columns: list[Any], dialect: Any) -> None:
        self.processors: list[tuple[int, Callable[[Any], Any]]] = []
        for i, column in enumerate(columns):
            reported = next(
                (oid for t, oid in _REPORTED_NUMERIC_TYPES if isinstance(column.type, t)), None
            )
            process = column.type.dialect_impl(dialect).result_processor(dialect, reported)
            if process is not None:
                self.processors.append((i, process))

    def __call__(self, value: list[Any] | None) -> list[Any]:
        if not value:
            return []
        if not self.processors:
            return value
        out = []
        for record in value:
            row = list(record)
            for i, process in self.processors:
                row[i] = process(row[i])
            out.append(row)
        return out
